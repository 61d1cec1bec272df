"""Loading the base model for training: the LoRA config as a small pure function, and one loader.

QLoRA loads the base in 4-bit NF4 through bitsandbytes (`supportbot.generation.quantization`, the
same loading the bot serves with under `model.quantize`), on a CPU as well as on a CUDA GPU; plain
LoRA loads it in fp32 on a CPU and bf16 on a GPU. Either way the frozen weights stay in the
compute dtype and only the LoRA weights are fp32.
"""

from __future__ import annotations

import logging
from pathlib import Path

from supportbot.config import FinetuneConfig
from supportbot.errors import FinetuneError
from supportbot.generation.quantization import compute_dtype, load_nf4_model

log = logging.getLogger(__name__)


def lora_config(settings: FinetuneConfig):
    """The peft LoraConfig for a causal LM from the [finetune] settings."""
    from peft import LoraConfig

    targets = settings.lora_target_modules
    return LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules="all-linear" if targets == ["all-linear"] else list(targets),
        bias="none",
        task_type="CAUSAL_LM",
    )


def set_pad_token(tokenizer):
    """`tokenizer`, padding with its end-of-sequence token when it has no pad token (batches need one)."""
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_tokenizer(model_dir: str):
    from transformers import AutoTokenizer

    return set_pad_token(AutoTokenizer.from_pretrained(model_dir))


def _enable_checkpointing(model) -> None:
    """Non-reentrant activation checkpointing (the method was renamed in transformers 5.2x)."""
    enable = getattr(model, "activation_checkpointing_enable", None)
    if enable is not None:
        enable(activation_checkpointing_kwargs={"use_reentrant": False})
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})


def train_dtype(device, quantize: bool):
    """The dtype of the base model's unquantized weights: QLoRA's compute dtype, else bf16 on a GPU that has it, else fp32."""
    import torch

    if quantize:
        return compute_dtype(device.type)
    return torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32


def describe_base(device, quantize: bool) -> str:
    """How the base model was loaded, in words, for the run report."""
    import torch

    dtype = "bf16" if train_dtype(device, quantize) == torch.bfloat16 else "fp32"
    return f"4-bit NF4 (bitsandbytes Linear4bit, double quantization), {dtype} compute" if quantize else f"{dtype}, unquantized"


def count_linear_4bit(model) -> int:
    """How many of the model's layers are bitsandbytes `Linear4bit` (the report's proof that the base really is 4-bit)."""
    return sum(type(module).__module__.startswith("bitsandbytes.") and type(module).__name__ == "Linear4bit" for module in model.modules())


def keep_frozen_in(model, dtype) -> int:
    """Cast back to `dtype` the frozen fp32 weights (embeddings, norms, output layer) that peft's
    `prepare_model_for_kbit_training` raised to fp32; returns how many tensors were cast.

    On a GPU the upcast cost 3-20% of a QLoRA step's peak memory (7B to 135M) for the same losses
    (benchmarks/README.md); plain LoRA on a GPU keeps them in bf16 too. Trainable (LoRA) weights stay
    fp32 for the optimizer.
    """
    import torch

    if dtype == torch.float32:
        return 0
    cast = 0
    for parameter in model.parameters():
        if not parameter.requires_grad and parameter.dtype == torch.float32:
            parameter.data = parameter.data.to(dtype)
            cast += 1
    return cast


def embeddings_on_cpu(model, device) -> None:
    """Move the frozen input embedding table to CPU memory (`finetune.embeddings_on_cpu`).

    Each step looks its tokens' rows up there and sends only those (a few MB) to `device`. A tied
    table is the output layer, which the loss needs on the GPU: that is refused. Called after
    `accelerator.prepare`, which would move the table back.
    """
    import torch

    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    table, output = causal_lm.get_input_embeddings(), causal_lm.get_output_embeddings()
    if output is not None and table.weight.data_ptr() == output.weight.data_ptr():
        raise FinetuneError(
            "finetune.embeddings_on_cpu: this base ties its input embeddings to its output layer, which must stay on the GPU; "
            "set it to false"
        )
    table.to("cpu")
    table.register_forward_pre_hook(lambda module, args: (args[0].cpu(), *args[1:]))  # the token ids
    table.register_forward_hook(lambda module, args, rows: rows.to(device))  # after peft's hook that makes them require grad
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()


def load_trainable_model(model_dir: str, settings: FinetuneConfig, quantize: bool, device, seed: int, cache_dir: Path):
    """The base model with fresh LoRA weights (seeded), ready for the training loop on `device`.

    A 4-bit base loads from its quantized copy in `cache_dir` (made on first use), as the bot serves it.
    """
    import torch
    from peft import get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM

    if quantize:
        model = load_nf4_model(model_dir, cache_dir, str(device))
        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=settings.gradient_checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
    else:
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=train_dtype(device, quantize)).to(device)
        if settings.gradient_checkpointing:
            _enable_checkpointing(model)
    model.config.use_cache = False
    torch.manual_seed(seed)
    peft_model = get_peft_model(model, lora_config(settings))
    if quantize:
        keep_frozen_in(peft_model, compute_dtype(device.type))
    if not quantize and train_dtype(device, quantize) != torch.float32:
        for parameter in peft_model.parameters():  # LoRA weights train in fp32 for a stable optimizer
            if parameter.requires_grad:
                parameter.data = parameter.data.float()
    return peft_model
