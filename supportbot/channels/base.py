"""The seam between the dialogue manager and the places users talk to the bot."""

from __future__ import annotations

from typing import Protocol


class Channel(Protocol):
    """Moves messages between users and a DialogueManager until stopped; `name` keys its conversations."""

    name: str

    def run(self) -> None: ...
