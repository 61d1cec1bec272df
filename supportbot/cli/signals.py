"""SIGTERM read as Ctrl-C, for commands that must clean up when a scheduler or `kill` stops them."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (`kill`, `docker stop`, a job scheduler) stops the command as Ctrl-C does, so a training run saves its
    checkpoint and an index build ends its workers instead of leaving them to the resource tracker."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
