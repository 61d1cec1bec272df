"""`supportbot chat` over a help center of one page: the answer's one source is listed with the best score, not 0.00.

Weighted fusion min-max normalises each side over the candidates; a lone candidate had nothing to spread over and got
0 (retrieval/hybrid.py min_max), whatever its cosine (0.88 here).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run_cli

pytestmark = pytest.mark.slow


def test_chat_shows_the_one_source_with_the_best_score_not_zero(refunds_page_index: Path):
    env = {"SUPPORTBOT_PATHS_INDEX_DIR": str(refunds_page_index), "SUPPORTBOT_BOT_ANSWER_MODE": "extractive"}
    shown = run_cli("chat", "--message", "How long do refunds take?", env=env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-2:] == ["Sources:", "  [1] Refunds - refunds.md (score 1.00)"], shown.stdout
    as_json = json.loads(run_cli("chat", "--message", "How long do refunds take?", "--json", env=env).stdout)
    assert [source["score"] for source in as_json["sources"]] == [1.0]
