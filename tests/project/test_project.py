"""The project as an operator meets it: settings from the environment, the clb command, the server."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from clb.settings import database_from_url

CLB = str(Path(sys.executable).with_name("clb"))


def test_database_url_is_translated():
    db = database_from_url("postgresql://clb:s%40cret@db.example:5433/clbprod?sslmode=require")
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "clbprod",
        "clb",
        "s@cret",
        "db.example",
        "5433",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}
    socket_dir = database_from_url("postgresql://postgres@/clb?host=/tmp/pg")
    assert socket_dir["HOST"] == "/tmp/pg"
    with pytest.raises(ValueError, match="CLB_DATABASE_URL"):
        database_from_url("mysql://x@y/z")


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


@pytest.mark.skipif(
    "CLB_DATABASE_URL" in os.environ, reason="the served database is the SQLite one"
)
def test_clb_commands_and_production_server(tmp_path):
    env = dict(os.environ, CLB_DATA_DIR=str(tmp_path))
    env.pop("CLB_PLAIN_STATIC", None)  # serve as in production: manifest + whitenoise
    subprocess.run([CLB, "migrate", "--noinput", "-v0"], env=env, check=True)
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
    server = subprocess.Popen(
        [CLB, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                    assert resp.status == 200 and b'"ok"' in resp.read()
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)  # waiting for a real server process to bind, not for the clock
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/admin/css/base.css") as resp:
            assert resp.status == 200 and "max-age" in resp.headers.get("Cache-Control", "")
    finally:
        server.terminate()
        server.wait(timeout=20)
