"""Several connections to the mail server at once: a few threads, each with its own connection
of Django's e-mail backend, kept open across messages, taking messages from one queue.

Only the conversation with the mail server happens in these threads (it mostly waits for the
server's answers, which frees the interpreter for the others); the database stays with the
caller's thread, which hands each message over once and reads each outcome back: a message is
given to exactly one connection, so more connections never send a notice twice."""

import contextlib
import queue
import smtplib
import threading

from django.core.mail import get_connection


class Senders:
    """`post(key, message)` hands a message over; `finished()` and `drain()` return the
    (key, error) of what the server took (error None) or refused (the exception)."""

    def __init__(self, count: int):
        # A few waiting per connection keep them busy; more would only be sent later.
        self.waiting = queue.Queue(maxsize=2 * count)
        self.outcomes = queue.Queue()
        self.in_flight = 0
        self.threads = [
            threading.Thread(target=self._run, name=f"notice-sender-{n}", daemon=True)
            for n in range(count)
        ]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        for _thread in self.threads:
            self.waiting.put(None)
        for thread in self.threads:
            thread.join()

    def post(self, key, message) -> None:
        self.in_flight += 1
        self.waiting.put((key, message))

    def finished(self) -> list:
        """The outcomes in so far, without waiting."""
        done = []
        while self.in_flight:
            try:
                done.append(self.outcomes.get_nowait())
            except queue.Empty:
                break
            self.in_flight -= 1
        return done

    def drain(self) -> list:
        """Every outcome still to come, waiting for them."""
        done = []
        while self.in_flight:
            done.append(self.outcomes.get())
            self.in_flight -= 1
        return done

    def _run(self) -> None:
        connection = None
        try:
            while (work := self.waiting.get()) is not None:
                key, message = work
                try:
                    # Opened once and kept: left closed, the backend would connect (and greet,
                    # and quit) for every single message.
                    connection = connection or get_connection(fail_silently=False)
                    connection.open()
                    connection.send_messages([message])
                except Exception as exc:  # every message gets its outcome: retry, bounce, or raise
                    if connection is not None and not is_bounce(exc):
                        _close(connection)  # it may be broken: a fresh one for the next
                    self.outcomes.put((key, exc))
                else:
                    self.outcomes.put((key, None))
        finally:
            if connection is not None:
                _close(connection)


def _close(connection) -> None:
    # A connection that cannot even say goodbye is dropped all the same (the backend forgets it).
    with contextlib.suppress(smtplib.SMTPException, OSError):
        connection.close()


def refusal(exc: Exception) -> tuple[int, str] | None:
    """The server's code and reply when it refused the recipient (at RCPT), else None."""
    if not isinstance(exc, smtplib.SMTPRecipientsRefused):
        return None
    code, reply = next(iter(exc.recipients.values()))
    return code, reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def is_bounce(exc: Exception) -> bool:
    """Refused for good (5xx at RCPT): the address is wrong, the connection is fine."""
    found = refusal(exc)
    return found is not None and found[0] >= 500
