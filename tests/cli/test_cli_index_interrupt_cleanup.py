"""`supportbot index build` stopped while it writes the new build leaves nothing of it behind.

Ctrl-C or SIGTERM then left builds/.<id>.partial (the chunks and vectors written so far) in the index folder until
the next build deleted it. A build killed outright (SIGKILL) cannot clean up: the next build still does.

The build stops itself (SIGSTOP) as it opens the new build's vectors.npy, so that the signal the test sends lands
while the build is being written, not before it or after: writing a small build takes milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import run_cli
from test_cli_index_interrupt import assert_previous_index_serves

from supportbot.retrieval.index_store import live_build_id, load_index

STOPPED_WHILE_WRITING = """
import os, runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal's foreground (test_cli_index_interrupt)

def stop_while_writing(event, args):
    if event == "open" and str(args[0]).endswith(".partial/vectors.npy"):
        os.kill(os.getpid(), signal.SIGSTOP)

sys.addaudithook(stop_while_writing)
runpy.run_module("supportbot", run_name="__main__")
"""


def _stopped(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


class BuildStoppedWhileWriting:
    """`supportbot index build` in a session of its own, stopped with its new build half written."""

    def __init__(self, docs: Path, index_dir: Path) -> None:
        command = [sys.executable, "-c", STOPPED_WHILE_WRITING, "index", "build", str(docs), "--index", str(index_dir), "--quiet"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.monotonic() + 120
        while not _stopped(self.process.pid):
            if self.process.poll() is not None:
                pytest.fail(f"the build ended before it wrote its vectors:\n{self.process.stderr.read()}")
            assert time.monotonic() < deadline, "the build did not reach its vectors within 120 s"
            time.sleep(0.05)

    def resume(self, signum: int, group: bool) -> str:
        """Send `signum` (to the whole group, as a terminal sends Ctrl-C, or to the build alone), let it go on, and
        return its error output once it has exited."""
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGCONT)
        _, stderr = self.process.communicate(timeout=60)
        return stderr

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def _unfinished_builds(index_dir: Path) -> list[str]:
    return sorted(path.name for path in (index_dir / "builds").iterdir() if path.name.startswith("."))


@pytest.fixture
def build(tmp_path: Path, previous_index: Path):
    docs = tmp_path / "new-docs"
    docs.mkdir()
    (docs / "shipping.md").write_text("# Shipping\n\nOrders ship within 2 business days.\n", encoding="utf-8")
    stopped = BuildStoppedWhileWriting(docs, previous_index)
    yield stopped
    stopped.kill()


@pytest.mark.parametrize(("signum", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)], ids=["ctrl-c", "sigterm"])
def test_a_build_stopped_while_writing_deletes_what_it_wrote_and_keeps_the_previous_index(build, previous_index, signum, group):
    before = live_build_id(previous_index)
    assert len(_unfinished_builds(previous_index)) == 1  # stopped with its build half written
    stderr = build.resume(signum, group)
    assert build.process.returncode == 1 and stderr.rstrip().endswith("Aborted!"), stderr
    assert "Traceback" not in stderr, stderr
    assert sorted(path.name for path in (previous_index / "builds").iterdir()) == [before]
    assert_previous_index_serves(previous_index, before)


def test_a_build_killed_outright_leaves_its_partial_folder_to_the_next_build(build, previous_index, tmp_path):
    before = live_build_id(previous_index)
    build.resume(signal.SIGKILL, group=True)
    assert len(_unfinished_builds(previous_index)) == 1
    assert_previous_index_serves(previous_index, before)
    result = run_cli("index", "build", str(tmp_path / "new-docs"), "--index", str(previous_index), "--quiet")
    assert result.returncode == 0, result.stderr
    assert _unfinished_builds(previous_index) == [] and sorted(os.listdir(previous_index / "builds")) == [live_build_id(previous_index)]
    assert [Path(chunk.path).name for chunk in load_index(previous_index).chunks] == ["shipping.md"]
