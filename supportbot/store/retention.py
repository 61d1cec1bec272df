"""privacy.retention_days in a running bot: old conversations are deleted at start and every hour."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from supportbot.store.conversations import ConversationStore

log = logging.getLogger(__name__)

DAY = 86400.0
CHECK_EVERY = 3600.0


class RetentionJanitor:
    """Purges conversations untouched for `days` (and the channel rows of `channel_tables` as old) in a daemon thread."""

    def __init__(self, store: ConversationStore, days: int, channel_tables: Sequence[tuple[str, str]] = (), every: float = CHECK_EVERY) -> None:
        self.store = store
        self.days = days
        self.channel_tables = tuple(channel_tables)
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)

    def start(self) -> RetentionJanitor:
        if self.days > 0:
            self._thread.start()
        return self

    def purge_once(self) -> None:
        report = self.store.purge(time.time() - self.days * DAY, self.channel_tables)
        if report.conversations or report.channel_rows:
            log.info("retention (%d days): deleted %d conversation(s), %d message(s)", self.days, report.conversations, report.messages)

    def _run(self) -> None:
        while True:
            try:
                self.purge_once()
            except Exception:  # the store is unreachable for now: next time
                log.exception("retention purge failed")
            if self._stop.wait(self.every):
                return

    def stop(self) -> None:
        self._stop.set()
