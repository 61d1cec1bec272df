"""A page whose front matter is not valid YAML: skipped with one warning line naming the file and the line."""

from __future__ import annotations

from pathlib import Path

from supportbot.retrieval.loaders import SourceFile, load_file


def test_bad_front_matter_is_one_warning_line_with_the_files_line(tmp_path: Path):
    page = tmp_path / "warranty.md"
    page.write_text("---\nurl: /warranty\ntitle: [unclosed\n---\n# Warranty\n\nFrames carry a 7-year warranty.\n", encoding="utf-8")
    [warning] = load_file(SourceFile(page, "warranty.md")).warnings
    assert warning == (
        f"skipped {page}: its front matter is not valid YAML "
        "(line 3: while parsing a flow sequence, expected ',' or ']', but got '<stream end>')"
    )
