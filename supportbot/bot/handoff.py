"""Handing a conversation to a person: what a channel's way to its support team looks like to the dialogue manager.

A channel that can reach a person (Slack's handoff channel, which web chats post to as well) gives the
manager a HandoffDesk (DialogueManager.set_desk); a channel without one (the console, a web chat with no
Slack configured) has no one to hand to, and the customer is told so instead of being promised a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from supportbot.generation.base import ChatMessage

ASKED_FOR_PERSON = "asked for a person"  # the reason a customer's own request is stored and posted with


@dataclass(frozen=True)
class HandoffRequest:
    """A customer's request for a person, as a desk passes it to the support team."""

    conversation_id: str
    messages: list[ChatMessage]  # the conversation so far, the request included
    requested_by: str
    reason: str
    page: str = ""  # the web page the customer was on, where the channel knows it


@dataclass(frozen=True)
class Handoff:
    """What came of a request for a person: whether one has the conversation now, and what the customer is told."""

    with_person: bool
    notice: str
    posted: bool = False  # the team was told by this request, not by an earlier one


class HandoffDesk(Protocol):
    """How a channel reaches its support team."""

    def tell_team(self, request: HandoffRequest) -> bool:
        """Post the conversation where the team sees it; True once they have it, False when they could not be reached."""
        ...

    def handoff_notice(self, handed_off: bool, language: str) -> str:
        """What the customer is told in `language`: a person is coming, or no one could be reached just now."""
        ...
