"""CLB_DATABASE_REPLICA_URLS as an operator writes it, and the WAL positions clb.replicas reads.
The replicas themselves are tested on a real primary and replica in tests/replicas."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from clb.database_settings import database_settings, replica_settings
from clb.replicas import lsn

PRIMARY = {"CLB_DATABASE_URL": "postgresql://clb@db-1:5432/clb", "CLB_CONN_MAX_AGE": "60"}


def test_each_replica_url_becomes_an_alias_reused_as_the_primary_is(tmp_path):
    environ = {
        **PRIMARY,
        "CLB_DATABASE_REPLICA_URLS": " postgresql://clb@db-2/clb , postgres://clb@db-3:5433/clb?connect_timeout=9",
    }
    replicas = replica_settings(environ, database_settings(environ, tmp_path))
    assert list(replicas) == ["replica1", "replica2"]
    first, second = replicas["replica1"], replicas["replica2"]
    assert (first["HOST"], second["HOST"], str(second["PORT"])) == ("db-2", "db-3", "5433")
    # A replica that is down is given up on quickly; an operator's own timeout wins.
    assert (first["OPTIONS"]["connect_timeout"], int(second["OPTIONS"]["connect_timeout"])) == (
        2,
        9,
    )
    assert (first["CONN_MAX_AGE"], first["CONN_HEALTH_CHECKS"]) == (60, True)
    assert first["TEST"] == {"MIRROR": "default"}
    assert replica_settings(PRIMARY, database_settings(PRIMARY, tmp_path)) == {}


@pytest.mark.parametrize(
    "environ, says",
    [
        ({"CLB_DATABASE_REPLICA_URLS": "postgresql://clb@db-2/clb"}, "PostgreSQL-primary"),
        ({**PRIMARY, "CLB_DATABASE_REPLICA_URLS": "sqlite:////tmp/x.sqlite3"}, "replica 1"),
        (
            {**PRIMARY, "CLB_DATABASE_REPLICA_URLS": "postgresql://db-2/clb,mysql://db-3/clb"},
            "CLB_DATABASE_REPLICA_URLS (replica 2): 'mysql'",
        ),
    ],
)
def test_replica_urls_that_cannot_work_are_refused_by_name(tmp_path, environ, says):
    with pytest.raises(ImproperlyConfigured, match=re.escape(says)):
        replica_settings(environ, database_settings(environ, tmp_path))


def test_wal_positions_are_read_as_numbers_and_anything_else_as_none():
    assert lsn("0/16B3748") == 0x16B3748
    assert lsn("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert lsn("16/B374D848") > lsn("15/FFFFFFFF")
    for bad in (None, "", "0/", "G/1", "1/2/3", "0/16B3748; x", "123456789/0"):
        assert lsn(bad) is None


def test_behind_a_transaction_pooler_django_uses_no_server_side_cursors(tmp_path):
    pooled = {
        **PRIMARY,
        "CLB_TRANSACTION_POOLING": "1",
        "CLB_DATABASE_REPLICA_URLS": "postgresql://db-2/clb",
    }
    primary = database_settings(pooled, tmp_path)
    assert primary["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert replica_settings(pooled, primary)["replica1"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database_settings(PRIMARY, tmp_path)["DISABLE_SERVER_SIDE_CURSORS"] is False
