"""An SMTP server in a process of its own, as a real mail server is (bench/notices.py starts it):
aiosmtpd on 127.0.0.1 that accepts every message and keeps only its Message-ID, so the bench can
check that each notice arrived exactly once without the sender paying for the server's CPU.

    python bench/smtp_sink.py      prints "port N" once it listens; when its stdin closes it
                                   prints "received N distinct M" and exits."""

import re
import socket
import sys

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Sink:
    def __init__(self):
        self.ids = []

    async def handle_DATA(self, server, session, envelope):
        head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        self.ids.append(found.group(1) if found else b"")
        return "250 Message accepted for delivery"


def main():
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    print(f"port {port}", flush=True)
    sys.stdin.read()  # until the bench closes our stdin
    controller.stop()
    print(f"received {len(sink.ids)} distinct {len(set(sink.ids))}", flush=True)


if __name__ == "__main__":
    main()
