"""`supportbot conversations export -o -` as an operator pipes it: "-" is standard output, as in most tools."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from supportbot.store import ConversationStore


def export(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "supportbot", "conversations", "export", *args],
        check=False, capture_output=True, text=True, timeout=120, cwd=cwd, env=dict(os.environ),
    )


@pytest.fixture
def exported_store(tmp_path: Path) -> str:
    """A store with one grounded answer read to the end and one the reader stopped."""
    url = f"sqlite:///{tmp_path / 'store' / 'c.sqlite3'}"
    store = ConversationStore(url)
    store.add_message("web", "w1", "user", "How long do refunds take?")
    store.add_message("web", "w1", "assistant", "Refunds take 5-7 business days [1].", kind="grounded")
    store.add_message("web", "w1", "user", "And exchanges?")
    store.add_message("web", "w1", "assistant", "Exchanges", kind="grounded", interrupted=True)
    store.close()
    return url


def _lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.mark.parametrize("to_stdout", [["-o", "-"], ["--output", "-"], ["--output=-"], []])
def test_export_to_dash_or_without_output_writes_to_standard_output_and_makes_no_file(tmp_path: Path, exported_store: str, to_stdout):
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = export("--since", "1d", *to_stdout, "--url", exported_store, cwd=workdir)
    assert result.returncode == 0, result.stderr
    (line,) = _lines(result.stdout)
    assert line["supportbot"]["answer_kinds"] == ["grounded", "grounded (interrupted)"]
    assert result.stderr.strip() == "exported 1 conversation(s)"  # the count on stderr, out of the pipe
    assert list(workdir.iterdir()) == []  # no file named "-"


def test_export_to_a_file_named_dash_is_written_as_dot_slash_dash(tmp_path: Path, exported_store: str):
    result = export("-o", "./-", "--url", exported_store, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "", result.stderr
    assert result.stderr.strip().startswith("exported 1 conversation(s) to ")
    assert _lines((tmp_path / "-").read_text())[0]["messages"][0]["content"] == "How long do refunds take?"
