"""One PostgreSQL cluster for the fault tests of a module, with the schema of the test database
and the people and things of tests.faults.seed."""

import subprocess
import sys

import pytest

from clb.operations import backups
from scripts.pg import Cluster

from .site import ROOT, Site, environment, read_json

KIOSKS, DESKS = 50, 3


@pytest.fixture(scope="session")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    schema = folder / "schema.dump"
    with django_db_blocker.unblock():
        backups.backup(schema)  # the migrated test database: much faster than migrating again
    cluster = Cluster(durable=True, max_connections=100)
    try:
        cluster.create()
        made = Site(cluster, environment(folder), {}, folder)
        made.clb("restore", str(schema), "--noinput", "--no-safety-copy")
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.faults.seed", str(KIOSKS), str(DESKS)],
            env=made.env_for("seed"), cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr
        made.seed = read_json(seeded.stdout)
        yield made
    finally:
        cluster.remove()
