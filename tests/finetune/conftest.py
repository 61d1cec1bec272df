"""Fine-tuning fixtures: the bundled model's tokenizer and small training files cut from the sample dialogues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SAMPLE_DIALOGUES = Path(__file__).resolve().parents[2] / "supportbot" / "sample_data" / "dialogues.jsonl"


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
    return path


def sample_lines(start: int, count: int) -> list[str]:
    return SAMPLE_DIALOGUES.read_text(encoding="utf-8").splitlines()[start : start + count]


def conversation(*turns: tuple[str, str]) -> str:
    return json.dumps({"messages": [{"role": role, "content": content} for role, content in turns]})


@pytest.fixture(scope="session")
def bundled_model_dir() -> str:
    from supportbot.config import Config
    from supportbot.model_sources import transformers_model_dir

    return transformers_model_dir("bundled:smollm2-135m-instruct", Config().paths.cache_path())


@pytest.fixture(scope="session")
def tokenizer(bundled_model_dir):
    from supportbot.finetune.modeling import load_tokenizer

    return load_tokenizer(bundled_model_dir)
