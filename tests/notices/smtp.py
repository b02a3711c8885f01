"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the notices tests: it keeps what it accepted,
and can be told to refuse (a bounce), to fail for a while, to call back on each message, or to
hold each message until several arrive at once (which only several connections can do)."""

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list
    message: email.message.EmailMessage
    peer: tuple = ()  # the client's address and port: one per connection

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


@dataclass
class Handler:
    received: list = field(default_factory=list)
    refuse: dict = field(default_factory=dict)  # address -> "550 ..." at RCPT
    fail_data: str = ""  # e.g. "451 4.3.0 try later": every DATA answered so
    on_data: object = None  # called with the message before the answer
    together: int = 0  # hold each message until this many are being delivered at once
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = None
    gathering: asyncio.Barrier = None

    def __post_init__(self):
        self.arrived = threading.Condition(self.lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_data:
            return self.fail_data
        if self.together:
            if self.gathering is None:  # made in the server's own event loop
                self.gathering = asyncio.Barrier(self.together)
            try:
                async with asyncio.timeout(20):
                    await self.gathering.wait()
            except TimeoutError:
                return f"451 4.3.0 Not {self.together} messages at once"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), message, session.peer)
        if self.on_data is not None:
            self.on_data(received)
        with self.arrived:
            self.received.append(received)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 60) -> list:
        """Wait until `count` messages arrived (or the timeout passed); returns them."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


class SmtpServer:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"
