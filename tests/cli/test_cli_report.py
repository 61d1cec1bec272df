"""`supportbot report gaps`: what the bot fell short on, grouped by meaning with the bundled embedding model."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from supportbot.evaluation.gaps import group_gaps
from supportbot.store import ConversationStore
from supportbot.store.gaps import find_gaps

GIFT_WRAP = ["Do you offer gift wrapping?", "Can you gift wrap my order?", "Is gift wrapping available for presents?"]
BITCOIN = ["Can I pay with bitcoin?", "Is bitcoin accepted as payment?"]
REFUNDS = ["How long do refunds take?", "When will I get my refund?"]
REFUND_SOURCE = [{"id": "returns/refunds.md", "title": "Refund timing", "path": "returns/refunds.md", "url": "", "score": 0.71}]


def run_report(url: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "supportbot", "report", "gaps", "--url", url, *args]
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, env=os.environ.copy())


@pytest.fixture
def store_with_gaps(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = ConversationStore(url)

    def asked(conversation: str, question: str, kind: str, sources=None) -> int:
        store.add_message("web", conversation, "user", question)
        return store.add_message("web", conversation, "assistant", "…", kind=kind, sources=sources)

    for n, question in enumerate(GIFT_WRAP):
        asked(f"gift{n}", question, "fallback")
    store.start_handoff("web", "gift0", "visitor", "asked for a person")
    asked("coin0", BITCOIN[0], "fallback")
    asked("coin1", BITCOIN[1], "generated")
    store.start_handoff("web", "coin1", "visitor", "asked for a person")
    for n, question in enumerate(REFUNDS):
        answer = asked(f"refund{n}", question, "generated", REFUND_SOURCE)
        store.add_feedback("web", f"refund{n}", "down", message_id=answer)
    asked("fine", "Do you ship to Norway?", "generated")  # answered, not rated down: not a gap
    asked("old", "Do you sell umbrellas?", "fallback")
    with store.database.transaction() as transaction:  # asked a month ago: outside --since 7d
        transaction.execute("UPDATE messages SET created_at = created_at - 2592000 WHERE content IN ('Do you sell umbrellas?', '…') AND conversation = (SELECT id FROM conversations WHERE conversation_id = 'old')")
    store.close()
    return url


def test_paraphrases_are_grouped_with_their_reasons_and_sources(store_with_gaps: str, embedder):
    store = ConversationStore(store_with_gaps)
    groups = [group.to_dict() for group in group_gaps(find_gaps(store.database, time.time() - 7 * 86400), embedder.embed_documents)]
    store.close()
    assert sorted(sorted(group["questions"]) for group in groups) == sorted(sorted(q) for q in (GIFT_WRAP, BITCOIN, REFUNDS))
    gift, *rest = groups  # the most asked first
    assert gift["reasons"] == {"declined": 3, "handed off": 1} and gift["source"] == "" and gift["example"] in GIFT_WRAP
    coin = next(group for group in rest if group["questions"][0] in BITCOIN)
    assert coin["reasons"] == {"declined": 1, "handed off": 1}
    refund = next(group for group in rest if group["questions"][0] in REFUNDS)
    assert refund["reasons"] == {"rated down": 2} and refund["source"] == "Refund timing"


@pytest.mark.slow
def test_the_command_prints_one_line_per_group_biggest_first(store_with_gaps: str):
    result = run_report(store_with_gaps, "--since", "7d")
    assert result.returncode == 0, result.stderr
    table = result.stdout.splitlines()
    assert table[0].split()[:3] == ["count", "example", "question"] and len(table) == 5
    assert table[1].split()[0] == "3" and "declined 3, handed off 1" in table[1]
    assert "Refund timing" in result.stdout and table[-1] == "7 question(s) in 3 group(s)"


@pytest.mark.slow
def test_escape_sequences_in_a_stored_question_are_printed_written_out_not_sent_to_the_terminal(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = ConversationStore(url)  # as stored before questions lost their control characters
    store.add_message("web", "c", "user", "Do you sell \x1b]0;owned\x07\x1b[31mumbrellas\x1b[0m?")
    store.add_message("web", "c", "assistant", "…", kind="fallback")
    store.close()
    table, as_csv = run_report(url), run_report(url, "--format", "csv")
    assert table.returncode == 0 and as_csv.returncode == 0, table.stderr + as_csv.stderr
    for output in (table.stdout, as_csv.stdout):
        assert "\x1b" not in output and "\x07" not in output
        assert "Do you sell \\x1b]0;owned\\x07\\x1b[31mumbrellas\\x1b[0m?" in output


def test_a_report_on_a_store_that_is_not_there_says_so_and_creates_nothing(tmp_path: Path):
    # It created the file and its folders, then died on "no such table: messages".
    missing = tmp_path / "typo" / "conversations.sqlite3"
    result = run_report(str(missing))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"error: no conversation store at {missing}: check --url / paths.conversations_db"
    assert list(tmp_path.iterdir()) == []
