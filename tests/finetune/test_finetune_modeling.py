"""The model QLoRA trains: with the bundled SmolLM2, a 4-bit body, frozen weights in the compute dtype, LoRA weights in fp32;
with a tiny untied base, the input embeddings kept on the CPU; the 4-bit copy made once without a second copy left behind."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import torch

from supportbot.config import Config, FinetuneConfig
from supportbot.errors import FinetuneError
from supportbot.finetune.loss import AssistantLossModel
from supportbot.finetune.modeling import count_linear_4bit, embeddings_on_cpu, keep_frozen_in, load_trainable_model
from supportbot.generation.quantization import nf4_model_dir

PROMPT = torch.tensor([[1, 9690, 198, 19556, 314, 957, 1978, 47, 2]])


def _frozen_and_trained_dtypes(model) -> tuple[set, set]:
    frozen = {p.dtype for p in model.parameters() if not p.requires_grad and p.dtype.is_floating_point}
    return frozen, {p.dtype for p in model.parameters() if p.requires_grad}


def test_frozen_weights_stay_in_the_compute_dtype_and_only_lora_trains_in_fp32(bundled_model_dir):
    model = load_trainable_model(bundled_model_dir, FinetuneConfig(gradient_checkpointing=False), True, torch.device("cpu"),
                                 seed=0, cache_dir=Config().paths.cache_path())
    assert count_linear_4bit(model) == 30 * 7
    assert _frozen_and_trained_dtypes(model) == ({torch.float32}, {torch.float32})  # a CPU computes in fp32: nothing to cast
    assert keep_frozen_in(model, torch.float32) == 0
    with torch.no_grad():
        fp32_next = model(input_ids=PROMPT).logits[0].argmax(-1)

    # What load_trainable_model does on a GPU, whose compute dtype is bf16: peft's fp32 upcast undone.
    assert keep_frozen_in(model, torch.bfloat16) > 0
    assert _frozen_and_trained_dtypes(model) == ({torch.bfloat16}, {torch.float32})
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        bf16_next = model(input_ids=PROMPT).logits[0].argmax(-1)
    assert (bf16_next == fp32_next).float().mean() >= 0.75  # the same model, read in bf16: the same next tokens, nearly all


def _write_untied_model(folder: Path) -> str:
    """A tiny random Qwen2-shaped base whose input embeddings are a table of their own (as a 7B Qwen2.5's are)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.for_model("qwen2", hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                                  num_key_value_heads=2, vocab_size=512, tie_word_embeddings=False)
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(config, dtype=torch.float32).save_pretrained(folder)
    return str(folder)


def _loss_and_lora_grads(model) -> tuple[float, list[torch.Tensor]]:
    input_ids = torch.randint(1, 512, (2, 12), generator=torch.Generator().manual_seed(1))
    torch.manual_seed(2)  # the same LoRA dropout masks for both models
    loss = AssistantLossModel(model)(input_ids=input_ids, labels=input_ids, attention_mask=torch.ones_like(input_ids))
    loss.backward()
    return loss.item(), [p.grad.clone() for p in model.parameters() if p.requires_grad]


def test_embeddings_on_cpu_trains_the_same_and_is_refused_where_the_table_is_the_output_layer(tmp_path, bundled_model_dir):
    settings, cpu = FinetuneConfig(gradient_checkpointing=True), torch.device("cpu")
    base = _write_untied_model(tmp_path / "untied")
    plain = load_trainable_model(base, settings, True, cpu, seed=0, cache_dir=tmp_path / "cache")
    moved = load_trainable_model(base, settings, True, cpu, seed=0, cache_dir=tmp_path / "cache")
    embeddings_on_cpu(moved, cpu)  # on a GPU the table stays behind on the CPU; here the hooks' moves are no-ops
    loss, grads = _loss_and_lora_grads(plain)
    moved_loss, moved_grads = _loss_and_lora_grads(moved)
    assert moved_loss == pytest.approx(loss, abs=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(grads, moved_grads, strict=True)) and any(g.abs().sum() > 0 for g in grads)

    tied = load_trainable_model(bundled_model_dir, settings, True, cpu, seed=0, cache_dir=Config().paths.cache_path())
    with pytest.raises(FinetuneError, match="ties its input embeddings to its output layer.*set it to false"):
        embeddings_on_cpu(tied, cpu)


def test_quantizing_a_base_leaves_no_copy_of_it_in_memory(tmp_path):
    """The quantizing copy lingered in reference cycles while the cached one loaded: 3.4 GB more GPU memory at 7B."""
    base = _write_untied_model(tmp_path / "base")
    gc.collect()
    gc.disable()  # what the collector has not reached yet is what the next load stacks on
    try:
        nf4_model_dir(base, tmp_path / "cache", "cpu")
        left = [o for o in gc.get_objects() if type(o).__name__ == "Linear4bit"]
    finally:
        gc.enable()
    assert left == []
