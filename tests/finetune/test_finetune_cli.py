"""`supportbot finetune` commands and the bad inputs that must stop a run before any model loads."""

from __future__ import annotations

import json
import sys

import pytest
import torch
from click.testing import CliRunner

from supportbot.cli import main
from supportbot.config import Config
from supportbot.errors import FinetuneError, ModelLoadError
from supportbot.finetune.modeling import lora_config
from supportbot.finetune.tokenization import render_with_loss_marked
from supportbot.finetune.trainer import FinetuneRun, TrainRequest
from tests.finetune.conftest import conversation, sample_lines, write_lines

OTHER_BASE = "HuggingFaceTB/SmolLM2-360M-Instruct"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def test_train_on_malformed_data_names_file_and_line_and_does_not_start(tmp_path):
    data = write_lines(tmp_path / "bad.jsonl", [*sample_lines(0, 1), '{"messages": "hello"}'])
    result = run("finetune", "train", "--data", str(data), "--output", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert f"{data}:2: \"messages\" must be a non-empty list" in result.output
    assert not (tmp_path / "out").exists()


def test_existing_output_folder_is_refused_without_overwrite_or_resume(tmp_path):
    data = write_lines(tmp_path / "data.jsonl", sample_lines(0, 3))
    output = tmp_path / "out"
    output.mkdir()
    (output / "keep.txt").write_text("earlier run")
    result = run("finetune", "train", "--data", str(data), "--output", str(output))
    assert result.exit_code == 1 and "already exists: pass --overwrite to replace it or --resume" in result.output
    result = run("finetune", "train", "--data", str(data), "--output", str(output), "--resume")
    assert result.exit_code == 1 and "has no checkpoint/state.json to continue from" in result.output
    assert (output / "keep.txt").read_text() == "earlier run"


def test_validate_marks_loss_tokens_and_lists_malformed_lines(tmp_path):
    data = write_lines(tmp_path / "data.jsonl", [*sample_lines(0, 2), "not json", *sample_lines(0, 1), conversation(("user", "hello?"))])
    result = run("finetune", "validate", str(data), "--max-length", "64")
    assert result.exit_code == 1
    assert "[[" in result.output and "<|im_end|>\n]]" in result.output
    assert "conversations: 2 usable" in result.output
    assert "duplicate conversations (skipped): 1" in result.output
    assert "conversations without any assistant reply (skipped): 1" in result.output
    assert f"{data}:3: not valid JSON" in result.output
    assert "longer than max_length 64 (oldest turns dropped): 2" in result.output
    [summary] = [line for line in result.output.splitlines() if line.startswith("tokens per conversation: ")]
    figures = dict(part.split(" ") for part in summary.removeprefix("tokens per conversation: ").split(", "))
    assert list(figures) == ["min", "median", "p90", "p99", "max"]
    assert 0 < int(figures["min"]) <= int(figures["median"]) <= int(figures["p90"]) <= int(figures["p99"]) <= int(figures["max"])


def test_prepare_command_converts_a_csv(tmp_path):
    source = tmp_path / "tickets.csv"
    source.write_text("q,a\nWhere is my parcel?,Track it under Account > Orders.\n", encoding="utf-8")
    result = run("finetune", "prepare", str(source), "-o", str(tmp_path / "out.jsonl"), "--question-column", "q", "--answer-column", "a")
    assert result.exit_code == 0 and "wrote 1 conversations" in result.output
    assert json.loads((tmp_path / "out.jsonl").read_text())["messages"][1]["role"] == "assistant"


def test_prepare_command_stopped_by_a_bad_line_keeps_the_earlier_output(tmp_path):
    output = tmp_path / "out.jsonl"
    output.write_text('{"messages": "from the last good run"}\n', encoding="utf-8")
    faq = tmp_path / "faq.jsonl"
    faq.write_text('{"question": "Can I return shoes?", "answer": "Within 30 days."}\nnot json\n', encoding="utf-8")
    result = run("finetune", "prepare", str(faq), "-o", str(output))
    assert result.exit_code != 0 and f"{faq}:2" in result.output
    assert output.read_text(encoding="utf-8") == '{"messages": "from the last good run"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["faq.jsonl", "out.jsonl"]


def _fake_adapter(folder, base_model: str):
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}")
    (folder / "supportbot_adapter.json").write_text(json.dumps({"base_model": base_model, "chat_template": "x"}))
    return folder


def test_adapter_for_another_base_model_is_refused_by_merge_and_by_the_bot(tmp_path):
    from supportbot.generation.transformers_backend import TransformersGenerator

    adapter = _fake_adapter(tmp_path / "adapter", OTHER_BASE)
    result = run("finetune", "merge", "--adapter", str(adapter), "--output", str(tmp_path / "merged"))
    assert result.exit_code == 1
    assert f"trained on base model '{OTHER_BASE}', but model.name is 'bundled:smollm2-135m-instruct'" in result.output
    generator = TransformersGenerator("bundled:smollm2-135m-instruct", tmp_path / "cache", adapter=str(adapter))
    with pytest.raises(FinetuneError, match=f'set model.name = "{OTHER_BASE}"'):
        generator.warm_up()


