"""Progress of long work: a bar on a terminal, a plain line now and then in logs and notebooks."""

from __future__ import annotations

import sys
import time
from typing import TextIO

EVERY_SECONDS = 10.0
"""How often a log, pipe or notebook gets a progress line."""
BAR_WIDTH = 24


def eta(elapsed: float, done: int, total: int) -> str:
    """``about 40 s left`` from the pace so far ('' when nothing is done or all is)."""
    if not done or done >= total:
        return ""
    left = elapsed / done * (total - done)
    return f", about {left:.0f} s left" if left < 120 else f", about {left / 60:.0f} min left"


class Progress:
    """Counts ``done`` of ``total``; draws a bar on a terminal, else prints every EVERY_SECONDS.

    The last update (``done == total``) always prints, so a log ends with the
    total and the time it took. With ``after`` (seconds), nothing prints until the
    work has taken that long: short calls from a sampler stay silent.
    """

    def __init__(
        self, what: str, total: int, stream: TextIO | None = None, after: float = 0.0
    ) -> None:
        self.what, self.total = what, total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = self.last = time.monotonic()
        self.after = after

    def line(self, done: int) -> str:
        elapsed = time.monotonic() - self.start
        return f"{self.what} {done}/{self.total} ({elapsed:.0f} s{eta(elapsed, done, self.total)})"

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.start < self.after:
            return
        finished = done >= self.total
        if self.tty:
            filled = round(BAR_WIDTH * done / max(self.total, 1))
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            end = "\n" if finished else ""
            print(f"\r[{bar}] {self.line(done)}\033[K", end=end, file=self.stream, flush=True)
        elif finished or now - self.last >= EVERY_SECONDS:
            print(self.line(done), file=self.stream, flush=True)
            self.last = now
