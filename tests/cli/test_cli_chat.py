"""The `supportbot` command as a user runs it: real processes, the bundled models, a pseudo-terminal for the REPL."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
from pathlib import Path

import pexpect
import pytest
from cli_helpers import run_cli

from supportbot.bot.grounding import strip_citations
from supportbot.store import ConversationStore
from supportbot.text.figures import extract_figures
from supportbot.text.sentences import split_sentences

pytestmark = pytest.mark.slow
# The answer quotes "Step-by-step instructions are in [Start a return](https://help.larkspurgoods.com/returns/start-a-return)."
LINKED_QUESTION = "Where are the step-by-step instructions for a return?"


@pytest.fixture
def chat_env(sample_index_dir: Path) -> dict:
    return {"SUPPORTBOT_PATHS_INDEX_DIR": str(sample_index_dir), "SUPPORTBOT_MODEL_MAX_NEW_TOKENS": "24"}


class TestChatOneShot:
    def test_json_answer_with_sources_and_conversation_id(self, chat_env, isolated_data_dir: Path):
        result = run_cli("chat", "--message", "How do I reset my password?", "--json", env=chat_env)
        assert result.returncode == 0, result.stderr
        payload = json.loads(result.stdout)
        assert payload["answer"].strip()
        assert {"account/reset-password.md", "faq.jsonl#27"} & {s["id"] for s in payload["sources"]}
        assert set(payload["sources"][0]) >= {"number", "id", "title", "path", "score"}
        # The sources listed are the ones the answer's markers name.
        assert [f"[{s['number']}]" in payload["answer"] for s in payload["sources"]] == [True] * len(payload["sources"])
        stored = ConversationStore(isolated_data_dir / "conversations.sqlite3").messages("console", payload["conversation_id"])
        assert [m.role for m in stored] == ["user", "assistant"] and stored[1].content == payload["answer"]

    def test_the_readme_question_states_the_documented_refund_window_and_nothing_invented(self, isolated_data_dir: Path):
        # As on a fresh machine: no index yet, so the first chat builds it with the configured embedder.
        result = run_cli("chat", "--message", "How long do refunds take?", "--json", env={"SUPPORTBOT_MODEL_MAX_NEW_TOKENS": "120"})
        assert result.returncode == 0, result.stderr
        assert (isolated_data_dir / "index").is_dir()
        payload = json.loads(result.stdout)
        assert payload["kind"] in ("grounded", "extractive")
        # What the customer reads first is the window ("Inspection takes up to 2 business days of that time." was, once).
        assert "5-7 business days" in split_sentences(strip_citations(payload["answer"]))[0], payload["answer"]
        stated = {figure.value for figure in extract_figures(strip_citations(payload["answer"]))}
        assert stated <= {(5.0, 7.0), (2.0,), (7.0,)}, payload["answer"]  # the refund window, inspection days, "over 7 days"
        assert {s["id"] for s in payload["sources"]} & {"returns/refund-timing.md", "returns/return-policy.md", "faq.jsonl#17", "faq.jsonl#1"}

    def test_the_terminal_shows_the_answer_and_no_log_lines(self, chat_env):
        # The bundled model's first sentence mostly fails the check; that went to the terminal above every answer.
        result = run_cli("chat", "--message", "How long do refunds take?", env={**chat_env, "SUPPORTBOT_MODEL_MAX_NEW_TOKENS": "120"})
        assert result.returncode == 0 and "5-7 business days" in result.stdout, result.stderr
        assert result.stderr.strip() == "", result.stderr

    def test_the_terminal_shows_quoted_bold_without_its_marks(self, chat_env):
        # The Klarna page says "available on orders from **$35 to $1,000**"; --json keeps the Markdown.
        env = {**chat_env, "SUPPORTBOT_BOT_ANSWER_MODE": "extractive"}
        shown = run_cli("chat", "--message", "Can I pay with Klarna?", env=env)
        as_json = json.loads(run_cli("chat", "--message", "Can I pay with Klarna?", "--json", env=env).stdout)
        assert "**" in as_json["answer"] and shown.returncode == 0
        assert shown.stdout.startswith(as_json["answer"].replace("**", "")) and "**" not in shown.stdout

    def test_the_terminal_shows_a_quoted_table_row_under_its_columns_names(self, chat_env):
        # The shipping table's row alone said nothing of what "$19.95" is; Markdown's "| --- |" is no terminal's table.
        env = {**chat_env, "SUPPORTBOT_BOT_ANSWER_MODE": "extractive"}
        shown = run_cli("chat", "--message", "how much does it cost to ship to the UK?", env=env)
        assert shown.returncode == 0, shown.stderr
        table = (
            "| Destination    | Delivery time       | Shipping cost |\n"
            "|----------------|---------------------|---------------|\n"
            "| United Kingdom | 10-15 business days | $19.95 [1]    |"
        )
        assert shown.stdout.startswith(table) and "| --- |" not in shown.stdout, shown.stdout

    def test_the_terminal_shows_a_quoted_link_as_its_text_and_address(self, chat_env):
        env = {**chat_env, "SUPPORTBOT_BOT_ANSWER_MODE": "extractive"}
        shown = run_cli("chat", "--message", LINKED_QUESTION, env=env)
        assert shown.returncode == 0, shown.stderr
        assert "are in Start a return (https://help.larkspurgoods.com/returns/start-a-return)." in shown.stdout, shown.stdout
        assert "](" not in shown.stdout

    def test_conversation_continues_across_processes(self, chat_env, isolated_data_dir: Path):
        first = json.loads(run_cli("chat", "-m", "Can I pay with Klarna?", "--json", env=chat_env).stdout)
        second = run_cli("chat", "-m", "What is the minimum order?", "--json", "--conversation", first["conversation_id"], env=chat_env)
        assert json.loads(second.stdout)["conversation_id"] == first["conversation_id"]
        stored = ConversationStore(isolated_data_dir / "conversations.sqlite3").messages("console", first["conversation_id"])
        assert [m.content for m in stored[::2]] == ["Can I pay with Klarna?", "What is the minimum order?"]

    def test_a_questions_control_characters_are_not_stored_and_its_lines_are(self, chat_env, isolated_data_dir: Path):
        question = "How long do refunds take?\x1b]0;owned\x07\r\nI paid by \x1b[31mcard\x1b[0m."
        result = run_cli("chat", "-m", question, "--json", env=chat_env)
        assert result.returncode == 0, result.stderr
        conversation_id = json.loads(result.stdout)["conversation_id"]
        stored = ConversationStore(isolated_data_dir / "conversations.sqlite3").messages("console", conversation_id)
        assert stored[0].content == "How long do refunds take?\nI paid by card."  # escape sequences go whole

    def test_off_topic_question_gets_the_fallback(self, chat_env):
        payload = json.loads(run_cli("chat", "-m", "Who won the football world cup in 1998?", "--json", env=chat_env).stdout)
        # The console has no support team to hand to: the decline offers no person.
        assert payload["kind"] == "fallback" and payload["sources"] == []
        assert payload["answer"] == "I'm sorry, I don't have an answer to that in our help center."

    def test_empty_message_is_a_one_line_error(self, chat_env):
        result = run_cli("chat", "-m", "  ", env=chat_env)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1] == "error: empty message: type a question"

    def test_first_chat_builds_the_index_from_sample_docs(self, isolated_data_dir: Path):
        result = run_cli("chat", "-m", "Do you ship to Canada?", "--json", env={"SUPPORTBOT_MODEL_MAX_NEW_TOKENS": "8"})
        assert result.returncode == 0, result.stderr
        assert (isolated_data_dir / "index" / "CURRENT").is_file()
        assert json.loads(result.stdout)["sources"]


class TestIndexCommands:
    def test_build_then_info_prints_manifest(self, tmp_path: Path):
        docs = tmp_path / "docs"
        docs.mkdir()
        (docs / "hours.md").write_text("---\ntitle: Opening hours\n---\nWe are open 9 to 5.\n", encoding="utf-8")
        (docs / "faq.jsonl").write_text('{"question": "Do you deliver?", "answer": "Yes."}\n{oops\n', encoding="utf-8")
        built = run_cli("index", "build", str(docs), "--index", str(tmp_path / "idx"), "--quiet")
        assert built.returncode == 0, built.stderr
        assert built.stdout.startswith("indexed 2 files") and "1 warnings" in built.stdout
        assert f"{docs / 'faq.jsonl'}:2: skipped, not valid JSON" in built.stderr
        info = json.loads(run_cli("index", "info", "--index", str(tmp_path / "idx")).stdout)
        assert info["counts"] == {"files": 2, "documents": 2, "chunks": 2}
        assert set(info["sources"]) == {"hours.md", "faq.jsonl"}
        assert (tmp_path / "idx" / "builds" / info["build"] / "manifest.json").is_file()  # the live build, by name

    def test_missing_docs_path_is_a_one_line_error(self, tmp_path: Path):
        result = run_cli("index", "build", str(tmp_path / "missing"), "--index", str(tmp_path / "idx"))
        assert result.returncode == 1
        assert result.stderr.strip() == f"error: docs path {tmp_path / 'missing'} does not exist: check the path"

    def test_bad_config_key_is_named_with_exit_code_2(self, tmp_path: Path):
        (tmp_path / "bad.toml").write_text("[bot]\nsystem_promt = 'x'\n", encoding="utf-8")
        result = run_cli("--config", str(tmp_path / "bad.toml"), "index", "info")
        assert result.returncode == 2 and "unknown key 'bot.system_promt'" in result.stderr


def _default_sigint() -> None:
    """Ctrl-C in a terminal interrupts the program, whatever the test runner's process ignores."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class TestConsoleRepl:
    def test_user_session_in_a_terminal(self, chat_env, isolated_data_dir: Path):
        # Generative mode streams a long answer token by token, so Ctrl-C lands mid-answer (what this test is about).
        env = {**os.environ, **chat_env, "SUPPORTBOT_MODEL_MAX_NEW_TOKENS": "200", "SUPPORTBOT_BOT_ANSWER_MODE": "generative", "TERM": "dumb"}
        transcript = io.StringIO()
        child = pexpect.spawn(
            sys.executable, ["-m", "supportbot", "chat"], env=env, encoding="utf-8", timeout=180, preexec_fn=_default_sigint
        )
        child.logfile_read = transcript
        try:
            child.expect("you> ")
            child.sendline("How long do refunds take?")
            child.expect("bot> ")  # the answer is being made: 200 tokens take seconds
            child.kill(signal.SIGINT)  # Ctrl-C stops the answer, not the program
            index = child.expect([r"\[stopped\]", "you> "])
            assert index == 0, f"the answer was not stopped:\n{transcript.getvalue()}"
            child.expect("you> ")
            child.sendline("/sources")
            child.expect(r"\[1\] ")
            child.expect("you> ")
            child.sendline("/reset")
            child.expect("Started a new conversation")
            child.expect("you> ")
            child.sendline("")
            child.expect("empty message")
            child.sendline("/quit")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        assert child.exitstatus == 0
        assert (isolated_data_dir / "console_history").is_file()

    def test_the_history_file_keeps_what_was_typed_masked_as_the_store_keeps_it(self, chat_env, isolated_data_dir: Path):
        env = {**os.environ, **chat_env, "SUPPORTBOT_PRIVACY_REDACT_STORED": "true", "SUPPORTBOT_BOT_ANSWER_MODE": "extractive", "TERM": "dumb"}
        child = pexpect.spawn(sys.executable, ["-m", "supportbot", "chat"], env=env, encoding="utf-8", timeout=180)
        try:
            child.expect("you> ")
            child.sendline("My card 4111 1111 1111 1111 was charged twice, write to jane.doe@example.com")
            child.expect("bot> ")
            child.expect("you> ")
            child.sendline("/quit")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        history = (isolated_data_dir / "console_history").read_text(encoding="utf-8")
        assert "My card [card] was charged twice, write to [email]" in history
        assert "4111" not in history and "jane.doe" not in history


