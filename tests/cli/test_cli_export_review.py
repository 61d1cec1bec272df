"""`supportbot conversations export` carries what a reviewer drops answers by: each answer's rating, and the
handoff to a person, for web and Slack conversations alike."""

from __future__ import annotations

import json
import time
from pathlib import Path

from cli_helpers import run_cli

from supportbot.finetune.data import read_conversations
from supportbot.store import ConversationStore


def exported_lines(url: str, tmp_path: Path) -> dict[str, dict]:
    exported = tmp_path / "export.jsonl"
    result = run_cli("conversations", "export", "-o", str(exported), "--url", url)
    assert result.returncode == 0, result.stderr
    assert read_conversations(exported).malformed == []  # still what finetune reads
    return {line["supportbot"]["conversation_id"]: line["supportbot"] for line in map(json.loads, exported.read_text().splitlines())}


def test_an_answer_rated_down_in_slack_and_a_handed_off_web_conversation_export_with_both(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = ConversationStore(url)
    store.add_message("slack", "C1:1.0", "user", "How long do refunds take?")
    first = store.add_message("slack", "C1:1.0", "assistant", "Refunds take 5-7 days. [1]", kind="grounded")
    store.add_message("slack", "C1:1.0", "user", "And for gift cards?")
    store.add_message("slack", "C1:1.0", "assistant", "Gift cards are refunded as store credit. [1]", kind="grounded")
    store.add_feedback("slack", "C1:1.0", "up", rater="U1", message_id=first)
    store.add_feedback("slack", "C1:1.0", "down", rater="U1", message_id=first)  # the 👎 replaced the 👍
    store.add_message("web", "w1", "user", "Do you sell spaceships?")
    store.add_message("web", "w1", "assistant", "Sorry, I couldn't find that.", kind="fallback")
    store.add_feedback("web", "w1", "down")  # no answer named: it rates the answer it came after
    time.sleep(0.01)
    store.start_handoff("web", "w1", "customer", "asked for a person")
    time.sleep(0.01)
    store.add_message("web", "w1", "user", "hello?")
    store.close()

    lines = exported_lines(url, tmp_path)
    slack, web = lines["C1:1.0"], lines["w1"]
    assert slack["answer_kinds"] == ["grounded", "grounded"] and slack["ratings"] == ["down", None]  # was: no ratings
    assert slack["handoff"] is None
    assert web["ratings"] == ["down"]
    assert web["handoff"]["reason"] == "asked for a person" and web["handoff"]["resumed"] is False
    assert web["handoff"]["after_messages"] == 2  # "hello?" came after a person had the conversation
    assert web["handoff"]["started"][:4].isdigit()
