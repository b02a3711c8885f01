"""A progress bar for long runs on a terminal; silent when the output is not one."""

import sys
import time


class ProgressBar:
    def __init__(self, label: str = "records", stream=None, width: int = 30, every: float = 0.1):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label, self.width, self.every = label, width, every
        self.started = time.monotonic()
        self.shown_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.shown_at < self.every and done < total):
            return
        self.shown_at = now
        self.stream.write("\r" + self.line(done, total, now - self.started))
        self.stream.flush()

    def line(self, done: int, total: int, elapsed: float) -> str:
        share = min(1.0, done / total) if total else 1.0
        filled = int(share * self.width)
        rate = done / elapsed if elapsed > 0 else 0.0
        bar = "█" * filled + "░" * (self.width - filled)
        return f"[{bar}] {share:4.0%} {done}/{total} {self.label} · {rate:,.0f}/s"

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
