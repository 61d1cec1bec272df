"""QLoRA training throughput and peak GPU memory: supportbot's training step vs the plain recipe, same run.

The plain recipe (../shared/ENVIRONMENT.md): transformers + peft + bitsandbytes NF4 with double
quantization, LoRA r=16 on all linear layers, gradient checkpointing, sdpa attention,
`model(input_ids, labels=input_ids)` (full-vocabulary fp32 logits), AdamW. supportbot's step loads
the model with `supportbot.finetune.modeling.load_trainable_model` (the same function `finetune
train` uses) and computes the loss with `AssistantLossModel` (only where labels are set, in chunks
recomputed in backward). Weights are random-initialised from each architecture's config (costs
exactly what real weights cost). Tokens/s is the median step after warm-up.

Run on a CUDA machine (bitsandbytes needed; see ENVIRONMENT.md for an offline wheel):

    PYTHONPATH=. python benchmarks/finetune_gpu.py                      # all three architectures
    PYTHONPATH=. python benchmarks/finetune_gpu.py --arch smollm2-135m --steps 10 --json out.json

Variants measured per architecture: `plain` (reference), `ours` (same batch, gradient
checkpointing on) and `ours-nogc` (same batch, gradient checkpointing off: affordable once the
logits no longer dominate memory). Each prints tokens/s and peak memory, and its ratio to `plain`.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.config import FinetuneConfig  # noqa: E402
from supportbot.finetune.loss import AssistantLossModel  # noqa: E402

# Architectures as published in each model's config.json; batch sizes as in the reference table.
ARCHITECTURES: dict[str, dict] = {
    "smollm2-135m": dict(batch=8, config=dict(
        model_type="llama", hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
        num_key_value_heads=3, vocab_size=49152, max_position_embeddings=8192, rope_theta=100000.0,
        rms_norm_eps=1e-5, tie_word_embeddings=True)),
    "smollm2-360m": dict(batch=8, config=dict(
        model_type="llama", hidden_size=960, intermediate_size=2560, num_hidden_layers=32, num_attention_heads=15,
        num_key_value_heads=5, vocab_size=49152, max_position_embeddings=8192, rope_theta=100000.0,
        rms_norm_eps=1e-5, tie_word_embeddings=True)),
    "qwen2.5-1.5b": dict(batch=4, config=dict(
        model_type="qwen2", hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
        num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768, rope_theta=1000000.0,
        rms_norm_eps=1e-6, tie_word_embeddings=True)),
    "qwen2.5-7b": dict(batch=2, config=dict(
        model_type="qwen2", hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
        num_key_value_heads=4, vocab_size=152064, max_position_embeddings=32768, rope_theta=1000000.0,
        rms_norm_eps=1e-6, tie_word_embeddings=False)),
}
REFERENCE_H100 = {"smollm2-135m": (24100, 25.9), "qwen2.5-1.5b": (9200, 38.5), "qwen2.5-7b": (4200, 44.2)}
GPU_DEFAULT = tuple(REFERENCE_H100)  # the architectures of the reference table; smollm2-360m is for benchmarks/finetune_cpu.py


@dataclass
class Result:
    arch: str
    variant: str
    batch: int
    tokens_per_second: float
    peak_gb: float
    first_loss: float


def model_config(arch: str, tiny: bool = False):
    """The transformers config of `arch`; `tiny` shrinks depth and width for a CPU smoke test."""
    from transformers import AutoConfig

    fields = dict(ARCHITECTURES[arch]["config"])
    if tiny:
        fields.update(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, vocab_size=512)
    model_type = fields.pop("model_type")
    return AutoConfig.for_model(model_type, attn_implementation="sdpa", **fields)


def write_random_model(arch: str, directory: Path, device: str, tiny: bool = False, dtype=torch.bfloat16) -> Path:
    """Random-initialised weights saved as a model folder (bitsandbytes quantizes while loading from disk)."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(model_config(arch, tiny), dtype=dtype)
    model.save_pretrained(directory)
    del model
    return directory


