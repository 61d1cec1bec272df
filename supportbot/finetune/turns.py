"""Bring a conversation into the turn order the bot serves: a user turn, then one reply to it.

Helpdesk exports rarely alternate strictly, and each way they don't has one sensible reading:

- An agent often greets before the customer writes. A reply with nothing before it to answer
  cannot teach the model to answer anything, and the bot never speaks first, so assistant turns
  before the first user turn are dropped (they are not trained on, and not kept as history).
- A customer who writes in bursts, or an agent who answers in several messages, makes one turn
  split over several messages. The bot takes one message and gives one reply, so consecutive turns
  of one role are merged into one, joined by a newline; trained separately, the first part would
  teach the model to stop half-way through its answer. A merged reply is trained on only if every
  part of it may be: a part with `"weight": 0` makes the whole reply `"weight": 0`.

Each change is described in words, for a warning that names the line.
"""

from __future__ import annotations

from collections.abc import Sequence

from supportbot.generation.base import ChatMessage


def _span(start: int, stop: int) -> str:
    return f"messages[{start}]" if stop - start == 1 else f"messages[{start}] to [{stop - 1}]"


def _merged(run: Sequence[ChatMessage]) -> ChatMessage:
    message: dict = {"role": run[0]["role"], "content": "\n".join(m["content"] for m in run)}
    if any(m.get("weight", 1) == 0 for m in run):
        message["weight"] = 0
    return message  # type: ignore[return-value]


def regular_turns(messages: Sequence[ChatMessage]) -> tuple[list[ChatMessage], list[str]]:
    """`messages` without assistant turns before the first user turn and with runs of one role merged, and what was changed."""
    start = 1 if messages and messages[0]["role"] == "system" else 0
    first_user = next((i for i in range(start, len(messages)) if messages[i]["role"] == "user"), len(messages))
    notes = []
    if first_user > start:
        notes.append(f"dropped {_span(start, first_user)}: assistant turn(s) before any user turn (a greeting?), with nothing to answer")
    kept = list(messages[:start])
    index = first_user
    while index < len(messages):
        stop = index + 1
        while stop < len(messages) and messages[stop]["role"] == messages[index]["role"]:
            stop += 1
        if stop - index > 1:
            notes.append(f"merged {_span(index, stop)}: consecutive {messages[index]['role']} turns, into one")
            kept.append(_merged(messages[index:stop]))
        else:
            kept.append(messages[index])
        index = stop
    return kept, notes
