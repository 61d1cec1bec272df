"""A bounded queue and a fixed set of worker threads: Slack gets its ack at once, answers come later.

`submit` never blocks: a full queue returns False so the caller can tell the user the bot is busy
instead of dropping the event. Items of one conversation (a thread) run one after another in the
order they came: two messages sent at once in a thread were answered side by side, each without
the other's turn in its history, and stored user, user, assistant, assistant. Other conversations'
items run meanwhile. `shutdown` lets work in progress finish and hands back what never started,
so the caller can say so (those events stay queued in the store for the next start).

A conversation has an entry only while one of its items runs or waits, so the table never holds
more than the queue and the workers do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)


class WorkerPool:
    """Runs `handle(item)` on `workers` threads for at most `queue_size` waiting items, one at a time per key."""

    def __init__(self, handle: Callable[[str], None], workers: int, queue_size: int, name: str = "slack-worker") -> None:
        if workers < 1 or queue_size < 1:
            raise ValueError(f"workers ({workers}) and queue_size ({queue_size}) must be at least 1")
        self._handle = handle
        self._queue_size = queue_size
        self._ready: deque[tuple[str, str]] = deque()  # (key, item): nothing of its key runs or is ready before it
        self._behind: dict[str, deque[str]] = {}  # key -> items waiting behind the one of it that is ready or running
        self._waiting = 0
        self._accepting = False
        self._stopping = False
        self._lock = threading.Condition()
        self._threads = [threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True) for i in range(workers)]

    def start(self) -> None:
        with self._lock:
            self._accepting = True
        for thread in self._threads:
            thread.start()

    def submit(self, item: str, key: str = "") -> bool:
        """Queue an item, after those of its `key` (its own id when none); False when full or stopping."""
        key = key or item
        with self._lock:
            if not self._accepting or self._waiting >= self._queue_size:
                return False
            self._waiting += 1
            if key in self._behind:
                self._behind[key].append(item)
            else:
                self._behind[key] = deque()
                self._ready.append((key, item))
                self._lock.notify()
        return True

    @property
    def waiting(self) -> int:
        """Items not started yet, ready or behind another of their conversation."""
        return self._waiting

    @property
    def conversations(self) -> int:
        """Keys with an item running or waiting: what the table holds now."""
        with self._lock:
            return len(self._behind)

    def _next(self) -> tuple[str, str] | None:
        with self._lock:
            while not self._ready and not self._stopping:
                self._lock.wait()
            if not self._ready:
                return None
            self._waiting -= 1
            return self._ready.popleft()

    def _done(self, key: str) -> None:
        with self._lock:
            behind = self._behind[key]
            if behind:
                self._ready.append((key, behind.popleft()))
                self._lock.notify()
            else:
                del self._behind[key]

    def _run(self) -> None:
        while (taken := self._next()) is not None:
            key, item = taken
            try:
                self._handle(item)
            except Exception:  # the handler reports to users itself; this only keeps the worker alive
                log.exception("worker failed on %s", item)
            finally:
                self._done(key)

    def shutdown(self, grace: float) -> tuple[int, list[str]]:
        """Stop accepting, finish work in progress (up to `grace` seconds); return (still running, never started)."""
        with self._lock:
            self._accepting = False
            self._stopping = True
            never_started = [item for _, item in self._ready] + [item for behind in self._behind.values() for item in behind]
            for key, _ in self._ready:
                del self._behind[key]  # nothing of it runs: only keys with an item running keep an entry
            self._ready.clear()
            for behind in self._behind.values():
                behind.clear()
            self._waiting = 0
            self._lock.notify_all()
        deadline = time.monotonic() + grace
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        still_running = sum(thread.is_alive() for thread in self._threads)
        return still_running, never_started
