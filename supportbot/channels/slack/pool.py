"""A bounded queue and a fixed set of worker threads: Slack gets its ack at once, answers come later.

`submit` never blocks: a full queue returns False so the caller can tell the user the bot is busy
instead of dropping the event. `shutdown` lets work in progress finish and hands back what never
started, so the caller can say so (those events stay queued in the store for the next start).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

_STOP = object()


class WorkerPool:
    """Runs `handle(item)` on `workers` threads for items taken from a queue of at most `queue_size`."""

    def __init__(self, handle: Callable[[str], None], workers: int, queue_size: int, name: str = "slack-worker") -> None:
        if workers < 1 or queue_size < 1:
            raise ValueError(f"workers ({workers}) and queue_size ({queue_size}) must be at least 1")
        self._handle = handle
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._threads = [threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True) for i in range(workers)]
        self._accepting = threading.Event()

    def start(self) -> None:
        self._accepting.set()
        for thread in self._threads:
            thread.start()

    def submit(self, item: str) -> bool:
        """Queue an item; False when the queue is full or the pool is stopping."""
        if not self._accepting.is_set():
            return False
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            return False
        return True

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                self._handle(item)  # type: ignore[arg-type]
            except Exception:  # the handler reports to users itself; this only keeps the worker alive
                log.exception("worker failed on %s", item)

    def shutdown(self, grace: float) -> tuple[int, list[str]]:
        """Stop accepting, finish work in progress (up to `grace` seconds); return (still running, never started)."""
        self._accepting.clear()
        never_started: list[str] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                never_started.append(item)  # type: ignore[arg-type]
        for _ in self._threads:
            self._queue.put(_STOP)
        deadline = time.monotonic() + grace
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        still_running = sum(thread.is_alive() for thread in self._threads)
        return still_running, never_started
