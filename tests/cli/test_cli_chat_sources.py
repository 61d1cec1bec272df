"""`supportbot chat` over a help center of one page: the answer's one source is listed with the best score, not 0.00.

Weighted fusion min-max normalises each side over the candidates; a lone candidate had nothing to spread over and got
0 (retrieval/hybrid.py min_max), whatever its cosine (0.88 here).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run_cli

from supportbot.app import create_index_builder
from supportbot.config import Config

pytestmark = pytest.mark.slow
REFUNDS = "# Refunds\n\nRefunds take 5-7 business days after we receive your return.\n"


@pytest.fixture
def one_page_index(tmp_path: Path, embedder) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "refunds.md").write_text(REFUNDS, encoding="utf-8")
    create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
    return tmp_path / "index"


def test_chat_shows_the_one_source_with_the_best_score_not_zero(one_page_index: Path):
    env = {"SUPPORTBOT_PATHS_INDEX_DIR": str(one_page_index), "SUPPORTBOT_BOT_ANSWER_MODE": "extractive"}
    shown = run_cli("chat", "--message", "How long do refunds take?", env=env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-2:] == ["Sources:", "  [1] Refunds - refunds.md (score 1.00)"], shown.stdout
    as_json = json.loads(run_cli("chat", "--message", "How long do refunds take?", "--json", env=env).stdout)
    assert [source["score"] for source in as_json["sources"]] == [1.0]
