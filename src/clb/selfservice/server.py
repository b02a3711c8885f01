"""The SIP2 server: asyncio TCP (optionally TLS), one session per kiosk connection.

Reading, framing and error detection happen on the event loop; every request that reaches a
handler runs in a worker thread, because the services use Django's synchronous ORM. Whatever a
kiosk sends costs at most its own session: damaged messages are answered with 96 (resend),
unknown ones are ignored as the protocol asks, and a connection that keeps sending nonsense, is
too long, fails to log in or stays silent is closed. Every such event is logged, without PINs or
passwords.

A connection that has not logged in gets little, because anyone can open one: a short deadline
to log in that status messages do not extend, a cap per address, and when the server is full the
oldest of them makes room for a newcomer. So idle connections cannot lock kiosks out."""

import asyncio
import contextlib
import logging
import signal
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.db import InterfaceError, OperationalError, connection

from clb import clock

from .models import KioskAccount
from .sip2 import codec
from .sip2.context import Session
from .sip2.dispatch import dispatch, refuse_after_failure

log = logging.getLogger("clb.selfservice.sip2")

ANSWERED_BEFORE_LOGIN = {"93", "99"}
MAX_ERRORS_IN_A_ROW = 5  # a kiosk retries a damaged message at most 3 times (message 98)
MAX_FAILED_LOGINS = 3


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 6001
    idle_timeout: float = 300.0  # seconds without a message before the connection is closed
    # Seconds from connecting to a successful login (93), whatever else is sent meanwhile.
    login_timeout: float = 10.0
    # Connections from one address that have not logged in; logged-in kiosks are not counted,
    # so a branch with many kiosks behind one NAT address is not limited.
    max_waiting_per_address: int = 10
    ssl_context: ssl.SSLContext | None = None
    # Worker threads for the services; each keeps its own database connection.
    workers: int = 8
    charset: str = "utf-8"  # until login, after which the kiosk account's charset applies
    max_sessions: int = 500
    # Seconds between checks that a logged-in kiosk's account is still active, so that an
    # account switched off in the admin stops working without waiting for a reconnect.
    account_recheck: float = 60.0
    clock: Callable[[], datetime] = field(default=clock.now)


@dataclass(eq=False)
class _Connection:
    session: Session
    address: str  # the peer's IP address, for the cap per address
    opened: float  # event-loop time of connecting
    evicted: bool = False  # closed to make room for a newer connection


