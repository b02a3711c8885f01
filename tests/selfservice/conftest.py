"""A real SIP2 server on a free loopback port, run in its own event loop thread."""

import asyncio
import socket
import threading

import pytest

from clb.selfservice.models import KioskAccount
from clb.selfservice.server import ServerConfig, SIP2Server
from clb.selfservice.sip2 import codec

KIOSK_LOGIN, KIOSK_PASSWORD = "zuil-centrale-1", "Zeer-geheim-42"


def start_server(**config) -> tuple[SIP2Server, asyncio.AbstractEventLoop, threading.Thread]:
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
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(20)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def kiosk(net):
    account = KioskAccount(login=KIOSK_LOGIN, branch=net.a1, description="Centrale, begane grond")
    account.set_password(KIOSK_PASSWORD)
    account.save()
    return account


@pytest.fixture
def sip_server(transactional_db, net, kiosk):
    server, loop, thread = start_server(idle_timeout=5)
    yield server
    stop_server(server, loop, thread)


class RawClient:
    """A minimal client written from the SIP2 spec, for exact control over the bytes sent."""

    def __init__(self, port: int, timeout: float = 10, wrap=None):
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = wrap(sock) if wrap else sock
        self.buffer = b""
        self.seq = 0

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, message: str, *, checksum=True) -> str:
        if checksum:
            self.seq = (self.seq + 1) % 10
            message += f"AY{self.seq}AZ"
            message += codec.checksum(message)
        self.send_raw(message.encode() + b"\r")
        return self.receive()

    def receive(self) -> str:
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r")
        return line.decode()

    def login(self) -> str:
        return self.send(f"9300CN{KIOSK_LOGIN}|CO{KIOSK_PASSWORD}|CPcentrale|")

    def close(self):
        self.sock.close()


@pytest.fixture
def sip_client(sip_server):
    c = RawClient(sip_server.port)
    yield c
    c.close()


def fields(response: str, fixed_length: int) -> dict[str, list[str]]:
    """Variable fields of a response (after code and fixed part), without AY/AZ."""
    body = response[2 + fixed_length :]
    body = body[: body.rfind("AY")]
    out: dict[str, list[str]] = {}
    for part in body.split("|"):
        if part:
            out.setdefault(part[:2], []).append(part[2:])
    return out