def test_cuda_out_of_memory_names_the_knobs_to_turn(tmp_path, monkeypatch):
    def out_of_memory(self):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(FinetuneRun, "_run", out_of_memory)
    with pytest.raises(FinetuneError) as caught:
        FinetuneRun(Config(), TrainRequest(tmp_path / "d.jsonl", tmp_path / "out")).run()
    message = str(caught.value)
    for knob in ("finetune.batch_size (now 4", "gradient_accumulation_steps", "finetune.max_length (now 1024)", "finetune.gradient_checkpointing"):
        assert knob in message


def test_quantize_settings_and_the_qlora_configs():
    from supportbot.generation.quantization import nf4_config, use_4bit

    assert use_4bit("on", "finetune.quantize", "cpu") and use_4bit("auto", "finetune.quantize", "cpu")
    assert not use_4bit("off", "finetune.quantize", "cpu")
    quantization = nf4_config("cpu")
    assert (quantization.load_in_4bit, quantization.bnb_4bit_quant_type, quantization.bnb_4bit_use_double_quant) == (True, "nf4", True)
    assert quantization.bnb_4bit_compute_dtype == torch.float32 and nf4_config("cuda").bnb_4bit_compute_dtype == torch.bfloat16
    lora = lora_config(Config().finetune)
    assert (lora.r, lora.lora_alpha, lora.target_modules, lora.task_type) == (16, 32, "all-linear", "CAUSAL_LM")


def test_quantize_on_without_bitsandbytes_stops_before_anything_is_written(tmp_path, monkeypatch):
    for name in ("bitsandbytes", "bitsandbytes.functional"):
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    data = write_lines(tmp_path / "data.jsonl", sample_lines(0, 3))
    result = run("finetune", "train", "--data", str(data), "--output", str(tmp_path / "out"), "--quantize")
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line == (
        'error: finetune.quantize = "on" loads the model in 4-bit, but bitsandbytes is not installed: '
        'pip install "bitsandbytes>=0.50", or set finetune.quantize = "off"'
    )
    assert not (tmp_path / "out").exists()


def test_bitsandbytes_failing_on_this_cpu_falls_back_only_under_auto(monkeypatch, caplog):
    import bitsandbytes.functional

    from supportbot.generation.quantization import use_4bit

    def no_native_library(*args, **kwargs):
        raise RuntimeError("libbitsandbytes_cpu.so: cannot open shared object file")

    monkeypatch.setattr(bitsandbytes.functional, "quantize_4bit", no_native_library)
    with caplog.at_level("WARNING"):
        assert use_4bit("auto", "model.quantize", "cpu") is False
    assert 'bitsandbytes fails on this cpu (RuntimeError: libbitsandbytes_cpu.so' in caplog.text
    assert 'loading the model unquantized (model.quantize = "auto")' in caplog.text
    with pytest.raises(ModelLoadError, match='model.quantize = "on" loads the model in 4-bit, but bitsandbytes fails on this cpu'):
        use_4bit("on", "model.quantize", "cpu")


