"""The project as an operator meets it: settings from the environment, the clb command, the server."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler
from gunicorn.ctl.client import ControlClient

from clb.database_settings import database_settings
from clb.web.management.commands.serve import control_socket

CLB = str(Path(sys.executable).with_name("clb"))


def connection_params(environ: dict, data_dir: Path) -> dict:
    """What Django would hand the database driver for these settings (no connection made)."""
    return ConnectionHandler({"default": database_settings(environ, data_dir)})[
        "default"
    ].get_connection_params()


def test_postgres_urls_as_django_users_write_them(tmp_path):
    url = "postgresql://clb:s%40cret@db.example:5433/clbprod?sslmode=require&connect_timeout=5"
    db = database_settings({"CLB_DATABASE_URL": url}, tmp_path)
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], str(db["PORT"])) == (
        "django.db.backends.postgresql",
        "clbprod",
        "clb",
        "s@cret",
        "db.example",
        "5433",
    )
    assert (db["OPTIONS"]["sslmode"], int(db["OPTIONS"]["connect_timeout"])) == ("require", 5)
    short = database_settings({"CLB_DATABASE_URL": "postgres://clb@localhost/clb"}, tmp_path)
    assert (short["ENGINE"], short["HOST"], short["NAME"]) == (db["ENGINE"], "localhost", "clb")
    # A socket folder, as libpq writes it, reaches the driver as its host.
    socket_dir = {"CLB_DATABASE_URL": "postgresql://postgres@/clb?host=/run/postgresql"}
    assert connection_params(socket_dir, tmp_path)["host"] == "/run/postgresql"
    search_path = {"CLB_DATABASE_URL": "postgresql://h/clb?options=-c%20search_path%3Dclb"}
    assert connection_params(search_path, tmp_path)["options"] == "-c search_path=clb"


def test_sqlite_url_keeps_the_sqlite_settings(tmp_path, monkeypatch):
    absolute = database_settings({"CLB_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}, tmp_path)
    default = database_settings({}, tmp_path)
    assert absolute["NAME"] == tmp_path / "x.sqlite3"
    assert default["NAME"] == tmp_path / "clb.sqlite3"
    assert absolute["TEST"]["NAME"] == tmp_path / "test-x.sqlite3"
    # WAL and queued writers whether the file is named or the default.
    assert absolute["OPTIONS"] == default["OPTIONS"]
    assert default["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    monkeypatch.chdir(tmp_path)
    relative = database_settings({"CLB_DATABASE_URL": "sqlite:///db/clb.sqlite3"}, Path("/elders"))
    assert relative["NAME"] == tmp_path / "db" / "clb.sqlite3"


def test_connection_reuse_is_configurable(tmp_path):
    url = "postgresql://clb@db.example/clb"
    default = database_settings({"CLB_DATABASE_URL": url}, tmp_path)
    assert (default["CONN_MAX_AGE"], default["CONN_HEALTH_CHECKS"]) == (0, False)
    db = database_settings({"CLB_DATABASE_URL": url, "CLB_CONN_MAX_AGE": "600"}, tmp_path)
    assert (db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) == (600, True)
    assert database_settings({"CLB_CONN_MAX_AGE": "60"}, tmp_path)["CONN_MAX_AGE"] == 60
    for bad in ("-1", "tien", "1.5"):
        with pytest.raises(ImproperlyConfigured, match=f"CLB_CONN_MAX_AGE.*{re.escape(bad)}"):
            database_settings({"CLB_CONN_MAX_AGE": bad}, tmp_path)


@pytest.mark.parametrize(
    "url, says",
    [
        ("mysql://clb:geheim@db/clb", "'mysql' wordt niet ondersteund"),
        ("db.example/clb", "'geen schema' wordt niet ondersteund"),
        ("postgresql://clb:geheim@db.example:99999/clb", "geen geldige postgresql-URL"),
        ("postgresql://clb:geheim@[db.example/clb", "geen geldige postgresql-URL"),
        ("postgresql://clb:geheim@db.example", "naam van de database ontbreekt"),
        ("sqlite://", "in het geheugen"),
    ],
)
def test_other_database_urls_are_refused_by_name(tmp_path, url, says):
    with pytest.raises(ImproperlyConfigured, match="CLB_DATABASE_URL") as refused:
        database_settings({"CLB_DATABASE_URL": url}, tmp_path)
    assert says in str(refused.value)
    assert "geheim" not in str(refused.value)  # the password stays out of logs


def test_a_bad_database_url_stops_the_clb_command_with_its_name(tmp_path):
    env = dict(os.environ, CLB_DATA_DIR=str(tmp_path), CLB_DATABASE_URL="mysql://x@y/z")
    out = subprocess.run([CLB, "check"], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert out.stderr.startswith("clb: CLB_DATABASE_URL: 'mysql' wordt niet ondersteund")
    assert "Traceback" not in out.stderr


def test_rate_limits_from_the_environment():
    from clb.settings import _rate_limits

    assert _rate_limits("api=1200, api_token=600,") == {"api": 1200, "api_token": 600}
    assert _rate_limits("") == {}
    for bad in ("api", "api=veel", "=5"):
        with pytest.raises(ImproperlyConfigured, match=f"CLB_EXCHANGE_RATE_LIMITS: '{bad}'"):
            _rate_limits(bad)


def test_secret_is_generated_once_into_the_data_folder(tmp_path):
    env = dict(os.environ, CLB_DATA_DIR=str(tmp_path))
    env.pop("CLB_SECRET_KEY", None)
    code = "from django.conf import settings; import django; django.setup(); print(settings.SECRET_KEY)"

    def run():
        return subprocess.run(
            [sys.executable, "-c", code],
            env=dict(env, DJANGO_SETTINGS_MODULE="clb.settings"),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    first, second = run(), run()
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(ready, server: subprocess.Popen, what: str):
    """Poll a real server process until `ready()` gives a value (waiting for it, not for the clock)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if found := ready():
                return found
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{what}: not there (server exit {server.poll()})")
        time.sleep(0.2)


