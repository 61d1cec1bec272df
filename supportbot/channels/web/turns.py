"""One answer at a time in each conversation, in the order its questions came.

Two questions sent at once in one conversation (a partner's server that does not wait for each answer)
were answered side by side: each read the history without the other's turn, and the answers were stored
in whichever order they finished. A question now waits for its conversation's turn, which the previous
question holds until its answer is stored (as interrupted, when its reader left); questions in other
conversations do not wait. asyncio.Lock wakes its waiters first come, first served: arrival order.

A conversation has an entry only while a question of it is answered or waiting, so the table never
holds more conversations than there are requests in flight. The turn is this process's: two
`supportbot serve` instances on one store do not wait for each other (docs/web.md).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class _Conversation:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0  # requests holding or waiting for the turn


class Turn:
    """A conversation's turn, held by one request; `end()` passes it on (a second call does nothing)."""

    def __init__(self, turns: ConversationTurns, conversation_id: str, entry: _Conversation) -> None:
        self._turns = turns
        self._conversation_id = conversation_id
        self._entry = entry
        self._ended = False

    def end(self) -> None:
        if self._ended:
            return
        self._ended = True
        self._entry.lock.release()
        self._turns._leave(self._conversation_id, self._entry)


class ConversationTurns:
    """Turns by conversation, for the event loop's thread only (as asyncio.Lock is)."""

    def __init__(self) -> None:
        self._conversations: dict[str, _Conversation] = {}
        self.waiting = 0  # requests waiting for an earlier one in their conversation (in the queue-depth metric)

    async def take(self, conversation_id: str) -> Turn:
        """Wait until the conversation's earlier requests have ended their turns; end the returned one when done."""
        entry = self._conversations.setdefault(conversation_id, _Conversation())
        entry.holders += 1
        waits = entry.holders > 1  # another request of this conversation holds the turn or waits before this one
        self.waiting += waits
        try:
            await entry.lock.acquire()
        except BaseException:  # cancelled while waiting: asyncio.Lock wakes the next waiter itself
            self._leave(conversation_id, entry)
            raise
        finally:
            self.waiting -= waits
        return Turn(self, conversation_id, entry)

    def _leave(self, conversation_id: str, entry: _Conversation) -> None:
        entry.holders -= 1
        if entry.holders == 0:
            del self._conversations[conversation_id]

    def __len__(self) -> int:
        """Conversations with a request answered or waiting now."""
        return len(self._conversations)
