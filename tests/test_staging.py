"""Atomic writes: a failed write leaves the destination as it was and no staging debris."""

from __future__ import annotations

import os

import pytest

from supportbot.staging import staged_file


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_staged_file_replaces_the_target_when_the_block_succeeds(tmp_path):
    target = tmp_path / "cache" / "model.gguf"  # the folder does not exist yet
    with staged_file(target) as staging:
        assert staging.parent == target.parent and not target.exists()
        staging.write_bytes(b"GGUF new")
    assert target.read_bytes() == b"GGUF new"
    assert target.stat().st_mode & 0o777 == 0o666 & ~current_umask()
    assert [p.name for p in target.parent.iterdir()] == ["model.gguf"]


def test_staged_file_keeps_the_old_target_when_the_block_fails(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old report")
    with pytest.raises(RuntimeError), staged_file(target) as staging:
        staging.write_text("half a rep")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
