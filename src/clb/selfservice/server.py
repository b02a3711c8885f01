"""The SIP2 server: asyncio TCP (optionally TLS), one session per kiosk connection.

Reading and framing happen on the event loop; every request is handled in a worker thread
because the services use Django's synchronous ORM. A broken request never reaches a handler: it is
answered with 96 (resend) or, when it cannot be framed at all, the connection is closed. Nothing a
kiosk sends can stop the server or disturb another kiosk's session."""

import asyncio
import contextlib
import logging
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection

from .sip2 import codec
from .sip2.handlers import Session, dispatch

log = logging.getLogger("clb.sip2")

ANSWERED_BEFORE_LOGIN = {"93", "99"}
MAX_STRAY = 3  # unanswerable messages in a row before we hang up


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 6001
    idle_timeout: float = 300.0
    max_message: int = codec.MAX_MESSAGE
    ssl_context: ssl.SSLContext | None = None
    # Worker threads for the (synchronous) services; each keeps its own database connection.
    workers: int = 8


class SIP2Server:
    def __init__(self, config: ServerConfig):
        self.config = config
        self._server: asyncio.base_events.Server | None = None
        self._executor = ThreadPoolExecutor(config.workers, thread_name_prefix="sip2")
        self.sessions = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve,
            self.config.host,
            self.config.port,
            ssl=self.config.ssl_context,
            limit=self.config.max_message + 2,
        )

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    async def serve_forever(self) -> None:
        await self.start()
        async with self._server:
            await self._server.serve_forever()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await asyncio.get_running_loop().run_in_executor(None, self._close_workers)

    def _close_workers(self) -> None:
        """Close every worker's database connection: one task per worker, held at a barrier so
        that each thread takes exactly one."""
        barrier = threading.Barrier(self.config.workers)

        def close_connection():
            connection.close()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)

        for future in [self._executor.submit(close_connection) for _ in range(self.config.workers)]:
            future.result()
        self._executor.shutdown(wait=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = writer.get_extra_info("peername")[:2]
        peer = f"{host}:{port}"
        session = Session(peer=peer)
        self.sessions += 1
        stray = 0
        try:
            while True:
                try:
                    raw = await asyncio.wait_for(reader.readuntil(b"\r"), self.config.idle_timeout)
                except TimeoutError:
                    log.info("%s: idle for %ss, closing", peer, self.config.idle_timeout)
                    return
                except asyncio.LimitOverrunError:
                    log.warning("%s: message over %s bytes, closing", peer, self.config.max_message)
                    return
                except asyncio.IncompleteReadError as exc:
                    if exc.partial.strip():
                        log.warning(
                            "%s: connection closed mid-message (%d bytes)", peer, len(exc.partial)
                        )
                    return
                answer = await self._answer(session, raw)
                if answer is None:
                    stray += 1
                    if stray >= MAX_STRAY:
                        log.warning("%s: %d unanswerable messages, closing", peer, stray)
                        return
                    continue
                stray = 0
                writer.write(answer.encode("utf-8", "replace"))
                await writer.drain()
        except (ConnectionError, ssl.SSLError) as exc:
            log.info("%s: connection lost: %s", peer, exc)
        except Exception:  # a bug must cost one session, never the server
            log.exception("%s: unexpected error, closing this session", peer)
        finally:
            self.sessions -= 1
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()

    async def _answer(self, session: Session, raw: bytes) -> str | None:
        text = raw.rstrip(b"\r").lstrip(b"\n")  # some kiosks send CR LF
        try:
            request = codec.parse(text.decode("ascii"))
        except (UnicodeDecodeError, codec.SIP2Error) as exc:
            log.warning("%s: bad message (%s): %r", session.peer, exc, text[:80])
            return _resend()
        if request.checksum_ok is False:
            log.warning("%s: checksum error in message %s", session.peer, request.code)
            return _resend()
        if request.code == "97":
            return session.last_response or _resend()
        if session.kiosk is None and request.code not in ANSWERED_BEFORE_LOGIN:
            log.warning("%s: message %s before login, not answered", session.peer, request.code)
            return None
        try:
            code, fixed, fields = await asyncio.get_running_loop().run_in_executor(
                self._executor, _handle, session, request
            )
        except Exception:
            log.exception("%s: handler for %s failed", session.peer, request.code)
            return _resend()
        response = codec.format_response(code, fixed, fields, request.sequence)
        session.last_response = response
        return response


def _handle(session, request):
    # The worker keeps its connection between requests; a broken one is dropped and reopened.
    if connection.connection is not None and not connection.is_usable():
        connection.close()
    try:
        return dispatch(session, request)
    except Exception:
        connection.close()  # whatever state it was left in, start clean next time
        raise


def _resend() -> str:
    # 96 carries no sequence number of its own; AY/AZ are still sent for clients that check.
    return codec.format_response("96", [], [], None)


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context
