"""The adapter contract between training and serving: read a LoRA folder, check its base model, attach it.

`supportbot_adapter.json` records the base model reference from config, the exact chat template
the loss was computed with and how the base was loaded while training; the bot renders prompts
with that template, and refuses an adapter trained on a different base model. Both generation
backends and `supportbot.finetune` use this module, so serving never imports training code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from supportbot.errors import FinetuneError, ModelLoadError

METADATA_FILE = "supportbot_adapter.json"
PEFT_CONFIG_FILE = "adapter_config.json"


@dataclass
class AdapterInfo:
    """What an adapter was trained on."""

    base_model: str
    chat_template: str
    max_length: int = 0
    supportbot_version: str = ""
    base_quantization: str = ""  # "nf4" when the base was loaded in 4-bit (QLoRA), "" for a plain LoRA run


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
