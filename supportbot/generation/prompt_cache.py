"""Saved llama.cpp KV states of recent prompts, so a follow-up turn of any recent conversation skips its shared prefix."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

MIN_RESTORE_GAIN = 16  # restoring a saved state costs a copy; only worth it when it saves evaluating tokens


def shared_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class PromptStateCache:
    """Saved KV states of recent prompts, by their tokens, evicting the least recently used past `capacity` bytes."""

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity = capacity_bytes
        self._states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()

    def longest_prefix(self, tokens: Sequence[int]) -> tuple[tuple[int, ...], int]:
        best, best_len = (), 0
        for key in self._states:
            n = shared_prefix_length(key, tokens)
            if n > best_len:
                best, best_len = key, n
        return best, best_len

    def get(self, key: tuple[int, ...]) -> bytes:
        self._states.move_to_end(key)
        return self._states[key]

    def put(self, key: tuple[int, ...], state: bytes) -> None:
        if len(state) > self.capacity:
            return
        self._states[key] = state
        self._states.move_to_end(key)
        while sum(len(s) for s in self._states.values()) > self.capacity:
            self._states.popitem(last=False)
