"""The adapter folder: peft weights plus what serving needs to match training (base model, chat template).

`supportbot_adapter.json` records the base model reference from config and the exact chat template
the loss was computed with; the bot renders prompts with that template, and refuses an adapter
trained on a different base model.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from supportbot.errors import FinetuneError, ModelLoadError

log = logging.getLogger(__name__)

METADATA_FILE = "supportbot_adapter.json"
PEFT_CONFIG_FILE = "adapter_config.json"


@dataclass
class AdapterInfo:
    """What an adapter was trained on."""

    base_model: str
    chat_template: str
    max_length: int = 0
    supportbot_version: str = ""


def save_adapter(model, tokenizer, directory: Path, info: AdapterInfo) -> None:
    """Write the LoRA weights, the tokenizer (with its chat template) and the metadata to `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    (directory / METADATA_FILE).write_text(json.dumps(asdict(info), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_adapter_info(directory: Path) -> AdapterInfo:
    directory = Path(directory).expanduser()
    if not (directory / PEFT_CONFIG_FILE).is_file():
        raise FinetuneError(f"{directory} is not an adapter folder (no {PEFT_CONFIG_FILE}): point at the output of `supportbot finetune train`")
    metadata = directory / METADATA_FILE
    if not metadata.is_file():
        raise FinetuneError(f"{directory} has no {METADATA_FILE}: it was not written by `supportbot finetune train`")
    fields = json.loads(metadata.read_text(encoding="utf-8"))
    return AdapterInfo(**{k: v for k, v in fields.items() if k in AdapterInfo.__dataclass_fields__})


def check_base_model(directory: Path, configured: str) -> AdapterInfo:
    """The adapter's info, or a FinetuneError when it was trained on another base model than `configured`."""
    info = read_adapter_info(directory)
    if info.base_model != configured:
        raise FinetuneError(
            f"adapter {directory} was trained on base model {info.base_model!r}, but model.name is {configured!r}: "
            f"set model.name = {json.dumps(info.base_model)} or use an adapter trained on {configured!r}"
        )
    return info


def attach_adapter(model, directory: Path, trainable: bool = False):
    """`model` with the adapter's LoRA weights on top (a peft model)."""
    from peft import PeftModel

    try:
        return PeftModel.from_pretrained(model, str(Path(directory).expanduser()), is_trainable=trainable)
    except (OSError, ValueError, RuntimeError) as error:
        raise ModelLoadError(f"cannot load adapter {directory} onto the base model ({str(error).splitlines()[0]})") from error


def merge_adapter(model_dir: str, adapter_dir: Path, output_dir: Path) -> Path:
    """Write base + adapter as one plain transformers model folder that loads without peft."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    merged = attach_adapter(base, adapter_dir).merge_and_unload()
    output_dir = Path(output_dir)
    merged.save_pretrained(output_dir)
    AutoTokenizer.from_pretrained(str(adapter_dir)).save_pretrained(output_dir)  # carries the trained chat template
    return output_dir


def load_adapted(model_reference: str, cache_dir: Path, adapter_dir: Path, device: str = "auto"):
    """(peft model, tokenizer, device) for evaluation, loaded exactly as the bot serves the adapter, plus a pad token for batches."""
    from supportbot.finetune.modeling import set_pad_token
    from supportbot.generation.transformers_backend import load_chat_model

    tokenizer, model, resolved_device = load_chat_model(model_reference, cache_dir, device, adapter_dir)
    return model, set_pad_token(tokenizer), resolved_device
