"""A real SIP2 server on a free loopback port, run by its own event loop in a background thread,
and two ways to talk to it: the pysip2 codec (an implementation we did not write) and a raw
byte-level client written from the specification, for sending exactly the bytes a test needs."""

import asyncio
import socket
import threading
from datetime import timedelta

import pytest
from pysip2 import LoginRequest, decode_message, encode_message

from clb.selfservice.models import KioskAccount
from clb.selfservice.server import ServerConfig, SIP2Server
from tests.factories import T0

KIOSK_LOGIN, KIOSK_PASSWORD = "zuil-centrale-1", "Zeer-geheim-42"
NOW = T0 + timedelta(days=1)  # the server's clock: the patrons of the factories joined at T0
DATE = "20260303    100000"  # a transaction date as kiosks write it


class Clock:
    """The server's clock, which a test can move forward instead of sleeping."""

    def __init__(self, at=NOW):
        self.at = at

    def __call__(self):
        return self.at


def start_server(**config) -> tuple[SIP2Server, asyncio.AbstractEventLoop, threading.Thread]:
    config.setdefault("clock", Clock())
    server = SIP2Server(ServerConfig(host="127.0.0.1", port=0, **config))
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10), "SIP2 server did not start"
    return server, loop, thread


def stop_server(server, loop, thread) -> None:
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def make_kiosk(branch, login=KIOSK_LOGIN, password=KIOSK_PASSWORD, **fields) -> KioskAccount:
    account = KioskAccount(login=login, branch=branch, **fields)
    account.set_password(password)
    account.save()
    return account


@pytest.fixture
def kiosk(net):
    return make_kiosk(net.a1, description="Centrale, begane grond")


@pytest.fixture
def server_clock():
    return Clock()


@pytest.fixture
def sip_server(transactional_db, net, kiosk, server_clock):
    server, loop, thread = start_server(idle_timeout=10, clock=server_clock)
    yield server
    stop_server(server, loop, thread)


def spec_checksum(data: bytes) -> str:
    """From the specification: the 16-bit two's complement of the sum of the bytes."""
    return format((0x10000 - sum(data) % 0x10000) % 0x10000, "04X")


class RawClient:
    """Bytes in, bytes out: for the messages a well-behaved client library would refuse to send."""

    def __init__(
        self, port: int, timeout: float = 10, wrap=None, charset="utf-8", source="127.0.0.1"
    ):
        # Any 127.x.y.z is this machine: another source address is another "computer".
        sock = socket.create_connection(
            ("127.0.0.1", port), timeout=timeout, source_address=(source, 0)
        )
        self.sock = wrap(sock) if wrap else sock
        self.buffer = b""
        self.seq = 0
        self.charset = charset

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def frame(self, message: str, *, error_detection=True) -> bytes:
        data = message.encode(self.charset)
        if error_detection:
            self.seq = (self.seq + 1) % 10
            data += f"AY{self.seq}AZ".encode()
            data += spec_checksum(data).encode()
        return data + b"\r"

    def send(self, message: str, *, error_detection=True) -> str:
        self.send_raw(self.frame(message, error_detection=error_detection))
        return self.receive()

    def receive(self) -> str:
        return self.receive_bytes().decode(self.charset)

    def receive_bytes(self) -> bytes:
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r")
        return line

    def closed_by_server(self) -> bool:
        """True when the server hangs up (after any answers already on their way)."""
        try:
            while True:
                self.receive_bytes()
        except (ConnectionError, OSError):
            return True

    def login(self, login=KIOSK_LOGIN, password=KIOSK_PASSWORD) -> str:
        return self.send(f"9300CN{login}|CO{password}|CPbalie|")

    def close(self):
        self.sock.close()


@pytest.fixture
def raw(sip_server):
    client = RawClient(sip_server.port)
    yield client
    client.close()


class Kiosk:
    """A kiosk speaking through the pysip2 codec: its models know every message's layout and
    required fields, so each answer is checked by an implementation that is not ours."""

    def __init__(self, port: int, charset="utf-8"):
        self.client = RawClient(port, charset=charset)
        self.charset = charset
        self.seq = 0

    def ask(self, request):
        self.seq = (self.seq + 1) % 10
        self.client.send_raw(
            encode_message(request, sequence_number=self.seq, checksum=True, encoding=self.charset)
        )
        frame = self.client.receive_bytes() + b"\r"
        decoded = decode_message(frame, encoding=self.charset)  # verifies the checksum too
        if decoded.message.__class__.__name__ != "RequestSCResend":
            assert decoded.sequence_number == self.seq
        return decoded.message

    def login(self, login=KIOSK_LOGIN, password=KIOSK_PASSWORD):
        return self.ask(
            LoginRequest(
                uid_algorithm="0",
                pwd_algorithm="0",
                login_user_id=login,
                login_password=password,
                location_code="centrale",
            )
        )

    def close(self):
        self.client.close()


@pytest.fixture
def kiosk_client(sip_server):
    client = Kiosk(sip_server.port)
    assert client.login().ok == "1"
    yield client
    client.close()
