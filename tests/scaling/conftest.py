"""Sites for the scaling tests, each on its own PostgreSQL processes with the schema of the test
database and the people and things of tests.faults.seed: a primary with a streaming replica
(scripts.pg.Replica), and a cluster behind PgBouncer in transaction mode (scripts.pg.Pgbouncer)."""

import psycopg
import pytest

from clb.operations import backups
from scripts.pg import Cluster, Pgbouncer, Replica
from tests.faults.site import environment, free_port, seeded_site

DESKS = 4  # each replica test its own desk, card and copies


@pytest.fixture(scope="session")
def schema(django_db_setup, django_db_blocker, tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.dump"
    with django_db_blocker.unblock():
        backups.backup(path)  # the migrated test database, as tests/faults does
    return path


@pytest.fixture(scope="session")
def pair(schema, tmp_path_factory):
    folder = tmp_path_factory.mktemp("replica")
    primary = Cluster()
    replica = Replica(primary)
    web = None
    try:
        primary.create()
        replica.create()  # before the schema: all of it reaches the replica by streaming
        env = dict(environment(folder), CLB_DATABASE_REPLICA_URLS=replica.url)
        made = seeded_site(primary, env, folder, schema, 0, DESKS)
        made.replica_sql = lambda query, *args: _sql(replica.url, query, *args)
        made.replica = replica
        made.port = free_port()
        web = made.start("web", "serve", "--port", str(made.port), "--workers", "2", port=made.port)
        yield made
    finally:
        if web is not None:
            web.stop()
        replica.remove()
        primary.remove()


@pytest.fixture(scope="session")
def pooled(schema, tmp_path_factory):
    """CLB (web and SIP2) behind PgBouncer with two server connections for all its clients."""
    folder = tmp_path_factory.mktemp("pgbouncer")
    cluster = Cluster()
    try:
        cluster.create()
        with Pgbouncer(cluster, pool_size=2) as bouncer:
            made = seeded_site(cluster, environment(folder), folder, schema, 6, 3)
            made.env.update(CLB_TRANSACTION_POOLING="1")
            made.via = bouncer.url
            yield made
    finally:
        cluster.remove()


def _sql(url: str, query: str, *args):
    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(query, args).fetchall()
