"""Index folders as a user meets them through `supportbot`: damaged, missing, mistyped, or fed files that cannot be read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import run_cli

from supportbot.app import create_index_builder
from supportbot.config import Config
from supportbot.retrieval.index_store import live_build_id

QUESTION = "How long do refunds take?"
# A file root cannot read either: sysfs refuses to open a write-only attribute, whoever asks.
WRITE_ONLY_FILE = Path("/sys/bus/pci/rescan")


def error_line(result: subprocess.CompletedProcess) -> str:
    """The one line the user reads; a traceback or a second line fails the test."""
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def answer(index_dir: Path, question: str = QUESTION) -> dict:
    """One extractive answer (quoted sources, no chat model) from the index at index_dir."""
    env = {"SUPPORTBOT_BOT_ANSWER_MODE": "extractive"}
    result = run_cli("chat", "--index", str(index_dir), "--message", question, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def user_docs(tmp_path: Path) -> Path:
    docs = tmp_path / "d" / "ok"
    docs.mkdir(parents=True)
    (docs / "refunds.md").write_text("# Refunds\n\nRefunds take 5 business days.\n", encoding="utf-8")
    return docs


@pytest.fixture
def user_index(tmp_path: Path, user_docs: Path, embedder) -> Path:
    """The user's own index (one page on refunds), built by the real builder."""
    index_dir = tmp_path / "idxU"
    create_index_builder(Config(), embedder, show_progress=False).build([str(user_docs)], index_dir)
    return index_dir


@pytest.fixture
def sample_copy(tmp_path: Path, sample_index_dir: Path) -> Path:
    """A copy of the session's sample index, to damage."""
    return Path(shutil.copytree(sample_index_dir, tmp_path / "idx1"))


def live_file(index_dir: Path, name: str) -> Path:
    return index_dir / "builds" / live_build_id(index_dir) / name


class TestIndexWithoutValidCurrent:
    @pytest.mark.parametrize("current", [None, "20990101T000000-gone"])
    def test_chat_reports_it_and_keeps_the_users_build_instead_of_building_the_sample_over_it(
        self, user_index: Path, current: str | None
    ):
        build = user_index / "builds" / live_build_id(user_index)
        if current is None:
            (user_index / "CURRENT").unlink()
        else:
            (user_index / "CURRENT").write_text(current)
        # paths.index_dir set by the environment, as a deployment does: the path where a missing index is built.
        result = run_cli("chat", "--message", QUESTION, "--json", env={"SUPPORTBOT_PATHS_INDEX_DIR": str(user_index)})
        line = error_line(result)
        assert f"{user_index} holds builds but no valid CURRENT" in line and "supportbot index build" in line
        assert build.name in line  # the build to point CURRENT at
        assert [path.name for path in (user_index / "builds").iterdir()] == [build.name]
        (user_index / "CURRENT").write_text(build.name)
        assert "5 business days" in answer(user_index)["answer"]

    def test_chat_with_a_mistyped_index_is_an_error_naming_the_build_command(self, tmp_path: Path):
        line = error_line(run_cli("chat", "--index", str(tmp_path / "idxTypo"), "--message", QUESTION, "--json"))
        assert f"no index at {tmp_path / 'idxTypo'}" in line and "supportbot index build" in line
        assert not (tmp_path / "idxTypo").exists()

    def test_chat_does_not_build_an_index_into_a_folder_holding_other_files(self, tmp_path: Path, user_docs: Path):
        line = error_line(run_cli("chat", "--message", QUESTION, "--json", env={"SUPPORTBOT_PATHS_INDEX_DIR": str(user_docs)}))
        assert f"no index at {user_docs}" in line
        assert [path.name for path in user_docs.iterdir()] == ["refunds.md"]

    def test_a_rebuild_keeps_the_earlier_build_current_no_longer_named(self, user_index: Path, user_docs: Path):
        earlier = user_index / "builds" / live_build_id(user_index)
        (user_index / "CURRENT").unlink()
        result = run_cli("index", "build", str(user_docs), "--index", str(user_index), "--quiet")
        assert result.returncode == 0, result.stderr
        assert earlier.is_dir() and live_build_id(user_index) != earlier.name
        assert "kept 1 earlier build(s)" in result.stderr and earlier.name in result.stderr
        assert "5 business days" in answer(user_index)["answer"]


class TestIndexPathIsAFile:
    @pytest.mark.parametrize("index", ["afile", "afile/sub"])
    @pytest.mark.parametrize("command", [["index", "build", "DOCS", "--quiet"], ["index", "info"]])
    def test_is_a_one_line_error_and_the_file_is_untouched(self, tmp_path: Path, user_docs: Path, index: str, command: list[str]):
        (tmp_path / "afile").write_text("hi\n")
        args = [str(user_docs) if arg == "DOCS" else arg for arg in command]
        line = error_line(run_cli(*args, "--index", index))
        assert f"index path {index} " in line and "a file" in line
        assert (tmp_path / "afile").read_text() == "hi\n"


def _cut(size: int):
    def cut(path: Path) -> None:
        path.write_bytes(path.read_bytes()[:size])

    return cut


def _half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGES = {
    "chunks.jsonl": _half,
    "index.faiss": _cut(1024),
    "manifest.json": lambda path: path.write_text('{"embedding_model": '),
    "vectors.npy": _cut(100),
    "questions.faiss": Path.unlink,
}


