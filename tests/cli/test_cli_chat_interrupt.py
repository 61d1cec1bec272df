"""The REPL under Ctrl-C and /sources, as a user drives it: a real `supportbot chat` in a pseudo-terminal, the bundled models."""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from pathlib import Path

import pexpect
import pytest

from supportbot.store import ConversationStore

pytestmark = pytest.mark.slow

QUESTION = "How long do refunds take?"


def _default_sigint() -> None:
    """Ctrl-C in a terminal interrupts the program, whatever the test runner's process ignores."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _spawn_chat(env: dict, transcript: io.StringIO) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "supportbot", "chat", "--conversation", "typed-in-a-terminal"],
        env={**os.environ, **env, "TERM": "dumb"},
        encoding="utf-8",
        timeout=180,
        preexec_fn=_default_sigint,
    )
    child.logfile_read = transcript
    return child


def _ask(child: pexpect.spawn, line: str) -> None:
    child.expect("you> ")
    child.sendline(line)
    child.expect_exact(line + "\r\n")  # echoed once the REPL has read it: what follows is answering


class TestCtrlCWhileTheAnswerIsMade:
    def test_ctrl_c_while_the_sources_are_ranked_stops_that_answer_and_the_question_is_answered_when_asked_again(
        self, sample_index_dir: Path, isolated_data_dir: Path
    ):
        # Every chunk of the help center ranked, sentence by sentence: the first extractive answer takes seconds,
        # all of them inside DialogueManager.reply (nothing is shown before it returns).
        env = {
            "SUPPORTBOT_PATHS_INDEX_DIR": str(sample_index_dir),
            "SUPPORTBOT_BOT_ANSWER_MODE": "extractive",
            "SUPPORTBOT_RETRIEVAL_TOP_K": "1000",
            "SUPPORTBOT_RETRIEVAL_MIN_SCORE": "0",
        }
        transcript = io.StringIO()
        child = _spawn_chat(env, transcript)
        try:
            child.expect("you> ")
            child.sendintr()  # at the prompt: a new prompt, as before
            _ask(child, QUESTION)
            time.sleep(0.3)
            child.sendintr()
            index = child.expect([r"bot> \[stopped\]\r\n", "bot> Refunds", pexpect.EOF])
            assert index == 0, f"Ctrl-C did not stop the answer being made:\n{transcript.getvalue()}"
            child.sendline("/sources")
            child.expect_exact("The last answer had no sources.")
            _ask(child, QUESTION)  # asked again in the same conversation: answered now
            child.expect("bot> Refunds are issued to the original payment method within 5-7 business days")
            child.expect("you> ")
            child.sendline("/quit")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        assert child.exitstatus == 0, transcript.getvalue()
        assert "Aborted!" not in transcript.getvalue()
        stored = ConversationStore(isolated_data_dir / "conversations.sqlite3").messages("console", "typed-in-a-terminal")
        # The stopped question is stored once, with the answer it got when asked again.
        assert [(m.role, m.content[:26]) for m in stored] == [("user", QUESTION), ("assistant", "Refunds are issued to the ")]


class TestSourcesCommand:
    def test_sources_after_a_declined_question_says_the_last_answer_had_none_not_none_yet(
        self, sample_index_dir: Path, isolated_data_dir: Path
    ):
        env = {"SUPPORTBOT_PATHS_INDEX_DIR": str(sample_index_dir), "SUPPORTBOT_BOT_ANSWER_MODE": "extractive"}
        transcript = io.StringIO()
        child = _spawn_chat(env, transcript)
        try:
            child.expect("you> ")
            child.sendline("/sources")
            child.expect_exact("No sources yet.")  # nothing answered in this conversation
            _ask(child, QUESTION)
            child.expect("you> ")
            child.sendline("/sources")
            child.expect(r"Sources:\r\n  \[\d+\] ")
            _ask(child, "Who won the football world cup in 1998?")
            child.expect("help center")  # the decline
            child.expect("you> ")
            child.sendline("/sources")
            index = child.expect_exact(["The last answer had no sources.", "No sources yet.", "Sources:"])
            assert index == 0, f"/sources did not say the decline had none:\n{transcript.getvalue()}"
            child.expect("you> ")
            child.sendline("/reset")
            child.expect("you> ")
            child.sendline("/sources")
            child.expect_exact("No sources yet.")  # a new conversation has answered nothing
            child.expect("you> ")
            child.sendline("/quit")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        assert child.exitstatus == 0, transcript.getvalue()
