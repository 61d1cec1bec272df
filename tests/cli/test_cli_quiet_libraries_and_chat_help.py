"""What the console shows besides the bot's own lines: no library's unattributed notice, and help that says what is printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import run_cli


def test_a_broken_pdf_is_named_once_by_the_bot_with_no_notice_of_pypdf_before_it(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hours.md").write_text("# Hours\n\nThe support team answers from 8am to 6pm on weekdays.\n", encoding="utf-8")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf\n")  # no xref, no %%EOF: pypdf logs "EOF marker not found"
    result = run_cli("index", "build", str(docs), "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    lines = [line for line in re.split(r"[\r\n]", result.stderr) if "EOF" in line or "broken.pdf" in line]
    assert len(lines) == 1 and f"skipped {docs / 'broken.pdf'}: not a readable PDF" in lines[0], result.stderr


@pytest.mark.slow
def test_chat_help_names_every_field_json_prints(sample_index_dir: Path):
    env = {"SUPPORTBOT_PATHS_INDEX_DIR": str(sample_index_dir), "SUPPORTBOT_MODEL_MAX_NEW_TOKENS": "8"}
    payload = json.loads(run_cli("chat", "-m", "Who won the football world cup in 1998?", "--json", env=env).stdout)
    help_text = " ".join(run_cli("chat", "--help").stdout.split())
    described = help_text[help_text.index("--json With --message"):].split("--conversation")[0]
    assert all(field in described for field in payload), (sorted(payload), described)
    for kind in ("grounded", "extractive", "generated", "approved", "fallback", "conversation", "handoff"):
        assert kind in described