class SIP2Server:
    def __init__(self, config: ServerConfig):
        self.config = config
        self._server: asyncio.Server | None = None
        self._executor = ThreadPoolExecutor(config.workers, thread_name_prefix="sip2-worker")
        self._sessions: dict[asyncio.Task, _Connection] = {}
        self._busy: set[asyncio.Task] = set()
        self._closing = False

    @property
    def sessions(self) -> int:
        return len(self._sessions)

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        tls = self.config.ssl_context
        self._server = await asyncio.start_server(
            self._serve,
            self.config.host,
            self.config.port,
            ssl=tls,
            ssl_handshake_timeout=self.config.login_timeout if tls else None,
            limit=codec.MAX_MESSAGE + 2,
        )
        log.info(
            "SIP2 on %s:%s%s, %d workers",
            self.config.host,
            self.port,
            " (TLS)" if tls else "",
            self.config.workers,
        )

    async def serve_forever(self) -> None:
        """Serve until SIGINT or SIGTERM, then finish the messages in progress and stop."""
        await self.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await self.close()

    async def close(self, grace: float = 10.0) -> None:
        self._closing = True
        if self._server is not None:
            self._server.close()
        for task in self._sessions:
            if task not in self._busy:  # waiting for a kiosk: nothing to finish
                task.cancel()
        if self._sessions:
            await asyncio.wait(list(self._sessions), timeout=grace)
        for task in list(self._sessions):
            task.cancel()
        if self._server is not None:
            await self._server.wait_closed()
        await asyncio.get_running_loop().run_in_executor(None, self._close_workers)
        log.info("SIP2 server stopped")

    def _close_workers(self) -> None:
        """Close every worker's database connection: one task per worker, held at a barrier so
        that each thread takes exactly one (a connection can only be closed by its thread)."""
        barrier = threading.Barrier(self.config.workers)

        def close_connection():
            connection.close()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)

        for done in [self._executor.submit(close_connection) for _ in range(self.config.workers)]:
            done.result()
        self._executor.shutdown(wait=True)

    # --- one connection ----------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        address = peername[0] if peername else "?"
        peer = f"{address}:{peername[1]}" if peername else "?"
        refusal = self._admit(address)
        if refusal:
            log.warning("%s: refused, %s", peer, refusal)
            writer.close()
            return
        task = asyncio.current_task()
        session = Session(peer=peer, clock=self.config.clock, charset=self.config.charset)
        this = _Connection(session, address, asyncio.get_running_loop().time())
        self._sessions[task] = this
        log.info("%s: connected", peer)
        reason = "?"
        try:
            reason = await self._converse(session, task, reader, writer)
        except asyncio.CancelledError:
            # Not raised on: this task is the connection's own, and asyncio 3.11 logs a
            # cancelled connection task as an error.
            reason = "made room for a new connection" if this.evicted else "server stopping"
        except (ConnectionError, ssl.SSLError, OSError) as exc:
            reason = f"connection lost ({exc.__class__.__name__})"
        except Exception:  # a bug must cost one session, never the server
            log.exception("%s: unexpected error", session)
            reason = "internal error"
        finally:
            self._sessions.pop(task, None)
            log.info("%s: closed after %d messages: %s", session, session.messages, reason)
            writer.close()
            with contextlib.suppress(
                ConnectionError, ssl.SSLError, OSError, asyncio.CancelledError
            ):
                await writer.wait_closed()

    def _admit(self, address: str) -> str | None:
        """Why a new connection from this address is refused, or None. When the server is full
        the oldest connection that has not logged in (and is not being answered) is closed to
        make room: an attacker cannot hold every slot with connections that never log in."""
        if self._closing:
            return "server stopping"
        waiting = {task: c for task, c in self._sessions.items() if c.session.kiosk is None}
        from_here = sum(c.address == address for c in waiting.values())
        if from_here >= self.config.max_waiting_per_address:
            return f"{from_here} connections from this address not logged in"
        if len(self._sessions) < self.config.max_sessions:
            return None
        idle = [task for task in waiting if task not in self._busy]
        if not idle:
            return f"{len(self._sessions)} sessions open"
        oldest = min(idle, key=lambda task: waiting[task].opened)
        waiting[oldest].evicted = True
        self._sessions.pop(oldest)
        oldest.cancel()
        return None

    async def _converse(self, session, task, reader, writer) -> str:
        """Read, answer, repeat. Returns why the conversation ended."""
        errors_in_a_row = 0
        loop = asyncio.get_running_loop()
        login_by = loop.time() + self.config.login_timeout
        while not self._closing:
            timeout = self.config.idle_timeout
            if session.kiosk is None:
                timeout = min(timeout, login_by - loop.time())
            try:
                if timeout <= 0:
                    raise TimeoutError
                frame = await asyncio.wait_for(reader.readuntil(b"\r"), timeout)
            except TimeoutError:
                if session.kiosk is None:
                    log.warning("%s: not logged in within %g s", session, self.config.login_timeout)
                    return "no login"
                return f"idle for {self.config.idle_timeout:g} s"
            except asyncio.LimitOverrunError:
                log.warning("%s: message longer than %d bytes", session, codec.MAX_MESSAGE)
                return "message too long"
            except asyncio.IncompleteReadError as exc:
                if exc.partial.strip(b"\r\n"):
                    log.warning(
                        "%s: connection closed in the middle of a message: %s",
                        session,
                        codec.redact(exc.partial),
                    )
                return "closed by the kiosk"
            session.messages += 1
            self._busy.add(task)
            try:
                answer, understood = await self._respond(session, frame[:-1])
            finally:
                self._busy.discard(task)
            errors_in_a_row = 0 if understood else errors_in_a_row + 1
            if answer is not None:
                writer.write(answer)
                await writer.drain()
            if errors_in_a_row >= MAX_ERRORS_IN_A_ROW:
                log.warning("%s: %d unusable messages in a row", session, errors_in_a_row)
                return "too many unusable messages"
            if session.failed_logins >= MAX_FAILED_LOGINS:
                log.warning("%s: %d failed logins", session, session.failed_logins)
                return "too many failed logins"
        return "server stopping"

    async def _respond(self, session: Session, frame: bytes) -> tuple[bytes | None, bool]:
        """The answer to one frame (None: no answer), and whether the frame was understood."""
        try:
            request = codec.parse(frame, session.charset)
        except codec.UnknownMessage as exc:
            log.warning("%s: %s, not answered: %s", session, exc, codec.redact(frame))
            return None, False
        except codec.SIP2Error as exc:
            log.warning("%s: %s, asking for a resend: %s", session, exc, codec.redact(frame))
            return codec.resend_request(session.charset), False
        if request.code == "97":
            if session.last_response is None:
                return codec.resend_request(session.charset), False
            return session.last_response, True
        if request.sequence is not None and frame == session.last_request:
            # The kiosk missed our answer and sent the same message again: answer it again,
            # but do not do it twice (a payment, a checkout).
            log.info("%s: message %s repeated, answer repeated", session, request.code)
            return session.last_response, True
        if session.kiosk is None and request.code not in ANSWERED_BEFORE_LOGIN:
            log.warning("%s: message %s before login, not answered", session, request.code)
            return None, False
        try:
            reply = await asyncio.get_running_loop().run_in_executor(
                self._executor, self._handle, session, request
            )
            if reply is None:
                return None, False
            answer = codec.encode(reply, sequence=request.sequence, charset=session.charset)
        except Exception as exc:
            if isinstance(exc, OperationalError | InterfaceError):  # the database is away
                log.warning(
                    "%s: message %s not done, database unreachable: %s",
                    session,
                    request.code,
                    str(exc).strip().splitlines()[0] if str(exc) else exc,
                )
            else:
                log.exception(
                    "%s: message %s failed: %s", session, request.code, codec.redact(frame)
                )
            answer = codec.encode(
                refuse_after_failure(session, request, session.clock()),
                sequence=request.sequence,
                charset=session.charset,
            )
        if request.code == "93":
            if session.kiosk is not None:
                log.info("%s: logged in at %s", session, session.branch.code)
            else:
                log.warning("%s: login refused for %r", session, request.get("CN")[:60])
        session.last_request, session.last_response = frame, answer
        return answer, True

    def _handle(self, session: Session, request):
        """In a worker thread. The thread keeps its database connection between requests
        (opening one per message would cost more than the message); one that saw an error is
        checked before reuse and replaced when it is dead, e.g. after a database restart.
        Returns None (no answer) when the kiosk's account was switched off meanwhile.

        The request is dated here, once it has a worker, not when it arrived: under load a
        request can wait for a worker longer than the requests behind it take."""
        if connection.connection is not None and connection.errors_occurred:
            if connection.is_usable():
                connection.errors_occurred = False
            else:
                connection.close()
        due = session.account_checked_at + self.config.account_recheck
        if session.kiosk is not None and request.code != "93" and time.monotonic() >= due:
            if KioskAccount.objects.filter(pk=session.kiosk.pk, active=True).exists():
                session.account_checked_at = time.monotonic()
            else:
                log.warning("%s: account switched off, logged out", session)
                session.kiosk = None
                if request.code not in ANSWERED_BEFORE_LOGIN:
                    return None
        return dispatch(session, request, session.clock())


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context
