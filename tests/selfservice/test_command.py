"""`clb sip2` as an operator starts it: a real process, stopped with SIGTERM like a service."""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import RawClient

CLB = str(Path(sys.executable).with_name("clb"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen) -> None:
    """Until the process listens. Starting Django takes a second when the machine is idle and
    far longer on a loaded CI runner: the bound only keeps a hung start from hanging the run."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"clb sip2 exited: {process.communicate()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("clb sip2 did not start listening")


def test_serves_and_stops_cleanly_on_sigterm():
    port = free_port()
    process = subprocess.Popen(
        [CLB, "sip2", "--port", str(port), "--workers", "2", "--idle-timeout", "60"]
        + ["--login-timeout", "60"],  # the client stays logged out: not what is tested here
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(port, process)
        client = RawClient(port)
        assert client.send("9900802.00").startswith("98")  # before login: status only
        process.send_signal(signal.SIGTERM)
        assert client.closed_by_server()
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert f"SIP2 op 127.0.0.1:{port}" in out and "SIP2-server gestopt." in out
    assert "closed after 1 messages: server stopping" in err


@pytest.mark.parametrize(
    "arguments, complaint",
    [
        (["--tls-cert", "cert.pem"], "--tls-cert en --tls-key horen bij elkaar"),
        (["--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"], "onbruikbaar"),
        (["--workers", "0"], "groter dan nul"),
        (["--login-timeout", "0"], "groter dan nul"),
        (["--charset", "klingon"], "invalid choice"),
    ],
)
def test_bad_options_are_refused_with_a_reason(arguments, complaint):
    done = subprocess.run([CLB, "sip2", *arguments], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and complaint in done.stderr
