"""One PostgreSQL cluster for the fault tests of a module, with the schema of the test database
and the people and things of tests.faults.seed."""

import pytest

from clb.operations import backups
from scripts.pg import Cluster

from .site import environment, seeded_site

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
        yield seeded_site(cluster, environment(folder), folder, schema, KIOSKS, DESKS)
    finally:
        cluster.remove()
