"""Which files `index build FOLDER` reads when the folder holds symbolic links: each file once, linked folders too."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportbot.retrieval.loaders import discover_files
from tests.cli.cli_helpers import run_cli


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """docs/ with a page, a subfolder, and a folder outside it (shared/) linked in, as a team links a shared FAQ."""
    docs, shared = tmp_path / "docs", tmp_path / "shared"
    (docs / "returns").mkdir(parents=True)
    shared.mkdir()
    (docs / "shipping.md").write_text("# Shipping\n\nWe ship to Canada and Mexico in 5-9 business days.\n", encoding="utf-8")
    (docs / "returns" / "policy.md").write_text("# Returns\n\nReturn any item within 30 days.\n", encoding="utf-8")
    (shared / "warranty.md").write_text("# Warranty\n\nFurniture frames carry a 7-year warranty.\n", encoding="utf-8")
    (docs / "shared").symlink_to(shared)
    return docs


def names(folder: Path) -> list[str]:
    return [source.name for source in discover_files([str(folder)])]


def test_a_linked_folder_is_read_under_its_link_name(docs):
    assert names(docs) == ["returns/policy.md", "shared/warranty.md", "shipping.md"]


def test_a_link_back_up_the_tree_is_not_followed_round_and_round(docs):
    (docs / "returns" / "all").symlink_to(docs)
    (docs / "shared-again").symlink_to(docs / "shared")
    assert names(docs) == ["returns/policy.md", "shared/warranty.md", "shipping.md"]


def test_a_link_to_a_file_already_indexed_does_not_index_it_twice(docs):
    (docs / "a-shipping-alias.md").symlink_to(docs / "shipping.md")  # sorts first; the file keeps its own name
    (docs / "returns" / "warranty.md").symlink_to(docs / "shared" / "warranty.md")
    assert names(docs) == ["returns/policy.md", "shared/warranty.md", "shipping.md"]
    # Given by name as well as in its folder, a file is still one document.
    assert [s.name for s in discover_files([str(docs), str(docs / "returns" / "policy.md")])] == names(docs)


def test_index_build_warns_about_a_broken_link_and_indexes_a_linked_folder(docs, tmp_path):
    (docs / "old-faq.md").symlink_to(tmp_path / "moved-away.md")
    (docs / "archive").symlink_to(tmp_path / "gone")
    result = run_cli("index", "build", str(docs), "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    assert f"skipped {docs / 'old-faq.md'}: cannot read it (No such file or directory)" in result.stderr
    assert f"skipped {docs / 'archive'}: a link to {tmp_path / 'gone'}, which does not exist" in result.stderr
    info = run_cli("index", "info", "--index", str(tmp_path / "index"))
    assert "shared/warranty.md" in info.stdout and "old-faq.md" not in info.stdout
