"""Keeps this instance's claims on accepted events alive, and takes over events other instances left.

Several instances on one store each hold the events they accepted under a lease. A thread renews
them every third of the lease while the instance lives; an instance that dies (SIGKILL, a lost
machine) stops renewing, and once its leases run out any live instance adopts its unanswered
events, each in one transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so exactly one does.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable

from supportbot.channels.slack.store import SlackStore

log = logging.getLogger(__name__)


def instance_name() -> str:
    """Unique to this process: host, pid and a random part (a restarted process is a new instance)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class ClaimKeeper:
    """Renews this instance's leases and hands adopted events to `take` (as many as `room()` allows)."""

    def __init__(self, store: SlackStore, owner: str, lease: float, take: Callable[[str], None], room: Callable[[], int]) -> None:
        self.store = store
        self.owner = owner
        self.lease = lease
        self._take = take
        self._room = room
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slack-claims", daemon=True)

    def start(self) -> None:
        self.tick()  # at once: what a stopped or crashed instance left is answered without waiting a lease
        self._thread.start()

    def tick(self) -> None:
        self.store.renew_leases(self.owner, self.lease)
        adopted = self.store.adopt_orphans(self.owner, self.lease, self._room())
        if adopted:
            log.info("taking over %d accepted event(s) no running instance is answering", len(adopted))
        for event_id in adopted:
            self._take(event_id)

    def _run(self) -> None:
        while not self._stop.wait(self.lease / 3):
            try:
                self.tick()
            except Exception:  # the store is unreachable for now: try again next time
                log.exception("could not renew or adopt event claims")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
