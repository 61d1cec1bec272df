"""Adapter and merged-model folders: an interrupted or failed `--overwrite` leaves the earlier output whole, and the
weights are as readable as the other files."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from supportbot.cli import main
from tests.finetune.conftest import sample_lines, write_lines

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE = "bundled:smollm2-135m-instruct"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def earlier_output(folder: Path) -> dict[str, bytes]:
    """A folder standing for an earlier run's result."""
    (folder / "checkpoint").mkdir(parents=True)
    (folder / "adapter_model.safetensors").write_bytes(b"earlier weights")
    (folder / "config.json").write_text('{"earlier": true}')
    (folder / "checkpoint" / "state.json").write_text('{"step": 3}')
    return snapshot(folder)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def listing(folder: Path) -> list[str]:
    """What is in `folder`, less the data dir every test gets."""
    return sorted(p.name for p in folder.iterdir() if p.name != "data")


@pytest.fixture(scope="module")
def adapter(tmp_path_factory, bundled_model_dir, tokenizer) -> Path:
    """A real (untrained) LoRA adapter on the bundled model, saved as `finetune train` saves one."""
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM

    from supportbot.adapters import AdapterInfo
    from supportbot.config import Config
    from supportbot.finetune.adapter import save_adapter
    from supportbot.finetune.modeling import lora_config

    settings = Config().finetune
    settings.lora_r, settings.lora_target_modules = 2, ["q_proj"]
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(bundled_model_dir), lora_config(settings))
    folder = tmp_path_factory.mktemp("adapter") / "adapter"
    save_adapter(model, tokenizer, folder, AdapterInfo(BASE, tokenizer.chat_template))
    return folder


def test_adapter_and_merged_weights_get_the_same_mode_as_the_other_files(adapter, tmp_path):
    expected = 0o666 & ~current_umask()
    assert (adapter / "adapter_model.safetensors").stat().st_mode & 0o777 == expected
    result = CliRunner().invoke(main, ["finetune", "merge", "--adapter", str(adapter), "--output", str(tmp_path / "m1")])
    assert result.exit_code == 0, result.output
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "m1").iterdir()}
    assert modes["model.safetensors"] == modes["config.json"] == expected
    assert (tmp_path / "m1").stat().st_mode & 0o777 == 0o777 & ~current_umask()


def test_merge_that_fails_after_writing_the_weights_keeps_the_earlier_merged_model(adapter, tmp_path):
    broken = tmp_path / "adapter"  # no tokenizer files: the merge fails after writing model.safetensors
    broken.mkdir()
    for name in ("adapter_config.json", "adapter_model.safetensors", "supportbot_adapter.json"):
        shutil.copy(adapter / name, broken / name)
    output = tmp_path / "m1"
    before = earlier_output(output)
    result = CliRunner().invoke(main, ["finetune", "merge", "--adapter", str(broken), "--output", str(output), "--overwrite"])
    assert result.exit_code != 0
    assert snapshot(output) == before
    assert listing(tmp_path) == ["adapter", "m1"]  # no staging debris


def _read_into(stream, sink: list[str]) -> None:
    sink.extend(iter(lambda: stream.read(1), ""))


def _train(data: Path, output: Path, *extra: str, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-m", "supportbot", "finetune", "train", "--data", str(data), "--output", str(output),
               "--max-length", "64", "--batch-size", "1", "--no-quantize", "--eval-split", "0", *extra]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "SUPPORTBOT_MODEL_DEVICE": "cpu", "SUPPORTBOT_MODEL_THREADS": "1"}
    return subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


@pytest.mark.slow
def test_overwrite_stopped_by_sigterm_keeps_the_earlier_adapter_and_resumes_into_its_place(tmp_path):
    data = write_lines(tmp_path / "d20.jsonl", sample_lines(0, 20))
    output = tmp_path / "ad1"
    before = earlier_output(output)

    process = _train(data, output, "--max-steps", "400", "--overwrite")
    seen: list[str] = []
    threading.Thread(target=_read_into, args=(process.stderr, seen), daemon=True).start()
    deadline = time.monotonic() + 180
    while not re.search(r"\| *[1-9]\d*/400", "".join(seen)) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert re.search(r"\| *[1-9]\d*/400", "".join(seen)), f"training never started: {''.join(seen)[-1000:]}"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=120)
    time.sleep(0.5)
    stopped = re.search(r"error: interrupted at step (\d+): continue with --resume", "".join(seen))
    assert process.returncode == 1 and stopped, "".join(seen)[-1000:]
    assert snapshot(output) == before  # the earlier adapter is whole

    step = int(stopped.group(1))
    resumed = _train(data, output, "--max-steps", str(step + 1), "--resume")
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err[-2000:]
    report = json.loads((output / "train_report.json").read_text())
    assert (report["stopped"], report["steps"]) == ("finished", step + 1)
    assert (output / "adapter_model.safetensors").read_bytes() != before["adapter_model.safetensors"]
    assert not (output / "config.json").exists()  # nothing of the earlier run is mixed in
    assert listing(tmp_path) == ["ad1", "d20.jsonl"]  # no staging debris
