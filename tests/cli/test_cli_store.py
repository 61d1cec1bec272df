"""`supportbot store` and `supportbot conversations` as an operator runs them (real processes, real PostgreSQL)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from supportbot.channels.slack.store import SLACK_TABLES, SlackStore
from supportbot.finetune.data import read_conversations
from supportbot.store import ConversationStore, open_database
from supportbot.store.migrations import CORE_TABLES


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "supportbot", *args], check=False, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in key order."""
    database = open_database(url)
    tables = CORE_TABLES.tables + SLACK_TABLES.tables
    rows = {table: [tuple(row) for row in database.query(f"SELECT * FROM {table} ORDER BY 1")] for table in tables}
    database.close()
    return rows


def deployment(url: str) -> None:
    """A store that has seen some use: several channels, odd text, ratings, handoffs, Slack's records."""
    store = ConversationStore(url)
    store.add_message("console", "c1", "user", "Wie lange dauert eine Rückerstattung? 🙂")
    answer = store.add_message("console", "c1", "assistant", "5–7 Werktage [1].\n\n", kind="generated", sources=[{"id": "returns.md", "score": 0.8125}])
    store.add_message("console", "c1", "assistant", "Part", kind="generated", interrupted=True)
    store.add_feedback("console", "c1", "up", rater="u1", message_id=answer)
    store.add_feedback("web", "w1", "down")
    store.start_handoff("web", "w1", "visitor", "asked for a person")
    slack = SlackStore(store.database)
    slack.claim_event("Ev1", {"event_id": "Ev1", "event": {"text": "hi", "ts": "1.2"}}, owner="a", lease=30)
    slack.record_reply("Ev1", "C1", "1.2", "C1:1.2", "Looking into it…")
    slack.record_final("Ev1", "Done.", [{"type": "section"}], message_id=answer)
    store.close()


def test_copy_from_sqlite_to_postgres_keeps_every_row_and_new_rows_follow(tmp_path: Path, postgres_url: str):
    source = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    deployment(source)
    result = run_cli("store", "copy", source, postgres_url)
    assert result.returncode == 0, result.stderr
    assert "copied 10 rows" in result.stdout
    before, after = dump(source), dump(postgres_url)
    assert after == before and after["messages"]
    store = ConversationStore(postgres_url)
    new = store.add_message("console", "c1", "user", "Danke!")
    assert new == max(row[0] for row in before["messages"]) + 1  # ids continue after the copied ones
    store.close()

    again = run_cli("store", "copy", source, postgres_url)  # into a store that is not empty: refused, nothing changed
    assert again.returncode == 1 and "already has rows in conversations" in again.stderr and len(again.stderr.strip().splitlines()) == 1


def test_migrate_reports_what_it_applied_then_nothing(postgres_url: str):
    first = run_cli("store", "migrate", "--url", postgres_url)
    assert first.returncode == 0 and "applied 001_conversations_and_messages" in first.stdout and "applied slack_002" in first.stdout
    second = run_cli("store", "migrate", "--url", postgres_url)
    assert second.returncode == 0 and "(0 migration(s) applied now)" in second.stdout


def test_unreachable_postgres_is_a_one_line_error_without_the_password():
    result = run_cli("store", "migrate", "--url", "postgresql://bot:s3cret@127.0.0.1:9/supportbot")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "cannot connect to postgresql://bot@127.0.0.1:9/supportbot" in result.stderr and "s3cret" not in result.stderr


