"""`supportbot store` (migrate, copy between engines) and `supportbot conversations` (purge, export)."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import click

from supportbot.cli import get_config

UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class Age(click.ParamType):
    """A span of time like 90d, 12h, 30m or 2w, as seconds."""

    name = "age"

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*", str(value))
        if not match:
            self.fail(f"{value!r} is not an age: use a number and a unit, like 90d, 12h, 30m or 2w", param, ctx)
        seconds = float(match.group(1)) * UNITS[match.group(2)]
        if seconds <= 0:  # as privacy.retention_days = 0: not "everything"
            self.fail(f"{value!r}: an age must be more than 0, like 90d", param, ctx)
        if seconds > time.time():
            self.fail(f"{value!r} reaches back before 1970: give an age like 90d or 5w", param, ctx)
        return seconds


def table_sets():
    """Every part of supportbot that keeps tables in the store: the core, then each channel's own."""
    from supportbot.channels.slack.store import SLACK_TABLES
    from supportbot.store.migrations import CORE_TABLES

    return (CORE_TABLES, SLACK_TABLES)


def store_database(ctx: click.Context, url: str | None, must_exist: bool = False):
    """The store a command works on: --url, else the configured one.

    `must_exist` for commands that only read or delete: a SQLite file that is not there is an error,
    not a new empty store (and folders) made to read nothing from.
    """
    from supportbot.app import open_store_database
    from supportbot.store import open_database

    return open_database(url, must_exist=must_exist) if url else open_store_database(get_config(ctx), must_exist)