def _healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
        return resp.status == 200 and b'"ok"' in resp.read()


@contextmanager
def serving(env: dict, port: int, log: Path):
    """`clb serve` on a port, its output in `log`, answering before the block runs."""
    with log.open("w") as out:
        server = subprocess.Popen(
            [CLB, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(lambda: _healthy(port), server, f"/health on port {port}")
        yield server
    finally:
        server.terminate()
        server.wait(timeout=20)


served_by_sqlite = pytest.mark.skipif(
    "CLB_DATABASE_URL" in os.environ, reason="the served database is the SQLite one"
)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> dict:
    """The environment of an installation with its SQLite database migrated by `clb migrate`."""
    env = dict(os.environ, CLB_DATA_DIR=str(tmp_path_factory.mktemp("data")))
    env.pop("CLB_PLAIN_STATIC", None)  # serve as in production: manifest + whitenoise
    subprocess.run([CLB, "migrate", "--noinput", "-v0"], env=env, check=True)
    return env


@served_by_sqlite
def test_clb_commands_and_production_server(migrated, tmp_path):
    env = migrated
    out = subprocess.run([CLB, "expire-holds"], env=env, check=True, capture_output=True, text=True)
    assert out.returncode == 0  # dashes map onto the management command
    bad = subprocess.run(
        [CLB, "load-branches", str(tmp_path / "missing.csv")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "missing.csv" in bad.stderr
    port = _free_port()
    css = f"http://127.0.0.1:{port}/static/admin/css/base.css"
    with serving(env, port, tmp_path / "serve.log"), urllib.request.urlopen(css) as resp:
        assert resp.status == 200 and "max-age" in resp.headers.get("Cache-Control", "")


def _control_socket(log: Path) -> str | None:
    found = re.search(r"Control socket listening at (\S+)", log.read_text())
    return found and found.group(1)


def _listeners(control_socket: str) -> list[str]:
    with ControlClient(control_socket, timeout=10) as client:
        return [lst["address"] for lst in client.send_command("show listeners")["listeners"]]


def _complaints(log: Path) -> list[str]:
    return [
        line
        for line in log.read_text().splitlines()
        if "[WARNING]" in line or "[ERROR]" in line or "Traceback" in line
    ]


@served_by_sqlite
def test_two_servers_on_two_ports_each_keep_their_control_socket(migrated, tmp_path):
    # With HOME here and no XDG_RUNTIME_DIR, gunicorn's own default would be one shared
    # HOME/.gunicorn/gunicorn.ctl: the second server takes it over and stopping one removes it.
    env = dict(migrated, HOME=str(tmp_path / "home"))
    env.pop("XDG_RUNTIME_DIR", None)
    ports = _free_port(), _free_port()
    logs = tmp_path / "first.log", tmp_path / "second.log"
    # Complaints are read while a server still runs: gunicorn 27's control server may print a
    # CancelledError when it is stopped right after answering a query (its own shutdown race).
    with serving(env, ports[0], logs[0]) as first:
        with serving(env, ports[1], logs[1]) as second:
            sockets = [
                _wait_for(lambda log=log: _control_socket(log), server, f"control socket in {log}")
                for log, server in zip(logs, (first, second), strict=True)
            ]
            assert sockets[0] != sockets[1]
            for control, port in zip(sockets, ports, strict=True):
                assert _listeners(control) == [f"http://127.0.0.1:{port}"]
            assert _complaints(logs[1]) == []
        # The second server stopped; the first is still reachable for its operator.
        assert _healthy(ports[0])
        assert _listeners(sockets[0]) == [f"http://127.0.0.1:{ports[0]}"]
        assert _complaints(logs[0]) == []
    assert not (tmp_path / "home" / ".gunicorn").exists()


def test_control_socket_is_off_when_its_path_would_be_too_long(settings, tmp_path):
    settings.DATA_DIR = tmp_path / ("lang" * 30)
    assert control_socket("127.0.0.1", 8000) is None
    settings.DATA_DIR = tmp_path
    assert control_socket("::1", 8000) == str(tmp_path / "run" / "gunicorn-1-8000.ctl")
