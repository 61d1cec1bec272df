"""`supportbot index build` with embedding workers, stopped by Ctrl-C or `kill`: it stops at once and leaves nothing running."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from supportbot.retrieval.index_store import live_build_id, load_index

# ~1,200 chunks: on 2 cores the workers need well over STOPS_WITHIN to embed what is left when the signal comes.
BIG_PAGE = "Loyalty points are worth one cent each. " * 25000
STOPS_WITHIN = 5.0


def group_processes(group: int) -> list[str]:
    """Live processes of the build's process group (a zombie holds nothing: left out)."""
    listing = subprocess.run(["ps", "-e", "-o", "pgid=,stat=,pid=,args="], capture_output=True, text=True, check=True).stdout
    rows = (line.split(None, 3) for line in listing.splitlines())
    return [" ".join(row) for row in rows if len(row) > 2 and row[0] == str(group) and not row[1].startswith("Z")]


def processes_left(group: int, within: float) -> list[str]:
    deadline = time.monotonic() + within
    while (left := group_processes(group)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


# Ctrl-C interrupts, as in a terminal's foreground: a test run started in the background (nohup, CI) ignores SIGINT, and a
# child inherits that and would never see the signal.
AS_IN_A_TERMINAL = "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); runpy.run_module('supportbot', run_name='__main__')"


class RunningBuild:
    """`supportbot index build --workers 2` in a session of its own, as a terminal or a container runs it."""

    def __init__(self, docs: Path, index_dir: Path) -> None:
        command = [sys.executable, "-c", AS_IN_A_TERMINAL, "index", "build", str(docs), "--index", str(index_dir), "--workers", "2"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.stderr = ""
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stderr(self) -> None:
        for piece in iter(lambda: os.read(self.process.stderr.fileno(), 4096), b""):
            self.stderr += piece.decode(errors="replace")

    def wait_for_embedded_chunks(self, timeout: float = 120) -> None:
        """Until the bar has moved: the workers are up and embedding."""
        deadline = time.monotonic() + timeout
        while not re.search(r"embedding chunks:.*?\b[1-9]\d*/\d+", self.stderr):
            assert self.process.poll() is None and time.monotonic() < deadline, self.stderr
            time.sleep(0.1)

    def seconds_to_exit(self, timeout: float = 120) -> float:
        start = time.monotonic()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        return time.monotonic() - start

    def kill_group(self) -> None:
        """Whatever a failed test left running."""
        if group_processes(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def build(tmp_path: Path, previous_index: Path):
    docs = tmp_path / "new-docs"
    docs.mkdir()
    (docs / "loyalty.txt").write_text(BIG_PAGE, encoding="utf-8")
    running = RunningBuild(docs, previous_index)
    yield running
    running.kill_group()


def assert_previous_index_serves(index_dir: Path, build_id: str) -> None:
    assert live_build_id(index_dir) == build_id
    assert [Path(chunk.path).name for chunk in load_index(index_dir).chunks] == ["refunds.md"]


def test_ctrl_c_stops_a_multi_worker_build_at_once_and_keeps_the_previous_index(build, previous_index: Path):
    before = live_build_id(previous_index)
    build.wait_for_embedded_chunks()
    os.killpg(build.process.pid, signal.SIGINT)  # as a terminal sends Ctrl-C: to every process of the group
    seconds = build.seconds_to_exit()
    assert seconds < STOPS_WITHIN, f"exited {seconds:.1f} s after Ctrl-C:\n{build.stderr[-2000:]}"
    assert build.process.returncode == 1 and "Aborted!" in build.stderr
    assert processes_left(build.process.pid, within=2) == []
    assert_previous_index_serves(previous_index, before)


def test_kill_of_the_build_alone_ends_its_workers_and_keeps_the_previous_index(build, previous_index: Path):
    before = live_build_id(previous_index)
    build.wait_for_embedded_chunks()
    build.process.send_signal(signal.SIGTERM)  # `kill PID`, `docker stop`: the parent only
    build.seconds_to_exit()
    assert processes_left(build.process.pid, within=STOPS_WITHIN) == []
    assert_previous_index_serves(previous_index, before)