def _day(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


URL_OPTION = click.option("--url", help="Store to use (default: store.url, else paths.conversations_db).")


@click.group("store")
def store_group() -> None:
    """Set up and move the conversation store (SQLite file or PostgreSQL)."""


@store_group.command("migrate")
@URL_OPTION
@click.pass_context
def migrate(ctx: click.Context, url: str | None) -> None:
    """Bring the store's tables up to date (every bot also does this when it starts).

    \b
    Examples:
      supportbot store migrate
      PGPASSWORD=... supportbot store migrate --url postgresql://bot@db.internal/supportbot
    """
    from supportbot.store.migrations import migrate as run_migrations

    database = store_database(ctx, url)
    try:
        applied = run_migrations(database, *table_sets())
    finally:
        database.close()
    for name in applied:
        click.echo(f"applied {name}")
    click.echo(f"{database.display_url}: up to date ({len(applied)} migration(s) applied now)")


@store_group.command("copy")
@click.argument("source")
@click.argument("target")
@click.pass_context
def copy(ctx: click.Context, source: str, target: str) -> None:
    """Copy every conversation, rating, handoff and channel record from SOURCE to an empty TARGET.

    Stop the bots first, then point store.url at TARGET. Ids are kept; the copy is one transaction,
    so a failure leaves TARGET empty.

    \b
    Example:
      supportbot store copy sqlite:////var/lib/supportbot/conversations.sqlite3 postgresql://bot@db.internal/supportbot
    """
    from supportbot.store import open_database
    from supportbot.store.copy import copy_store

    source_db = open_database(source, must_exist=True)
    try:
        target_db = open_database(target)
        try:
            copied = copy_store(source_db, target_db, table_sets())
        finally:
            target_db.close()
    finally:
        source_db.close()
    click.echo(", ".join(f"{table} {rows}" for table, rows in copied.items()))
    click.echo(f"copied {sum(copied.values())} rows from {source_db.display_url} to {target_db.display_url}")


@click.group("conversations")
def conversations_group() -> None:
    """Delete old conversations, or export them for review and fine-tuning."""


@conversations_group.command("purge")
@click.option("--older-than", "older_than", type=Age(), help="Delete conversations untouched for this long, e.g. 90d (default: privacy.retention_days).")
@URL_OPTION
@click.pass_context
def purge(ctx: click.Context, older_than: float | None, url: str | None) -> None:
    """Delete conversations (with their ratings, handoffs and Slack records) untouched for a while.

    \b
    Examples:
      supportbot conversations purge --older-than 90d
      SUPPORTBOT_PRIVACY_RETENTION_DAYS=30 supportbot conversations purge
    """
    from supportbot.store import ConversationStore
    from supportbot.store.migrations import migrate

    config = get_config(ctx)
    if older_than is None:
        if config.privacy.retention_days <= 0:
            raise click.UsageError("say how old: --older-than 90d, or set privacy.retention_days")
        older_than = config.privacy.retention_days * UNITS["d"]
    cutoff = time.time() - older_than
    database = store_database(ctx, url, must_exist=True)
    try:
        migrate(database, *table_sets())  # the channels' tables may not exist yet in this store
        report = ConversationStore(database).purge(cutoff, [pair for table_set in table_sets() for pair in table_set.expiring])
    finally:
        database.close()
    click.echo(f"deleted {report.conversations} conversation(s) ({report.messages} messages) untouched since {_day(cutoff)}")


@conversations_group.command("export")
@click.option("--since", type=Age(), help="Only conversations with a message in this span, e.g. 7d (default: all).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Write to this file; '-' (the default) is standard output."
)
@URL_OPTION
@click.pass_context
def export(ctx: click.Context, since: float | None, output: str | None, url: str | None) -> None:
    """Write conversations as JSONL, one a line, in the `messages` format `finetune train` reads (what `prepare` writes).

    Each line also carries `supportbot` metadata: channel, conversation id, each answer's kind and
    rating ("up", "down" or null, in `answer_kinds` order), and the handoff to a person if there was one
    (when, why, how many of the messages came before it, whether the bot was resumed), so a reviewer can
    drop fallbacks, errors, thumbs-down answers and what a person took over before the file becomes
    training data.

    \b
    Examples:
      supportbot conversations export --since 7d -o last-week.jsonl
      supportbot conversations export --since 1d -o - | jq .supportbot.answer_kinds
      supportbot conversations export -o - | jq -c 'select(.supportbot.ratings | index("down") | not)'
      supportbot finetune validate last-week.jsonl
    """
    from supportbot.staging import staged_file
    from supportbot.store import ConversationStore

    database = store_database(ctx, url, must_exist=True)
    try:
        records = ConversationStore(database).conversations(since=time.time() - since if since else None)
        to_file = output not in (None, "-")  # "-" is standard output, as in most tools ("./-" names a file)
        if not to_file:
            count = _write_jsonl(records, sys.stdout, database)
        else:
            with staged_file(Path(output)) as staging, staging.open("w", encoding="utf-8") as handle:
                count = _write_jsonl(records, handle, database)
    finally:
        database.close()
    click.echo(f"exported {count} conversation(s)" + (f" to {output}" if to_file else ""), err=True)


def _write_jsonl(records, handle, database) -> int:
    from supportbot.store.review import answer_ratings, handoff_of

    count = 0
    for record in records:
        messages = [m for m in record.messages if m.role in ("user", "assistant")]
        answers = [m for m in messages if m.role == "assistant"]
        ratings = answer_ratings(database, record.channel, record.conversation_id, record.messages)
        handoff = handoff_of(database, record.channel, record.conversation_id)
        line = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "supportbot": {
                "channel": record.channel,
                "conversation_id": record.conversation_id,
                "started": _day(record.created_at),
                "answer_kinds": [m.kind + (" (interrupted)" if m.interrupted else "") for m in answers],
                "ratings": [ratings.get(m.id) for m in answers],
                "handoff": None if handoff is None else {
                    "started": _day(handoff.created_at),
                    "reason": handoff.reason,
                    "after_messages": sum(m.created_at <= handoff.created_at for m in messages),
                    "resumed": handoff.resumed,
                },
            },
        }
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        count += 1
    return count
