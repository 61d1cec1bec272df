"""`supportbot report gaps`: what the bot could not answer, grouped by meaning, for the support lead."""

from __future__ import annotations

import csv
import json
import sys
import time

import click

from supportbot.cli import get_config
from supportbot.cli.store import URL_OPTION, Age, store_database
from supportbot.evaluation.gaps import DEFAULT_SIMILARITY
from supportbot.text.markup import display_width
from supportbot.text.normalize import one_line, printable

EXAMPLE_WIDTH = 70
# A spreadsheet reads a cell starting with these as a formula (=HYPERLINK(...), +cmd|...): OWASP's list.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """`printable(text)` as a CSV cell a spreadsheet shows as text: a leading ' where it would start a formula.

    gaps.csv is opened in a spreadsheet, and the example is a customer's words: "=HYPERLINK(...)" would run."""
    text = printable(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` columns: padded with spaces, or cut with "…" where it is wider."""
    if display_width(text) > width:
        kept, used = [], 1  # room for the "…"
        for char in text:
            used += display_width(char)
            if used > width:
                break
            kept.append(char)
        text = "".join(kept) + "…"
    return text + " " * (width - display_width(text))


@click.group("report")
def report_group() -> None:
    """Reports for the people who run the bot."""


@report_group.command("gaps")
@click.option("--since", type=Age(), default="7d", show_default=True, help="How far back to look, e.g. 7d, 24h.")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option(
    "--similarity", type=click.FloatRange(0, 1), default=DEFAULT_SIMILARITY, show_default=True,
    help="How alike (cosine) two questions must be to share a group; higher makes more, tighter groups.",
)
@URL_OPTION
@click.pass_context
def gaps(ctx: click.Context, since: float, output_format: str, similarity: float, url: str | None) -> None:
    """Questions the bot declined, handed to a person or got a thumbs-down on, grouped by meaning.

    One line per group, most asked first: how many times, an example in the customer's words,
    why it fell short, and the source the bot used if any. Write the missing help-center page
    for the top lines, rebuild the index, and watch them shrink. In CSV, a cell that a spreadsheet
    would run as a formula (starting =, +, -, @) gets a leading '.

    \b
    Examples:
      supportbot report gaps
      supportbot report gaps --since 30d --format csv > gaps.csv
    """
    from supportbot.app import create_embedder
    from supportbot.evaluation.gaps import group_gaps
    from supportbot.store.gaps import find_gaps

    config = get_config(ctx)
    database = store_database(ctx, url, must_exist=True)  # a report reads: a mistyped --url is no new store
    try:
        found = find_gaps(database, time.time() - since)
    finally:
        database.close()
    groups = group_gaps(found, create_embedder(config).embed_documents, similarity) if found else []
    if output_format == "json":
        click.echo(json.dumps([group.to_dict() for group in groups], ensure_ascii=False, indent=2))
        return
    if output_format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["count", "example", "declined", "handed off", "rated down", "source"])
        for group in groups:
            reasons = group.reasons
            example, source = spreadsheet_text(group.example), spreadsheet_text(group.source)
            writer.writerow([group.count, example, reasons["declined"], reasons["handed off"], reasons["rated down"], source])
        return
    if not groups:
        click.echo("No declined, handed-off or thumbs-down questions in this period.")
        return
    click.echo(f"{'count':>5}  {'example question':<{EXAMPLE_WIDTH}}  {'why':<28}  source")
    for group in groups:
        example = one_line(group.example)  # customers' words, as stored: no escape sequence or line break reaches the terminal
        why = ", ".join(f"{reason} {n}" for reason, n in group.reasons.most_common())
        click.echo(f"{group.count:>5}  {fit(example, EXAMPLE_WIDTH)}  {why:<28}  {one_line(group.source) or '-'}")
    click.echo(f"{sum(g.count for g in groups)} question(s) in {len(groups)} group(s)")