def test_chinese_sample_is_indexed_and_answers_in_chinese(isolated_data_dir: Path):
    """`chat --sample zh` indexes the bundled Chinese help center into its own index; a message with no words gets the Chinese fallback."""
    result = run_cli("chat", "--sample", "zh", "--message", "🤔🤔", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert (payload["kind"], payload["answer"]) == ("fallback", "抱歉，我们的帮助中心里没有找到这个问题的答案。")  # no person to offer here
    assert (isolated_data_dir / "index-sample-zh").is_dir() and not (isolated_data_dir / "index").exists()


def test_one_shot_answer_the_model_server_refuses_is_a_one_line_error_without_the_key(sample_index_dir: Path, isolated_data_dir: Path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generation"))
    from openai_double import Fault, OpenAIDouble, canned

    with OpenAIDouble(canned(["never"]), faults=[Fault(status=401, echo_authorization=True)] * 5) as server:
        env = {
            "SUPPORTBOT_PATHS_INDEX_DIR": str(sample_index_dir),
            "OPENAI_API_KEY": "sk-secret",
            "SUPPORTBOT_MODEL_BACKEND": "openai",
            "SUPPORTBOT_MODEL_API_KEY_ENV": "OPENAI_API_KEY",
            "SUPPORTBOT_MODEL_BASE_URL": server.base_url,
        }
        result = run_cli("chat", "--message", "How long do refunds take?", "--json", env=env)
    assert result.returncode == 1 and result.stdout == "", (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "HTTP 401" in result.stderr and "check the key in $OPENAI_API_KEY" in result.stderr
    assert "secret" not in result.stderr