class TestDamagedIndex:
    @pytest.mark.parametrize("name", sorted(DAMAGES))
    def test_chat_names_the_damaged_file_and_the_fix(self, sample_copy: Path, name: str):
        DAMAGES[name](live_file(sample_copy, name))
        line = error_line(run_cli("chat", "--index", str(sample_copy), "--message", QUESTION, "--json"))
        assert f"index at {sample_copy} is damaged ({name}: " in line and "supportbot index build" in line

    def test_a_rebuild_over_a_damaged_index_re_embeds_everything(self, user_index: Path, user_docs: Path):
        DAMAGES["vectors.npy"](live_file(user_index, "vectors.npy"))
        result = run_cli("index", "build", str(user_docs), "--index", str(user_index), "--quiet")
        assert result.returncode == 0, result.stderr
        assert "re-embedding everything" in result.stderr and "1 embedded, 0 unchanged" in result.stdout
        assert "5 business days" in answer(user_index)["answer"]

    def test_index_info_names_a_damaged_manifest(self, sample_copy: Path):
        DAMAGES["manifest.json"](live_file(sample_copy, "manifest.json"))
        line = error_line(run_cli("index", "info", "--index", str(sample_copy)))
        assert f"index at {sample_copy} is damaged (manifest.json: not valid JSON" in line

    def test_a_manifest_key_from_a_newer_version_is_ignored(self, sample_copy: Path):
        # An added field describes the same vectors (as document_prompt once did); incompatible changes raise `version`.
        manifest = live_file(sample_copy, "manifest.json")
        manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "added_later": True}))
        result = run_cli("index", "info", "--index", str(sample_copy))
        assert result.returncode == 0 and json.loads(result.stdout)["counts"]["chunks"] > 0, result.stderr
        assert "5-7 business days" in answer(sample_copy)["answer"]


class TestUnreadableDocs:
    def test_an_unreadable_file_is_skipped_with_a_warning_and_the_rest_indexed(self, tmp_path: Path, user_docs: Path):
        locked = user_docs / "locked.md"
        if os.geteuid() != 0:
            locked.write_text("# Locked\n\nNobody reads this.\n")
            locked.chmod(0)
        elif WRITE_ONLY_FILE.exists():
            locked.symlink_to(WRITE_ONLY_FILE)
        else:
            pytest.skip("running as root with no write-only sysfs file to stand for an unreadable one")
        result = run_cli("index", "build", str(user_docs), "--index", str(tmp_path / "idx"), "--quiet")
        assert result.returncode == 0, result.stderr
        assert f"skipped {locked}: cannot read it (Permission denied)" in result.stderr
        assert "indexed 1 files" in result.stdout and "1 warnings" in result.stdout
        assert "5 business days" in answer(tmp_path / "idx")["answer"]

    def test_a_named_pipe_given_as_a_docs_path_is_skipped_with_a_warning(self, tmp_path: Path, user_docs: Path):
        fifo = tmp_path / "d" / "fifo.md"
        os.mkfifo(fifo)
        result = run_cli("index", "build", str(user_docs), str(fifo), "--index", str(tmp_path / "idx"), "--quiet", timeout=120)
        assert result.returncode == 0, result.stderr
        assert f"skipped {fifo}: not a regular file or folder" in result.stderr
        assert "indexed 1 files" in result.stdout


class TestFaqAndEmptyFiles:
    def test_two_faq_entries_with_one_id_are_two_documents_each_answered_under_its_own_question(self, tmp_path: Path):
        docs = tmp_path / "faq"
        docs.mkdir()
        (docs / "faq.jsonl").write_text(
            json.dumps({"id": "f1", "question": "Do you ship to Canada?", "answer": "Yes, we ship to Canada in 7 days."}) + "\n"
            + json.dumps({"id": "f1", "question": "Duplicate id question?", "answer": "Duplicate id answer."}) + "\n",
            encoding="utf-8",
        )
        index_dir = tmp_path / "idxfaq"
        result = run_cli("index", "build", str(docs), "--index", str(index_dir), "--quiet")
        assert result.returncode == 0, result.stderr
        assert f'{docs / "faq.jsonl"}:2: id "f1" is already used on line 1; indexed as "f1-line2"' in result.stderr
        assert "2 documents, 2 chunks" in result.stdout
        info = run_cli("index", "info", "--index", str(index_dir))
        assert json.loads(info.stdout)["sources"]["faq.jsonl"]["documents"] == 2, info.stderr
        reply = answer(index_dir, "Duplicate id question?")
        assert "Duplicate id answer." in reply["answer"]
        assert [(s["id"], s["title"]) for s in reply["sources"]][:1] == [("faq.jsonl#f1-line2", "Duplicate id question?")]

    def test_an_empty_file_is_skipped_with_a_warning_and_not_counted(self, tmp_path: Path, user_docs: Path):
        (user_docs / "empty.md").write_text("", encoding="utf-8")
        (user_docs / "blank.txt").write_text("  \n\n", encoding="utf-8")
        result = run_cli("index", "build", str(user_docs), "--index", str(tmp_path / "idx"), "--quiet")
        assert result.returncode == 0, result.stderr
        assert f"skipped {user_docs / 'empty.md'}: the file is empty (or only whitespace)" in result.stderr
        assert f"skipped {user_docs / 'blank.txt'}: the file is empty (or only whitespace)" in result.stderr
        assert "indexed 1 files" in result.stdout and "2 warnings" in result.stdout