def plain_recipe_model(model_dir: Path, device, quantize: bool):
    """transformers + peft + bitsandbytes the way most QLoRA guides write it."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    if quantize:
        bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                 bnb_4bit_compute_dtype=torch.bfloat16)
        model = AutoModelForCausalLM.from_pretrained(model_dir, quantization_config=bnb, dtype=torch.bfloat16,
                                                     device_map={"": device}, attn_implementation="sdpa")
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)
    else:
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="sdpa").to(device)
        model.gradient_checkpointing_enable()
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def plain_loss(model, input_ids: torch.Tensor) -> torch.Tensor:
    return model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), labels=input_ids).loss


def ours_model(model_dir: Path, device, quantize: bool, gradient_checkpointing: bool) -> AssistantLossModel:
    """The model as `finetune train` loads it; the 4-bit copy it loads from is cached next to `model_dir`."""
    from supportbot.finetune.modeling import load_trainable_model

    settings = FinetuneConfig(gradient_checkpointing=gradient_checkpointing)
    model = load_trainable_model(str(model_dir), settings, quantize, device, seed=0, cache_dir=model_dir.parent / "cache")
    return AssistantLossModel(model, settings.loss_chunk_tokens)


def ours_loss(model: AssistantLossModel, input_ids: torch.Tensor) -> torch.Tensor:
    # `finetune train` runs the forward under accelerate's bf16 autocast on a GPU; do the same here.
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=input_ids.is_cuda)
    with autocast:
        return model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), labels=input_ids)


def measure(model, loss_fn, batch: int, seq: int, vocab: int, device, steps: int, warmup: int) -> tuple[float, float, float]:
    """(median tokens/s after warm-up, peak GPU GB, first loss) for AdamW steps on random tokens."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    is_cuda = torch.device(device).type == "cuda"
    if is_cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times, first_loss = [], float("nan")
    model.train()
    for step in range(warmup + steps):
        input_ids = torch.randint(0, vocab, (batch, seq), generator=generator).to(device)
        started = time.perf_counter()
        loss = loss_fn(model, input_ids)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if is_cuda:
            torch.cuda.synchronize()
        if step == 0:
            first_loss = float(loss)
        if step >= warmup:
            times.append(time.perf_counter() - started)
    peak = torch.cuda.max_memory_allocated() / 1e9 if is_cuda else 0.0
    return batch * seq / statistics.median(times), peak, first_loss


def run_arch(arch: str, device: str, seq: int, steps: int, warmup: int, quantize: bool, tiny: bool = False, variants=None) -> list[Result]:
    batch = ARCHITECTURES[arch]["batch"]
    vocab = model_config(arch, tiny).vocab_size
    variants = variants or ["plain", "ours", "ours-nogc"]
    results = []
    with tempfile.TemporaryDirectory(prefix=f"bench-{arch}-") as tmp:
        model_dir = write_random_model(arch, Path(tmp) / "model", device, tiny)
        for variant in variants:
            if variant == "plain":
                model, loss_fn = plain_recipe_model(model_dir, device, quantize), plain_loss
            else:
                model, loss_fn = ours_model(model_dir, torch.device(device), quantize, variant == "ours"), ours_loss
            try:
                tps, peak, first = measure(model, loss_fn, batch, seq, vocab, device, steps, warmup)
                results.append(Result(arch, variant, batch, tps, peak, first))
            except torch.OutOfMemoryError:
                print(f"{arch} {variant}: out of memory at batch {batch}", flush=True)
            del model
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if results:
                r = results[-1]
                print(f"{arch:14s} {r.variant:10s} batch {batch}  {r.tokens_per_second:9.0f} tokens/s  {r.peak_gb:6.1f} GB peak", flush=True)
    return results


def summary(results: list[Result]) -> list[str]:
    lines = []
    plain = {r.arch: r for r in results if r.variant == "plain"}
    for r in results:
        if r.variant == "plain" or r.arch not in plain:
            continue
        p = plain[r.arch]
        speed, memory = r.tokens_per_second / p.tokens_per_second, r.peak_gb / max(p.peak_gb, 1e-9)
        target = "meets" if speed >= 1.5 and memory <= 0.5 else "misses"
        lines.append(f"{r.arch:14s} {r.variant:10s} {speed:5.2f}x tokens/s, {memory:5.2f}x peak memory vs plain ({target} 1.5x / 0.5x)")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", action="append", choices=list(ARCHITECTURES), help="Architecture (repeatable; default: the reference table's three).")
    parser.add_argument("--seq", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=8, help="Measured steps after warm-up.")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--variant", action="append", choices=["plain", "ours", "ours-nogc"])
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        sys.exit("no CUDA GPU here: this benchmark measures GPU throughput and memory (the CPU-safe parts are tested in tests/finetune)")
    print(f"{torch.cuda.get_device_name()}  torch {torch.__version__}  seq {args.seq}", flush=True)
    results = []
    for arch in args.arch or GPU_DEFAULT:
        results += run_arch(arch, "cuda", args.seq, args.steps, args.warmup, quantize=True, variants=args.variant)
    print("\n".join(summary(results)))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1))


if __name__ == "__main__":
    main()
