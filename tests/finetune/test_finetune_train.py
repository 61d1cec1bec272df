"""QLoRA on the bundled SmolLM2 for a few steps on CPU: training on a 4-bit base, the adapter folder, serving it
in 4-bit (transformers) and on llama.cpp, merging, resuming."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from supportbot.config import Config
from supportbot.errors import FinetuneError
from supportbot.finetune.trainer import CHECKPOINT_DIR, TrainRequest, train
from tests.finetune.conftest import sample_lines, write_lines

pytestmark = pytest.mark.slow

STEPS = 4  # 4 training conversations in batches of 2: two epochs, an evaluation after each
LINEAR_LAYERS = 30 * 7  # SmolLM2-135M: 30 decoder layers of q, k, v, o, gate, up and down projections


def small_config() -> Config:
    """finetune.quantize stays "auto": with bitsandbytes installed, that is QLoRA on this CPU."""
    config = Config()
    config.model.device, config.model.threads = "cpu", 1
    ft = config.finetune
    ft.max_length, ft.batch_size, ft.max_steps = 48, 2, STEPS
    ft.learning_rate, ft.warmup_ratio, ft.lr_scheduler = 2e-3, 0.0, "constant"
    ft.gradient_checkpointing, ft.lora_r = False, 8
    return config


@pytest.fixture(scope="module")
def data_files(tmp_path_factory) -> tuple[Path, Path]:
    """Training and held-out conversations; the held-out ones carry their reply as their source, as `prepare --context` writes sources."""
    folder = tmp_path_factory.mktemp("finetune-data")
    held_out = [json.loads(line) for line in sample_lines(10, 2)]
    with_sources = [json.dumps({**r, "sources": [{"id": "faq.jsonl#1", "text": r["messages"][-1]["content"]}]}) for r in held_out]
    return write_lines(folder / "train.jsonl", sample_lines(0, 4)), write_lines(folder / "eval.jsonl", with_sources)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_files) -> tuple[Path, dict]:
    """One uninterrupted run, shared by the tests that only read its output."""
    output = tmp_path_factory.mktemp("run") / "adapter"
    report = train(small_config(), TrainRequest(data_files[0], output, eval_data=data_files[1], show_progress=False))
    return output, report


def _logits(model, input_ids):
    with torch.no_grad():
        return model(input_ids=input_ids).logits


@pytest.fixture(scope="module")
def served(trained):
    """The adapter as the bot serves it by default: on the base loaded in 4-bit, because it was trained on one."""
    from supportbot.generation.transformers_backend import load_chat_model

    tokenizer, model, _ = load_chat_model("bundled:smollm2-135m-instruct", Config().paths.cache_path(), "cpu", trained[0], "auto")
    return tokenizer, model


@pytest.fixture(scope="module")
def base_and_adapted(served):
    input_ids = torch.tensor([[1, 9690, 198, 19556, 314, 957, 1978, 47, 2]])
    model = served[1]
    with model.disable_adapter():
        base_logits = _logits(model, input_ids)
    return input_ids, base_logits, _logits(model, input_ids), model


def test_training_lowers_loss_on_the_training_batch(trained, data_files, base_and_adapted, tokenizer):
    from supportbot.finetune.data import load_conversations
    from supportbot.finetune.evaluate import mean_loss
    from supportbot.finetune.tokenization import tokenize_all

    adapted = base_and_adapted[3]
    examples = tokenize_all(tokenizer, load_conversations(data_files[0]).conversations, 48)
    with adapted.disable_adapter():
        before = mean_loss(adapted, examples, tokenizer.pad_token_id, 2, "cpu")
    after = mean_loss(adapted, examples, tokenizer.pad_token_id, 2, "cpu")
    assert after < before - 0.2, (before, after)


def test_output_folder_holds_adapter_report_curve_and_template(trained, tokenizer):
    output, report = trained
    for name in ("adapter_config.json", "adapter_model.safetensors", "train_report.json", "supportbot_adapter.json"):
        assert (output / name).is_file(), name
    assert (output / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"
    assert (report["steps"], report["epochs_completed"], report["stopped"], report["quantized"]) == (STEPS, 2, "finished", True)
    assert report["linear_4bit_layers"] == LINEAR_LAYERS
    assert report["base_loaded_as"].startswith("4-bit NF4") and report["peak_resident_mb"] > 0
    assert [e["step"] for e in report["eval_history"]] == [2, 4]
    assert report["truncated_train"] > 0  # the sample conversations are longer than 48 tokens
    assert json.loads((output / "train_report.json").read_text())["best_step"] == report["best_step"]
    metadata = json.loads((output / "supportbot_adapter.json").read_text())
    assert metadata["base_model"] == "bundled:smollm2-135m-instruct"
    assert metadata["chat_template"] == tokenizer.chat_template
    assert metadata["base_quantization"] == "nf4"


def test_served_base_is_4bit_and_the_adapter_sits_on_it(served):
    from bitsandbytes.nn import Linear4bit
    from peft import PeftModel

    model = served[1]
    assert isinstance(model, PeftModel)
    layers = [module.base_layer for name, module in model.named_modules() if name.endswith(("q_proj", "down_proj")) and hasattr(module, "base_layer")]
    assert len(layers) == 2 * 30 and all(isinstance(layer, Linear4bit) for layer in layers)


def test_adapter_reloads_and_changes_the_models_output(base_and_adapted):
    _, base_logits, adapted_logits, _ = base_and_adapted
    assert (adapted_logits - base_logits).abs().max() > 1e-2


def test_merged_model_loads_without_peft_and_matches_base_plus_adapter(trained, bundled_model_dir, tmp_path):
    from transformers import AutoModelForCausalLM

    from supportbot.adapters import attach_adapter
    from supportbot.finetune.adapter import merge_adapter

    input_ids = torch.tensor([[1, 9690, 198, 19556, 314, 957, 1978, 47, 2]])
    merged_dir = merge_adapter(bundled_model_dir, trained[0], tmp_path / "merged")
    assert not (merged_dir / "adapter_config.json").exists()
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32).eval()
    assert type(merged).__module__.startswith("transformers.")
    base = AutoModelForCausalLM.from_pretrained(bundled_model_dir, dtype=torch.float32)
    assert torch.allclose(_logits(merged, input_ids), _logits(attach_adapter(base, trained[0]).eval(), input_ids), atol=1e-4)


def test_bot_serves_the_adapter_from_config_with_its_recorded_template(trained, tmp_path):
    from peft import PeftModel

    from supportbot.finetune.modeling import count_linear_4bit
    from supportbot.finetune.tokenization import CHATML_TEMPLATE
    from supportbot.generation.base import GenerationSettings
    from supportbot.generation.registry import create_generator

    adapter = tmp_path / "adapter"
    shutil.copytree(trained[0], adapter, ignore=shutil.ignore_patterns(CHECKPOINT_DIR))
    metadata = json.loads((adapter / "supportbot_adapter.json").read_text())
    metadata["chat_template"] = CHATML_TEMPLATE  # a template the base model does not ship, to see which one serves
    (adapter / "supportbot_adapter.json").write_text(json.dumps(metadata))
    config = small_config()
    config.model.adapter = str(adapter)
    generator = create_generator(config)
    generator.warm_up()
    assert isinstance(generator.model, PeftModel)
    assert count_linear_4bit(generator.model) == LINEAR_LAYERS  # model.quantize "auto": served as trained, in 4-bit
    assert generator.tokenizer.chat_template == CHATML_TEMPLATE
    answer = "".join(generator.stream([{"role": "user", "content": "Can I return a pan?"}], GenerationSettings(max_new_tokens=4)))
    assert answer.strip()


def test_llama_cpp_serves_the_qlora_adapter_starting_with_the_same_words_as_transformers(trained, served, tmp_path):
    pytest.importorskip("llama_cpp")
    from supportbot.generation.base import GenerationSettings
    from supportbot.generation.llama_cpp_backend import LlamaCppGenerator
    from supportbot.generation.transformers_backend import chat_prompt_ids

    messages = [{"role": "user", "content": "What is the capital of France?"}]
    tokenizer, model = served
    ids = torch.tensor([chat_prompt_ids(tokenizer, messages)])
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=6, do_sample=False)
    expected = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    llama = LlamaCppGenerator("bundled:smollm2-135m-instruct", context_window=512, threads=1, adapter=str(trained[0]), cache_dir=tmp_path)
    answer = "".join(llama.stream(messages, GenerationSettings(max_new_tokens=6, repetition_penalty=1.0)))
    assert answer.split()[:2] == expected.split()[:2], (answer, expected)


def test_resume_continues_from_the_step_it_stopped_at(trained, data_files, tmp_path):
    output = tmp_path / "interrupted"

    def interrupt_at_step_two(state) -> None:
        if state.step == 2:
            raise KeyboardInterrupt

    request = TrainRequest(data_files[0], output, eval_data=data_files[1], show_progress=False, on_step=interrupt_at_step_two)
    with pytest.raises(FinetuneError, match="interrupted at step 2: continue with --resume"):
        train(small_config(), request)
    assert json.loads((output / CHECKPOINT_DIR / "state.json").read_text())["step"] == 2

    resumed = train(small_config(), TrainRequest(data_files[0], output, eval_data=data_files[1], resume=True, show_progress=False))
    uninterrupted = trained[1]
    assert [h["step"] for h in resumed["train_history"]] == [1, 2, 3, 4]
    for ours, reference in zip(resumed["train_history"], uninterrupted["train_history"]):
        assert ours["loss"] == pytest.approx(reference["loss"], abs=1e-4)
    assert resumed["best_eval_loss"] == pytest.approx(uninterrupted["best_eval_loss"], abs=1e-4)


def test_eval_command_shows_base_and_adapted_side_by_side(trained, data_files):
    from click.testing import CliRunner

    from supportbot.cli import main

    args = ["finetune", "eval", "--adapter", str(trained[0]), "--data", str(data_files[1]), "--limit", "1", "--max-new-tokens", "4"]
    result = CliRunner().invoke(main, args, env={"SUPPORTBOT_MODEL_DEVICE": "cpu", "SUPPORTBOT_FINETUNE_MAX_LENGTH": "48"})
    assert result.exit_code == 0, result.output
    labels = ("metric", "perplexity", "ROUGE-L", "token F1", "unsupported numbers", "supported sentences")
    header, *rows = [line.split() for line in result.output.splitlines() if line.startswith(labels)]
    assert header == ["metric", "base", "adapted"]
    assert [row[0] for row in rows] == ["perplexity", "ROUGE-L", "token", "unsupported", "supported"]
    assert all(0 <= float(value) <= 1 for row in rows[-2:] for value in row[-2:])
    saved = json.loads((trained[0] / "eval_report.json").read_text())
    assert set(saved["scores"]) == {"base", "adapted"} and saved["answers_scored"] == 1
    [answer] = saved["answers"]
    assert answer["reference"] == json.loads(data_files[1].read_text().splitlines()[0])["messages"][-1]["content"]
    markdown = (trained[0] / "eval_report.md").read_text()
    perplexity = next(row for row in rows if row[0] == "perplexity")
    assert f"| perplexity | {perplexity[1]} | {perplexity[2]} |" in markdown


def test_early_stopping_ends_the_run_when_eval_loss_stops_improving(data_files, tmp_path):
    config = small_config()
    config.finetune.learning_rate = 0.0  # the eval loss cannot get lower, so the second evaluation is no improvement
    config.finetune.eval_steps, config.finetune.early_stopping_patience = 1, 1
    report = train(config, TrainRequest(data_files[0], tmp_path / "out", eval_data=data_files[1], show_progress=False))
    assert (report["stopped"], report["steps"], report["best_step"]) == ("early_stopping", 2, 1)


def test_packing_trains_the_same_conversations_in_fewer_rows_from_the_same_loss(data_files, tmp_path):
    """finetune.packing: six conversations of ~110 tokens go two to a row; nothing crosses between
    them, so the first step's loss (the LoRA update is still zero) is the unpacked run's."""
    data = write_lines(tmp_path / "train.jsonl", sample_lines(0, 6))

    def run(packing: bool, steps: int) -> dict:
        config = small_config()
        ft = config.finetune
        ft.max_length, ft.batch_size, ft.max_steps, ft.packing, ft.lora_dropout = 256, 8, steps, packing, 0.0
        return train(config, TrainRequest(data, tmp_path / f"packing-{packing}", eval_data=data_files[1], show_progress=False))

    unpacked, packed = run(False, 1), run(True, 3)
    assert (unpacked["train_conversations"], unpacked["train_rows"]) == (6, 6)
    assert (packed["train_conversations"], packed["train_rows"]) == (6, 3)
    assert packed["train_history"][0]["loss"] == pytest.approx(unpacked["train_history"][0]["loss"], abs=1e-4)
    assert packed["train_history"][-1]["loss"] < packed["train_history"][0]["loss"] - 0.05
    assert packed["tokens_seen"] == 3 * unpacked["tokens_seen"]  # every token of every conversation, each step
    assert (tmp_path / "packing-True" / "adapter_config.json").is_file()
