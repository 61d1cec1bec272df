"""Writing an adapter folder, folding it into the base weights, and loading it as the bot serves it.

Reading a folder, checking its base model and attaching it is the contract serving shares with
training: `supportbot.adapters`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from supportbot.adapters import METADATA_FILE, AdapterInfo, attach_adapter
from supportbot.staging import apply_umask


def save_adapter(model, tokenizer, directory: Path, info: AdapterInfo) -> None:
    """Write the LoRA weights, the tokenizer (with its chat template) and the metadata to `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    (directory / METADATA_FILE).write_text(json.dumps(asdict(info), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    apply_umask(directory)


def merge_adapter(model_dir: str, adapter_dir: Path, output_dir: Path) -> Path:
    """Write base + adapter as one plain transformers model folder that loads without peft."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    merged = attach_adapter(base, adapter_dir).merge_and_unload()
    output_dir = Path(output_dir)
    merged.save_pretrained(output_dir)
    AutoTokenizer.from_pretrained(str(adapter_dir)).save_pretrained(output_dir)  # carries the trained chat template
    apply_umask(output_dir)
    return output_dir


def load_adapted(model_reference: str, cache_dir: Path, adapter_dir: Path, device: str = "auto", quantize: str = "auto"):
    """(peft model, tokenizer, device) for evaluation, loaded exactly as the bot serves the adapter, plus a pad token for batches."""
    from supportbot.finetune.modeling import set_pad_token
    from supportbot.generation.transformers_backend import load_chat_model

    tokenizer, model, resolved_device = load_chat_model(model_reference, cache_dir, device, adapter_dir, quantize)
    return model, set_pad_token(tokenizer), resolved_device