def test_prepare_command_names_a_file_that_is_not_utf8(tmp_path):
    faq = tmp_path / "faq.jsonl"
    faq.write_bytes('{"question": "Rückgabe?", "answer": "30 Tage."}\n'.encode("latin-1"))
    result = run("finetune", "prepare", str(faq), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == f"error: {faq}: not UTF-8 text (byte 0xfc at offset 15); re-save it as UTF-8"


def test_prepare_refuses_an_output_that_is_the_input(tmp_path):
    source = tmp_path / "qa.csv"
    source.write_text("question,answer\nHow long?,5 days\n", encoding="utf-8")
    result = run("finetune", "prepare", str(source), "-o", str(tmp_path / "." / "qa.csv"))
    assert result.exit_code == 2
    assert result.output.strip() == "error: --output is the input file: choose another path"
    assert source.read_text(encoding="utf-8") == "question,answer\nHow long?,5 days\n"


@pytest.mark.parametrize(
    ("name", "text", "skipped"),
    [
        ("badq.csv", 'question,answer\n"unterminated,5\n', "badq.csv:2: row skipped: no 'answer' field (a quote left open?)"),
        ("blank.csv", "question,answer\nHow long?,  \n", "blank.csv:2: row skipped: empty 'answer'"),
        ("empty.jsonl", "", None),
    ],
)
def test_prepare_with_nothing_usable_names_what_was_skipped_and_writes_nothing(tmp_path, name, text, skipped):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    result = run("finetune", "prepare", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1
    if skipped:
        assert f"{tmp_path}/{skipped}" in result.output
    assert result.output.strip().splitlines()[-1] == (
        f"error: {source}: no usable conversation (see the skipped lines above, if any); nothing written to {tmp_path / 'out.jsonl'}"
    )
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("lines", [[], [conversation(("user", "Is anyone there?"))]])
def test_validate_with_no_usable_conversation_exits_with_an_error(tmp_path, lines):
    data = write_lines(tmp_path / "data.jsonl", lines)
    result = run("finetune", "validate", str(data))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == f"error: {data}: no conversation with an assistant reply; there is nothing to learn from"


@pytest.mark.parametrize(
    "command",
    [("finetune", "validate"), ("finetune", "train", "--output", "out", "--data"), ("finetune", "eval", "--adapter", "adapter", "--data")],
)
def test_training_data_that_is_not_utf8_is_a_one_line_error_naming_file_and_line(tmp_path, command):
    data = tmp_path / "data.jsonl"
    latin1 = '{"messages": [{"role": "user", "content": "h\xe9"}, {"role": "assistant", "content": "Hi!"}]}'.encode("latin-1")
    data.write_bytes(sample_lines(0, 1)[0].encode() + b"\n" + latin1 + b"\n")
    result = run(*command, str(data))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {data}:2: not UTF-8 text (byte 0xe9 at column 45); re-save it as UTF-8"]


def test_prepare_into_a_path_under_a_file_is_a_one_line_error(tmp_path):
    source = tmp_path / "qa.csv"
    source.write_text("question,answer\nHow long?,5 days\n", encoding="utf-8")
    (tmp_path / "afile").write_text("not a folder")
    result = run("finetune", "prepare", str(source), "-o", str(tmp_path / "afile" / "x.jsonl"))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: cannot write under {tmp_path / 'afile'}: it is a file, not a folder; choose another path"]


def test_validate_says_a_folder_is_not_a_jsonl_file(tmp_path):
    (tmp_path / "ft").mkdir()
    result = run("finetune", "validate", str(tmp_path / "ft"))
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: training data {tmp_path / 'ft'} is a folder: pass a messages JSONL file (see `supportbot finetune prepare`)"
    )


@pytest.mark.parametrize("text", [f"[{sample_lines(0, 1)[0]}]\n", json.dumps([json.loads(sample_lines(0, 1)[0])], indent=2) + "\n"])
def test_validate_of_a_whole_file_json_array_says_one_object_per_line(tmp_path, text):
    data = tmp_path / "data.jsonl"
    data.write_text(text, encoding="utf-8")
    result = run("finetune", "validate", str(data))
    assert result.exit_code == 1
    assert f"{data}:1: " in result.output and "each line must be one JSON object" in result.output


def test_validate_prepare_and_train_agree_on_a_conversation_the_agent_opened(tmp_path, tokenizer):
    greeted = conversation(("assistant", "Hello! How can I help?"), ("user", "Where is my order?"), ("user", "It was due Monday."),
                           ("assistant", "It ships today."))
    data = write_lines(tmp_path / "data.jsonl", [greeted, conversation(("assistant", "Hello!"))])
    expected = [{"role": "user", "content": "Where is my order?\nIt was due Monday."}, {"role": "assistant", "content": "It ships today."}]

    validated = run("finetune", "validate", str(data))
    assert validated.exit_code == 0, validated.output
    assert "[[It ships today.<|im_end|>\n]]" in validated.output and "Hello" not in validated.output.split("tokens that carry loss")[1]
    assert f"{data}:1: dropped messages[0]: assistant turn(s) before any user turn" in validated.output
    assert f"{data}:2: dropped messages[0]: " in validated.output and "conversations without any assistant reply (skipped): 1" in validated.output
    assert "conversations with turns out of order (a greeting first dropped, turns in a row merged): 2" in validated.output

    prepared = run("finetune", "prepare", str(data), "-o", str(tmp_path / "out.jsonl"))
    assert prepared.exit_code == 0 and "wrote 1 conversations" in prepared.output
    assert [json.loads(line)["messages"] for line in (tmp_path / "out.jsonl").read_text().splitlines()] == [expected]

    config = Config()
    config.finetune.eval_split = 0
    training = FinetuneRun(config, TrainRequest(data, tmp_path / "adapter"))
    train, held_out, counts = training._read_data()  # what `finetune train` tokenizes before it loads the model
    [example], _ = training._tokenize(tokenizer, train, held_out, counts)
    assert (counts["without_assistant_skipped"], example.source) == (1, f"{data}:1")
    assert "Hello" not in tokenizer.decode(example.input_ids) and "[[It ships today.<|im_end|>\n]]" in render_with_loss_marked(tokenizer, example)