def test_purge_deletes_old_conversations_and_export_writes_what_finetune_reads(tmp_path: Path, isolated_data_dir: Path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = ConversationStore(url)
    for conversation in ("old", "recent"):
        store.add_message("slack", conversation, "user", f"{conversation} question?")
        store.add_message("slack", conversation, "assistant", f"{conversation} answer.", kind="generated")
    with store.database.transaction() as transaction:  # "old" was last touched 100 days ago
        transaction.execute("UPDATE messages SET created_at = created_at - 8640000 WHERE conversation = 1")
    store.close()

    result = run_cli("conversations", "purge", "--older-than", "90d", "--url", url)
    assert result.returncode == 0 and result.stdout.startswith("deleted 1 conversation(s) (2 messages)")

    exported = tmp_path / "export.jsonl"
    result = run_cli("conversations", "export", "--since", "7d", "-o", str(exported), "--url", url)
    assert result.returncode == 0 and "exported 1 conversation(s)" in result.stderr
    report = read_conversations(exported)
    assert report.malformed == [] and [c.messages for c in report.conversations] == [
        [{"role": "user", "content": "recent question?"}, {"role": "assistant", "content": "recent answer."}]
    ]
    assert json.loads(exported.read_text())["supportbot"]["answer_kinds"] == ["generated"]


def test_config_file_with_a_password_in_store_url_is_refused(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('[store]\nurl = "postgresql://bot:hunter2@db/supportbot"\n')
    result = run_cli("--config", str(config), "store", "migrate")
    assert result.returncode == 2 and "PGPASSWORD" in result.stderr and "hunter2" not in result.stderr


def test_config_show_and_store_errors_mask_every_form_of_password(tmp_path: Path):
    shown = run_cli("config", "show", env={"SUPPORTBOT_STORE_URL": "postgresql://bot:pgsecret999@127.0.0.1:1/db"})
    assert shown.returncode == 0 and 'url = "postgresql://bot@127.0.0.1:1/db"' in shown.stdout and "pgsecret999" not in shown.stdout
    in_query = {"SUPPORTBOT_STORE_URL": "postgresql://bot@127.0.0.1:1/db?password=pgsecret999"}
    shown = run_cli("config", "show", env=in_query)
    assert shown.returncode == 0 and "password=***" in shown.stdout and "pgsecret999" not in shown.stdout
    migrate = run_cli("store", "migrate", env=in_query)
    assert migrate.returncode == 1 and "cannot connect to postgresql://bot@127.0.0.1:1/db?password=***" in migrate.stderr
    assert "pgsecret999" not in migrate.stderr + migrate.stdout


def test_libpq_key_value_store_url_is_refused_and_creates_no_file(tmp_path: Path):
    url = "host=127.0.0.1 port=1 password=pgsecret999"
    result = subprocess.run(
        [sys.executable, "-m", "supportbot", "store", "migrate"],
        check=False, capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**os.environ, "SUPPORTBOT_STORE_URL": url},
    )
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "use a postgresql://" in result.stderr and "pgsecret999" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []


def test_export_and_purge_of_a_store_that_is_not_there_create_nothing(tmp_path: Path):
    missing = tmp_path / "typo" / "none.db"
    for command in (["conversations", "export"], ["conversations", "purge", "--older-than", "90d"]):
        result = run_cli(*command, "--url", str(missing))
        assert result.returncode == 1, command
        assert result.stderr.strip() == f"error: no conversation store at {missing}: check --url / paths.conversations_db"
    assert list(tmp_path.iterdir()) == []


def test_purge_of_a_store_locked_by_another_process_is_a_one_line_error(tmp_path: Path):
    path = tmp_path / "c.sqlite3"
    ConversationStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run_cli("conversations", "purge", "--older-than", "90d", "--url", str(path))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: the conversation store {path} is locked by another process; try again"


def test_purge_refuses_an_age_of_zero_or_one_reaching_before_1970(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = ConversationStore(url)
    store.add_message("slack", "kept", "user", "question?")
    store.close()
    for age, reason in (("0d", "an age must be more than 0"), ("99999999d", "reaches back before 1970")):
        result = run_cli("conversations", "purge", "--older-than", age, "--url", url)
        assert result.returncode == 2 and reason in result.stderr and "untouched since" not in result.stdout
    store = ConversationStore(url)
    assert [m.content for m in store.messages("slack", "kept")] == ["question?"]
    store.close()
