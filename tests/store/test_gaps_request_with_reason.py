"""A request for a person that gives its reason is a handed-off question in the gaps report: the reason is what the
help center lacked."""

from __future__ import annotations

from pathlib import Path

from supportbot.store import ConversationStore
from supportbot.store.gaps import find_gaps


def test_a_request_for_a_person_with_its_reason_is_a_handed_off_gap(tmp_path: Path):
    store = ConversationStore(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    store.add_message("slack", "C1:1", "user", "I was charged twice, I want to talk to a human")
    store.add_message("slack", "C1:1", "assistant", "I've asked our support team to join this thread.", kind="handoff")
    store.start_handoff("slack", "C1:1", "U1", "asked for a person")
    store.add_message("web", "w1", "user", "talk to a human")  # only the request: nothing a page could answer
    store.add_message("web", "w1", "assistant", "I've asked our support team to take over.", kind="handoff")
    store.start_handoff("web", "w1", "customer", "asked for a person")
    gaps = find_gaps(store.database, 0)
    store.close()
    assert [(gap.question, gap.reasons) for gap in gaps] == [("I was charged twice, I want to talk to a human", ("handed off",))]
