"""Loading the base model for training: two small pure config functions and one loader.

QLoRA (4-bit NF4, double quantization, bf16 compute) needs bitsandbytes and a CUDA GPU; on a CPU a
4-bit LoRA step is over ten times slower than an fp32 one, so there LoRA trains the plain model.
"""

from __future__ import annotations

import logging

from supportbot.config import FinetuneConfig
from supportbot.errors import ConfigError, FinetuneError

log = logging.getLogger(__name__)

QUANTIZE_SETTINGS = ("auto", "on", "off")


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


def bnb_config():
    """The QLoRA quantization: NF4 weights with double quantization, computing in bf16."""
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )


def should_quantize(setting: str, device_type: str) -> bool:
    """'auto' quantizes on CUDA only; 'on' / 'off' force it."""
    if setting not in QUANTIZE_SETTINGS:
        raise ConfigError(f"finetune.quantize: {setting!r} is not one of {', '.join(QUANTIZE_SETTINGS)}")
    if setting == "auto":
        return device_type == "cuda"
    return setting == "on"


def _require_bitsandbytes() -> None:
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise FinetuneError(
            "4-bit QLoRA needs bitsandbytes: pip install 'supportbot[gpu]' (or train without it: --no-quantize)"
        ) from None


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


def load_trainable_model(model_dir: str, settings: FinetuneConfig, quantize: bool, device, seed: int):
    """The base model with fresh LoRA weights (seeded), ready for the training loop on `device`."""
    import torch
    from peft import get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM

    if quantize:
        _require_bitsandbytes()
        model = AutoModelForCausalLM.from_pretrained(
            model_dir, quantization_config=bnb_config(), dtype=torch.bfloat16, device_map={"": str(device)}
        )
        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=settings.gradient_checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
    else:
        dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).to(device)
        if settings.gradient_checkpointing:
            _enable_checkpointing(model)
    model.config.use_cache = False
    torch.manual_seed(seed)
    peft_model = get_peft_model(model, lora_config(settings))
    if not quantize and dtype != torch.float32:
        for parameter in peft_model.parameters():  # LoRA weights train in fp32 for a stable optimizer
            if parameter.requires_grad:
                parameter.data = parameter.data.float()
    return peft_model
