"""Convert a PEFT LoRA adapter (from `supportbot finetune`) into a GGUF LoRA that llama.cpp applies at run time.

This is how a fine-tuned model is served fast on a CPU: the quantized base GGUF stays as shipped and
the adapter (a few MB) is loaded next to it. It does what llama.cpp's `convert_lora_to_gguf.py` does
for the llama architecture: rename PEFT's tensors to llama.cpp's, and permute the output rows of
q_proj and k_proj the way llama.cpp's converter permutes those weights for its rotary layout.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from supportbot.errors import ModelLoadError
from supportbot.staging import staged_file

SUPPORTED_ARCHITECTURES = {"llama"}
MODULE_NAMES = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
TENSOR = re.compile(r"layers\.(\d+)\.(self_attn\.[qkvo]_proj|mlp\.(?:gate|up|down)_proj)\.lora_([AB])(?:\.default)?\.weight$")


def _permute_rows(weights, n_head: int):
    """llama.cpp's q/k permutation (convert_hf_to_gguf.LlamaModel.permute) applied to output rows."""
    rows = weights.shape[0]
    return weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def convert_peft_lora(adapter_dir: Path, base_metadata: dict, out_path: Path) -> Path:
    """Write `out_path`, a GGUF LoRA for the base model whose GGUF header values are `base_metadata`."""
    import numpy as np
    from gguf import GGUFWriter
    from safetensors.numpy import load_file

    architecture = base_metadata.get("architecture")
    if architecture not in SUPPORTED_ARCHITECTURES:
        raise ModelLoadError(
            f"converting a LoRA adapter to GGUF supports {', '.join(sorted(SUPPORTED_ARCHITECTURES))} models, "
            f"not '{architecture}': serve the adapter with model.backend = \"transformers\""
        )
    config_file, weights_file = adapter_dir / "adapter_config.json", adapter_dir / "adapter_model.safetensors"
    if not config_file.is_file() or not weights_file.is_file():
        raise ModelLoadError(
            f"{adapter_dir} is not a PEFT LoRA adapter (needs adapter_config.json and adapter_model.safetensors): "
            "point model.adapter at the folder `supportbot finetune train` wrote"
        )
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if config.get("use_dora") or config.get("use_rslora"):
        raise ModelLoadError(f"{adapter_dir}: DoRA and rsLoRA adapters cannot run in llama.cpp: use model.backend = \"transformers\"")
    n_head = int(base_metadata[f"{architecture}.attention.head_count"])
    n_head_kv = int(base_metadata.get(f"{architecture}.attention.head_count_kv") or n_head)
    tensors = {}
    for name, array in load_file(str(weights_file)).items():
        match = TENSOR.search(name)
        if match is None:
            raise ModelLoadError(
                f"{adapter_dir}: tensor {name} is not on an attention or MLP projection, which this converter "
                "handles: serve the adapter with model.backend = \"transformers\""
            )
        layer, module, side = match.groups()
        array = array.astype(np.float32)
        if side == "B" and module.endswith(("q_proj", "k_proj")):
            array = _permute_rows(array, n_head if module.endswith("q_proj") else n_head_kv)
        tensors[f"blk.{layer}.{MODULE_NAMES[module]}.weight.lora_{side.lower()}"] = np.ascontiguousarray(array)
    writer = GGUFWriter(str(out_path), architecture)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(config.get("lora_alpha", config.get("r", 8))))
    for name in sorted(tensors):
        writer.add_tensor(name, tensors[name])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_path


def gguf_lora_for(adapter_dir: Path, base_metadata: dict, cache_dir: Path) -> Path:
    """The GGUF LoRA for a PEFT adapter folder, converted once and cached by the adapter's content."""
    weights = adapter_dir / "adapter_model.safetensors"
    digest = hashlib.sha256()
    for part in (adapter_dir / "adapter_config.json", weights):
        if part.is_file():
            digest.update(part.read_bytes())
    target = cache_dir / "lora-gguf" / f"{adapter_dir.name}-{digest.hexdigest()[:12]}.gguf"
    if target.is_file():
        return target
    with staged_file(target) as staging:
        convert_peft_lora(adapter_dir, base_metadata, staging)
    return target
