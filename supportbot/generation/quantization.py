"""4-bit NF4 loading through bitsandbytes, shared by serving (`model.quantize`) and QLoRA (`finetune.quantize`).

"on" loads every linear layer of the base model as a bitsandbytes `Linear4bit` (NF4 with double
quantization), on a CPU as well as on a CUDA GPU; "auto" does so wherever bitsandbytes works on
the device and otherwise warns and loads the plain model; "off" never does. Whether bitsandbytes
works is found out by quantizing a few numbers on the device, not only by importing it: a wheel
whose native library fails to load imports fine and breaks later.

The 4-bit copy of a base model is made once and kept in the cache: loading it takes seconds and
never holds the full-precision weights in memory, where quantizing while loading reads them all
(SmolLM2-135M: 3 s and ~230 MB instead of ~20 s and ~800 MB on a CPU).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from supportbot.errors import ModelLoadError
from supportbot.staging import staged_folder

log = logging.getLogger(__name__)

QUANT_TYPE = "nf4"


def nf4_config(device_type: str):
    """The QLoRA quantization: NF4 weights with double quantization, computing in bf16 on CUDA and fp32 on a CPU."""
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=QUANT_TYPE,
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute_dtype(device_type),
    )


def compute_dtype(device_type: str):
    """bf16 on CUDA (as QLoRA is usually run); fp32 on a CPU, which every CPU computes natively."""
    import torch

    return torch.bfloat16 if device_type == "cuda" else torch.float32


def _identity(model_dir: str) -> str:
    """The model folder's path with the size and time of its weight files, or a Hugging Face id as it is."""
    folder = Path(model_dir)
    if not folder.is_dir():
        return model_dir
    files = sorted(p for p in folder.iterdir() if p.suffix in (".json", ".safetensors", ".bin"))
    return ";".join([str(folder.resolve())] + [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files])


def nf4_model_dir(model_dir: str, cache_dir: Path, device_type: str) -> Path:
    """A copy of `model_dir` with its linear layers in 4-bit NF4 for `device_type`, made on first use and cached."""
    from transformers import AutoModelForCausalLM

    key = hashlib.sha256(f"{_identity(model_dir)}|{device_type}".encode()).hexdigest()[:12]
    target = Path(cache_dir) / "nf4" / f"{Path(model_dir).name}-{device_type}-{key}"
    if (target / "config.json").is_file():
        return target
    log.info("quantizing %s to 4-bit NF4 in %s (once)", model_dir, target)
    with staged_folder(target) as staging:
        model = AutoModelForCausalLM.from_pretrained(
            model_dir, quantization_config=nf4_config(device_type), dtype=compute_dtype(device_type), device_map={"": device_type}
        )
        model.save_pretrained(staging)
        del model
    _release_memory()  # the quantizing copy sits in reference cycles: without this it stays while the caller loads the cached one
    return target


def _release_memory() -> None:
    """Collect unreachable models now and hand their GPU blocks back, so the next load does not stack on them."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def load_nf4_model(model_dir: str, cache_dir: Path, device: str):
    """The causal LM in `model_dir` with every linear layer a bitsandbytes `Linear4bit`, on `device` ("cpu", "cuda", "cuda:1")."""
    from transformers import AutoModelForCausalLM

    device_type = "cuda" if str(device).startswith("cuda") else "cpu"
    location = nf4_model_dir(model_dir, cache_dir, device_type)
    return AutoModelForCausalLM.from_pretrained(location, dtype=compute_dtype(device_type), device_map={"": str(device)})


def bitsandbytes_problem(device_type: str) -> str | None:
    """Why 4-bit loading cannot work on `device_type` ("cpu" or "cuda"), or None when it can."""
    # bitsandbytes' CPU backend logs a hint to `pip install kernels` (a download from the Hugging Face
    # Hub) at import when that optional package is missing; its own kernels work without it.
    logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
    try:
        import torch
        from bitsandbytes.functional import dequantize_4bit, quantize_4bit

        probe = torch.linspace(-1, 1, 128, device=device_type)
        packed, state = quantize_4bit(probe, quant_type=QUANT_TYPE)
        dequantize_4bit(packed, state)
    except ImportError:
        return "bitsandbytes is not installed"
    except Exception as error:  # noqa: BLE001 - a native library that does not load, an unsupported device: any means no
        return f"bitsandbytes fails on this {device_type} ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})"
    return None


def use_4bit(setting: str, setting_name: str, device_type: str) -> bool:
    """Whether to load in 4-bit for a "auto" | "on" | "off" setting; "on" without a working bitsandbytes is an error."""
    if setting == "off":
        return False
    problem = bitsandbytes_problem(device_type)
    if problem is None:
        return True
    if setting == "on":
        raise ModelLoadError(
            f'{setting_name} = "on" loads the model in 4-bit, but {problem}: '
            f'pip install "bitsandbytes>=0.50", or set {setting_name} = "off"'
        )
    log.warning("%s: loading the model unquantized (%s = \"auto\")", problem, setting_name)
    return False
