"""Atomic writes: a failed write leaves the destination as it was and no staging debris."""

from __future__ import annotations

import os

import pytest

from supportbot.staging import staged_file, staged_folder


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


def test_staged_folder_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "cache" / "nf4" / "model"
    with pytest.raises(RuntimeError), staged_folder(target) as staging:
        (staging / "config.json").write_text("{}")
        raise RuntimeError("interrupted while saving the weights")
    assert not target.exists() and list(target.parent.iterdir()) == []
    with staged_folder(target) as staging:
        (staging / "config.json").write_text('{"first": true}')
    assert (target / "config.json").read_text() == '{"first": true}'


def test_staged_folder_keeps_the_copy_another_process_finished_first(tmp_path):
    target = tmp_path / "model"
    with staged_folder(target) as staging:
        (staging / "config.json").write_text("ours")
        target.mkdir()
        (target / "config.json").write_text("theirs")
    assert (target / "config.json").read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
