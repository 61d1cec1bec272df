"""Fixtures of the CLI tests that more than one file uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportbot.app import create_index_builder
from supportbot.config import Config


@pytest.fixture
def previous_index(tmp_path: Path, embedder) -> Path:
    """An index already in use, built from one page."""
    docs = tmp_path / "old-docs"
    docs.mkdir()
    (docs / "refunds.md").write_text("# Refunds\n\nRefunds take 5 business days.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], index_dir)
    return index_dir
