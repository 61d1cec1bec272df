"""The index a running bot answers from: a rebuild is picked up between questions, without a restart.

`supportbot index build` writes a complete new build and then switches the CURRENT pointer, so
checking that one small file before each question is enough to notice. The first question after
the switch loads the new build (others meanwhile keep answering from the old one); a build that
cannot be used (made with another embedding model, say) is logged once and the old one stays.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from supportbot.errors import SupportbotError
from supportbot.retrieval.index_store import StoredIndex, live_build_id, load_index

log = logging.getLogger(__name__)

Parts = TypeVar("Parts")


class LiveIndex(Generic[Parts]):
    """Watches an index folder; `reload_if_changed` gives the parts built on a new build once, else None."""

    def __init__(self, index: StoredIndex, parts_for: Callable[[StoredIndex], Parts], on_switch: Callable[[str], None] | None = None) -> None:
        self.index_dir = index.path
        self.build_id = index.build_id
        self._parts_for = parts_for
        self._on_switch = on_switch or (lambda build_id: None)
        self._refused = ""
        self._loading = threading.Lock()
        self._on_switch(self.build_id)

    def reload_if_changed(self) -> Parts | None:
        current = live_build_id(self.index_dir)
        if not current or current in (self.build_id, self._refused):
            return None
        if not self._loading.acquire(blocking=False):
            return None  # another question is loading it; this one is answered from the build it had
        try:
            index = load_index(self.index_dir)
            parts = self._parts_for(index)
        except SupportbotError as error:
            self._refused = current
            log.error("index build %s cannot be used (%s); still answering from build %s", current, error, self.build_id)
            return None
        except OSError as error:  # replaced again while loading: the next question tries the newest
            log.warning("index build %s could not be read (%s); still answering from build %s", current, error, self.build_id)
            return None
        finally:
            self._loading.release()
        log.info("answering from index build %s (was %s)", index.build_id, self.build_id)
        self.build_id = index.build_id
        self._on_switch(self.build_id)
        return parts
