"""The model QLoRA trains, with the bundled SmolLM2: a 4-bit body, frozen weights in the compute dtype, LoRA weights in fp32."""

from __future__ import annotations

import torch

from supportbot.config import Config, FinetuneConfig
from supportbot.finetune.modeling import count_linear_4bit, keep_frozen_in, load_trainable_model

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
