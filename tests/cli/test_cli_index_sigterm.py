"""`supportbot index build` stopped by SIGTERM (`kill PID`, `docker stop`) ends as Ctrl-C ends it.

It died of the signal (exit -15), and the multiprocessing resource tracker, outliving it, warned of leaked
semaphores; `finetune train` already turned SIGTERM into the stop Ctrl-C makes.
"""

from __future__ import annotations

import signal
from pathlib import Path

import test_cli_index_interrupt as interrupt
from test_cli_index_interrupt import STOPS_WITHIN, assert_previous_index_serves, processes_left

from supportbot.retrieval.index_store import live_build_id

build = interrupt.build  # the fixture of a build running over an index in use (previous_index: tests/cli/conftest.py)


def test_sigterm_stops_a_multi_worker_build_with_one_line_and_ctrl_cs_exit_status(build, previous_index: Path):
    before = live_build_id(previous_index)
    build.wait_for_embedded_chunks()
    build.process.send_signal(signal.SIGTERM)  # the parent only
    seconds = build.seconds_to_exit()
    assert seconds < STOPS_WITHIN, f"exited {seconds:.1f} s after SIGTERM:\n{build.stderr[-2000:]}"
    last_lines = build.stderr.rstrip().rsplit("\r", 1)[-1].splitlines()  # the progress bar redraws with \r
    assert build.process.returncode == 1 and last_lines[-1] == "Aborted!", build.stderr[-2000:]
    assert "resource_tracker" not in build.stderr and "Traceback" not in build.stderr, build.stderr[-2000:]
    assert processes_left(build.process.pid, within=2) == []
    assert_previous_index_serves(previous_index, before)
