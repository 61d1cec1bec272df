"""Two `supportbot index build` runs into one index folder take turns: the second builds on the first's result."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from supportbot.retrieval.index_store import live_build_id, read_manifest


def docs(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        (folder / f"{name}.md").write_text(f"# {name.title()}\n\nAll about {name}: they take 5 business days.\n", encoding="utf-8")
    return folder


class Build:
    """`supportbot index build SOURCE --index INDEX_DIR` running in a process of its own; stderr read as it comes."""

    def __init__(self, source: Path, index_dir: Path) -> None:
        command = [sys.executable, "-m", "supportbot", "index", "build", str(source), "--index", str(index_dir), "--quiet"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
        self.err: list[str] = []
        self._reader = threading.Thread(target=lambda: self.err.extend(self.process.stderr), daemon=True)
        self._reader.start()

    def wait_for_stderr(self, text: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.err):
            assert self.process.poll() is None and time.monotonic() < deadline, "".join(self.err)
            time.sleep(0.05)

    def finish(self) -> tuple[str, str]:
        out = self.process.stdout.read()
        self.process.wait(timeout=300)
        self._reader.join()
        assert self.process.returncode == 0, "".join(self.err)
        return out, "".join(self.err)


@pytest.mark.slow
def test_a_build_started_while_another_runs_waits_says_so_and_counts_against_the_first_ones_index(tmp_path: Path):
    index_dir = tmp_path / "index"
    Build(docs(tmp_path / "a", "refunds", "shipping"), index_dir).finish()
    with (index_dir / "build.lock").open("a+") as running:  # a build running meanwhile, held still by this test
        fcntl.flock(running, fcntl.LOCK_EX)
        running.truncate(0)
        running.write("4242")
        running.flush()
        second = Build(docs(tmp_path / "b", "refunds", "warranty"), index_dir)
        second.wait_for_stderr("waiting for another build")
        time.sleep(1)
        assert second.process.poll() is None  # it waits: it does not build on the index as it stands
    out, err = second.finish()
    assert f"waiting for another build of {index_dir} to finish (process 4242); Ctrl-C stops waiting" in err
    assert "indexed 2 files (1 embedded, 1 unchanged, 1 removed" in out
    assert sorted(read_manifest(index_dir).sources) == ["refunds.md", "warranty.md"]


@pytest.mark.slow
def test_two_builds_started_together_both_end_as_their_reports_say(tmp_path: Path):
    """The fuzzer's case: both counted against the index before either, so the second said "0 removed" while it
    dropped the first's new file."""
    index_dir = tmp_path / "index"
    Build(docs(tmp_path / "base", "refunds"), index_dir).finish()
    sources = {"shipping": docs(tmp_path / "a", "refunds", "shipping"), "warranty": docs(tmp_path / "b", "refunds", "warranty")}
    builds = {name: Build(source, index_dir) for name, source in sources.items()}
    reports = {name: build.finish()[0] for name, build in builds.items()}
    assert sum("(1 embedded, 1 unchanged, 0 removed" in report for report in reports.values()) == 1  # the first, on the base
    (second,) = [name for name, report in reports.items() if "(1 embedded, 1 unchanged, 1 removed" in report]
    assert sorted(read_manifest(index_dir).sources) == sorted(["refunds.md", f"{second}.md"])
    assert [path.name for path in (index_dir / "builds").iterdir()] == [live_build_id(index_dir)]


@pytest.mark.slow
def test_a_build_that_died_holding_the_lock_blocks_no_one(tmp_path: Path):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    hold = "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(600)"
    crashed = subprocess.Popen([sys.executable, "-c", hold, str(index_dir / "build.lock")], stdout=subprocess.PIPE, text=True)
    assert crashed.stdout.readline().strip() == "held"
    crashed.kill()  # as a build killed with -9, or one on a machine that lost power, leaves it
    crashed.wait()
    out, err = Build(docs(tmp_path / "a", "refunds"), index_dir).finish()
    assert "waiting" not in err and "indexed 1 files" in out
