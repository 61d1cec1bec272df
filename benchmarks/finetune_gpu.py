"""QLoRA training throughput and peak GPU memory: supportbot's training step vs the plain recipe, same run.

The plain recipe (../shared/ENVIRONMENT.md): transformers + peft + bitsandbytes NF4 with double
quantization, LoRA r=16 on all linear layers, gradient checkpointing, sdpa attention,
`model(input_ids, labels=input_ids)` (full-vocabulary fp32 logits), AdamW. supportbot's step loads
the model with `supportbot.finetune.modeling.load_trainable_model` (the same function `finetune
train` uses) and computes the loss with `AssistantLossModel` (only where labels are set, in chunks
recomputed in backward). Weights are random-initialised from each architecture's config (costs
exactly what real weights cost).

Two kinds of data:
- fixed-length rows (default, `--seq`): every position labelled, the same rows for every variant;
  tokens/s is tokens over the measured steps' time.
- real shapes (`--examples`): random tokens in the shapes of real training examples (written on a
  CPU by `--write-examples` from chat JSONL, tokenized as `finetune train` does), the same
  examples for every variant, each batched its own way: the plain recipe in shuffled order with
  every token labelled, supportbot length-grouped with only the replies labelled (or packed).
  Tokens/s counts real tokens, not padding.

    PYTHONPATH=. .venv/bin/python benchmarks/finetune_gpu.py --write-examples star_train.jsonl   # on the CPU, once
    PYTHONPATH=. python benchmarks/finetune_gpu.py                                            # on a CUDA machine
    PYTHONPATH=. python benchmarks/finetune_gpu.py --examples star_train.jsonl --steps 24 --json out.json

Variants: `plain` (reference), `ours` (finetune train's step with its default settings), `ours-packed`
(`finetune.packing`, real shapes only), and parts added to either: settings `-nogc` (checkpointing
off), `-cpuembed` (`finetune.embeddings_on_cpu`), `-chunk1024` (the old `finetune.loss_chunk_tokens`),
`-nodrop` (`finetune.lora_dropout = 0`), and measurements `-halfgc` (every other decoder layer
checkpointed), `-fp32` (the frozen weights left in the fp32 that peft's
`prepare_model_for_kbit_training` raises them to, as finetune train did before 2026-11-27). Each
prints tokens/s, peak memory (and what the model held loaded and after one step), and its ratio to
`plain` (bitsandbytes needed; see
ENVIRONMENT.md for an offline wheel). Figures: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.config import FinetuneConfig
from supportbot.finetune.batching import batch_order, collate, collate_packed, pack_examples
from supportbot.finetune.loss import AssistantLossModel
from supportbot.finetune.tokenization import IGNORE_INDEX, TokenizedExample

# Architectures as published in each model's config.json; batch sizes as in the reference table.
ARCHITECTURES: dict[str, dict] = {
    "smollm2-135m": {"batch": 8, "config": {
        "model_type": "llama", "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9,
        "num_key_value_heads": 3, "vocab_size": 49152, "max_position_embeddings": 8192, "rope_theta": 100000.0,
        "rms_norm_eps": 1e-5, "tie_word_embeddings": True}},
    "smollm2-360m": {"batch": 8, "config": {
        "model_type": "llama", "hidden_size": 960, "intermediate_size": 2560, "num_hidden_layers": 32, "num_attention_heads": 15,
        "num_key_value_heads": 5, "vocab_size": 49152, "max_position_embeddings": 8192, "rope_theta": 100000.0,
        "rms_norm_eps": 1e-5, "tie_word_embeddings": True}},
    "qwen2.5-1.5b": {"batch": 4, "config": {
        "model_type": "qwen2", "hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28, "num_attention_heads": 12,
        "num_key_value_heads": 2, "vocab_size": 151936, "max_position_embeddings": 32768, "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6, "tie_word_embeddings": True}},
    "qwen2.5-7b": {"batch": 2, "config": {
        "model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28,
        "num_key_value_heads": 4, "vocab_size": 152064, "max_position_embeddings": 32768, "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6, "tie_word_embeddings": False}},
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
    tokens: int = 0  # real (unpadded) tokens in the measured steps
    loaded_gb: float = 0.0  # GPU memory the loaded model holds before training (weights, LoRA weights)
    state_gb: float = 0.0  # ... and after the first step (+ gradients and AdamW state): the floor under the peak


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


def plain_loss(model, batch: dict) -> torch.Tensor:
    return model(**batch).loss


def ours_model(model_dir: Path, device, quantize: bool, parts: set[str]) -> AssistantLossModel:
    """The model as `finetune train` loads it; the 4-bit copy it loads from is cached next to `model_dir`.

    `parts` (VARIANT_PARTS) change it: `fp32` raises the frozen weights `finetune train` keeps in bf16
    (embeddings, norms, output layer) to fp32, as peft's `prepare_model_for_kbit_training` leaves
    them; `halfgc` turns checkpointing off in every other decoder layer (both measurements, not
    settings). The rest are settings: `nogc` checkpointing off, `cpuembed`
    `finetune.embeddings_on_cpu = true`, `chunk1024` `finetune.loss_chunk_tokens = 1024` (the
    default before 2026-11-27), `nodrop` `finetune.lora_dropout = 0`.
    """
    from supportbot.finetune.modeling import embeddings_on_cpu, load_trainable_model

    settings = FinetuneConfig(gradient_checkpointing="nogc" not in parts)
    if "chunk1024" in parts:
        settings.loss_chunk_tokens = 1024
    if "nodrop" in parts:
        settings.lora_dropout = 0.0
    frozen_fp32, half_checkpointed = "fp32" in parts, "halfgc" in parts
    model = load_trainable_model(str(model_dir), settings, quantize, device, seed=0, cache_dir=model_dir.parent / "cache")
    if "cpuembed" in parts:  # as finetune train does after accelerate's prepare
        embeddings_on_cpu(model, device)
    if frozen_fp32:
        for parameter in model.parameters():
            if not parameter.requires_grad and parameter.dtype == torch.bfloat16:
                parameter.data = parameter.data.float()
    if half_checkpointed:
        for index, layer in enumerate(model.get_base_model().get_decoder().layers):
            if index % 2:
                layer.gradient_checkpointing = False
    return AssistantLossModel(model, settings.loss_chunk_tokens)


def ours_loss(model: AssistantLossModel, batch: dict) -> torch.Tensor:
    # `finetune train` runs the forward under accelerate's bf16 autocast on a GPU; do the same here.
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=batch["input_ids"].is_cuda)
    with autocast:
        return model(**batch)


@dataclass
class Shape:
    """A training example's token count and the [start, end) spans that carry loss (assistant replies)."""

    length: int
    labelled: list[tuple[int, int]]


def synthetic_batches(batch: int, seq: int, vocab: int, count: int, seed: int) -> list[dict]:
    """Random full-length rows, every position labelled: the fixed-shape comparison."""
    generator = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(count):
        input_ids = torch.randint(0, vocab, (batch, seq), generator=generator)
        batches.append({"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids), "labels": input_ids.clone()})
    return batches


def shaped_examples(shapes: list[Shape], indices: list[int], vocab: int, assistant_only: bool, seed: int) -> dict[int, TokenizedExample]:
    """Random tokens in the shapes of real examples.

    `assistant_only` labels the reply spans (supportbot's loss); otherwise every token is labelled
    (a causal-LM collator's labels = input_ids; `collate` leaves the padding unlabelled).
    """
    generator = torch.Generator().manual_seed(seed)
    examples = {}
    for i in indices:
        ids = torch.randint(1, vocab, (shapes[i].length,), generator=generator).tolist()
        labels = [IGNORE_INDEX] * len(ids)
        for begin, end in shapes[i].labelled if assistant_only else [(0, len(ids))]:
            labels[begin:end] = ids[begin:end]
        examples[i] = TokenizedExample(ids, labels)
    return examples


def real_tokens(batch: dict) -> int:
    """Tokens that are not padding: the attention mask's ones, or in packed rows (`collate_packed`, no mask) the non-pad ids."""
    if "attention_mask" in batch:
        return int(batch["attention_mask"].sum())
    return int((batch["input_ids"] != 0).sum())


def measure(model, loss_fn, batches: list[dict], warm_batches: list[dict], device, held_before: int = 0) -> tuple[float, float, float, int, float, float]:
    """(real tokens/s over `batches`, peak GPU GB, first loss, real tokens, loaded GB, state GB) for AdamW steps after `warm_batches`.

    The peak counts from `held_before`, the bytes allocated before the model was loaded, so what an
    earlier variant left behind is not charged to this one.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    is_cuda = torch.device(device).type == "cuda"
    if is_cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    model.train()
    first_loss, elapsed, tokens = float("nan"), 0.0, 0
    loaded = state = 0.0
    if is_cuda:
        loaded = (torch.cuda.memory_allocated() - held_before) / 1e9
    for step, host_batch in enumerate(warm_batches + batches):
        started = time.perf_counter()
        loss = loss_fn(model, {k: v.to(device) for k, v in host_batch.items()})
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if is_cuda:
            torch.cuda.synchronize()
        if step == 0:
            first_loss = loss.item()
            if is_cuda:
                state = (torch.cuda.memory_allocated() - held_before) / 1e9
        if step >= len(warm_batches):
            elapsed += time.perf_counter() - started
            tokens += real_tokens(host_batch)
    peak = (torch.cuda.max_memory_allocated() - held_before) / 1e9 if is_cuda else 0.0
    return tokens / elapsed, peak, first_loss, tokens, loaded, state


VARIANTS = ["plain", "ours", "ours-nogc", "ours-fp32", "ours-packed", "ours-packed-nogc", "ours-packed-halfgc", "ours-packed-fp32"]
VARIANT_PARTS = {"packed", "nogc", "halfgc", "fp32", "cpuembed", "chunk1024", "nodrop"}


def variant_name(name: str) -> str:
    """`plain`, or `ours` followed by parts of VARIANT_PARTS joined with '-' (the --variant argument)."""
    head, *parts = name.split("-")
    if name != "plain" and (head != "ours" or not set(parts) <= VARIANT_PARTS or len(set(parts)) != len(parts)):
        raise argparse.ArgumentTypeError(f"{name!r}: use plain, or ours with any of -{', -'.join(sorted(VARIANT_PARTS))} (e.g. ours-packed-nogc)")
    return name


def variant_batches(variant: str, batch: int, seq: int, vocab: int, steps: int, warmup: int, shapes: list[Shape] | None):
    """(measured, warm-up) batches for `variant`: the same examples for every variant, batched its own way.

    The plain recipe takes examples in shuffled order; supportbot groups them by length
    (`batch_order`, as `finetune train` does) and labels only the replies; `ours-packed` lays them
    in rows of up to `finetune.max_length` tokens (`finetune.packing`), `batch` rows a step.
    """
    if shapes is None:
        if "packed" in variant:
            raise ValueError("ours-packed needs --examples: fixed-length rows have nothing to pack")
        return synthetic_batches(batch, seq, vocab, steps, 1), synthetic_batches(batch, seq, vocab, warmup, 2)
    if len(shapes) < batch * (steps + warmup):
        sys.exit(f"--examples holds {len(shapes)} examples; {batch * (steps + warmup)} are needed for batch {batch}, {steps} steps and {warmup} warm-up")
    plain = variant == "plain"
    capacity = FinetuneConfig().max_length

    def batches(indices: list[int], seed: int) -> list[dict]:
        examples = shaped_examples(shapes, indices, vocab, not plain, seed)
        if plain:
            shuffled = list(indices)
            random.Random(seed).shuffle(shuffled)
            return [collate([examples[i] for i in shuffled[b : b + batch]], 0) for b in range(0, len(shuffled), batch)]
        if "packed" in variant:
            rows = [[indices[i] for i in row] for row in pack_examples([shapes[i].length for i in indices], capacity)]
            order = batch_order([sum(shapes[i].length for i in row) for row in rows], batch, seed)
            return [collate_packed([[examples[i] for i in rows[r]] for r in b], 0) for b in order]
        order = batch_order([shapes[i].length for i in indices], batch, seed, group_by_length=True)
        return [collate([examples[indices[i]] for i in b], 0) for b in order]

    measured, warm = list(range(batch * steps)), list(range(batch * steps, batch * (steps + warmup)))
    return batches(measured, 1), batches(warm, 2)


def run_arch(arch: str, device: str, seq: int, steps: int, warmup: int, quantize: bool, tiny: bool = False, variants=None,
             shapes: list[Shape] | None = None, on_result=None) -> list[Result]:
    """Each variant's Result; `on_result(results so far)` after each, so a run cut short keeps what it measured."""
    batch = ARCHITECTURES[arch]["batch"]
    vocab = model_config(arch, tiny).vocab_size
    results = []
    with tempfile.TemporaryDirectory(prefix=f"bench-{arch}-") as tmp:
        model_dir = write_random_model(arch, Path(tmp) / "model", device, tiny)
        for variant in variants or [v for v in VARIANTS if shapes is not None or "packed" not in v]:
            model = None
            batches, warm = variant_batches(variant, batch, seq, vocab, steps, warmup, shapes)
            held_before = torch.cuda.memory_allocated() if torch.cuda.is_available() else 0
            try:
                if variant == "plain":
                    model, loss_fn = plain_recipe_model(model_dir, device, quantize), plain_loss
                else:
                    model = ours_model(model_dir, torch.device(device), quantize, set(variant.split("-")[1:]))
                    loss_fn = ours_loss
                tps, peak, first, tokens, loaded, state = measure(model, loss_fn, batches, warm, device, held_before)
            except torch.OutOfMemoryError:
                print(f"{arch} {variant}: out of memory at batch {batch}", flush=True)
            except Exception:  # noqa: BLE001 - one variant failing must not lose the others' figures
                traceback.print_exc()
                print(f"{arch} {variant}: failed (traceback above)", flush=True)
            else:
                results.append(Result(arch, variant, batch, tps, peak, first, tokens, loaded, state))
                print(f"{arch:14s} {variant:10s} batch {batch}  {tps:9.0f} tokens/s  {peak:6.1f} GB peak  first loss {first:.3f}  "
                      f"{tokens} tokens  loaded {loaded:.2f} GB, after one step {state:.2f} GB", flush=True)
                if on_result is not None:
                    on_result(results)
            del model
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
    return results


def read_shapes(path: Path) -> list[Shape]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Shape(row["length"], [tuple(span) for span in row["labelled"]]) for row in rows]


def write_shapes(dialogues: Path, target: Path) -> int:
    """Tokenize `dialogues` (chat JSONL) as `finetune train` would with the bundled model; write each example's shape.

    Runs on a CPU (the GPU machine has neither the data nor the bundled model). Examples are in a
    seeded random order, so the first N are a fair sample.
    """
    from supportbot.config import Config
    from supportbot.finetune.data import load_conversations
    from supportbot.finetune.modeling import load_tokenizer
    from supportbot.finetune.tokenization import apply_template_setting, tokenize_all
    from supportbot.model_sources import transformers_model_dir

    config = Config()
    model_dir = transformers_model_dir(config.model.name, config.paths.cache_path())
    tokenizer = load_tokenizer(model_dir)
    apply_template_setting(tokenizer, config.finetune.chat_template, config.model.name)
    examples = tokenize_all(tokenizer, load_conversations(dialogues).conversations, config.finetune.max_length)
    random.Random(0).shuffle(examples)
    lines = []
    for example in examples:
        labelled = [i for i, label in enumerate(example.labels) if label != IGNORE_INDEX]
        spans: list[list[int]] = []
        for i in labelled:
            if spans and spans[-1][1] == i:
                spans[-1][1] = i + 1
            else:
                spans.append([i, i + 1])
        lines.append(json.dumps({"length": len(example), "labelled": spans}))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


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
    parser.add_argument("--variant", action="append", type=variant_name, help=f"Repeatable; default: {', '.join(VARIANTS)} (packed ones with --examples only).")
    parser.add_argument("--examples", type=Path, help="Real example shapes (from --write-examples): batches as each recipe forms them, instead of fixed-length rows.")
    parser.add_argument("--write-examples", type=Path, metavar="PATH", help="On a CPU: write the shapes of --dialogues' examples here and stop.")
    parser.add_argument("--dialogues", type=Path, default=Path("../shared/data/star_dialogues/train.jsonl"))
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args(argv)
    if args.write_examples:
        print(f"{write_shapes(args.dialogues, args.write_examples)} example shapes written to {args.write_examples}")
        return
    if not torch.cuda.is_available():
        sys.exit("no CUDA GPU here: this benchmark measures GPU throughput and memory (the CPU-safe parts are tested in tests/finetune)")
    shapes = read_shapes(args.examples) if args.examples else None
    what = f"examples {args.examples}" if shapes else f"seq {args.seq}"
    print(f"{torch.cuda.get_device_name()}  torch {torch.__version__}  {what}", flush=True)
    results: list[Result] = []

    def save(arch_results: list[Result]) -> None:
        if args.json:
            args.json.write_text(json.dumps([r.__dict__ for r in results + arch_results], indent=1))

    for arch in args.arch or GPU_DEFAULT:
        results += run_arch(arch, "cuda", args.seq, args.steps, args.warmup, quantize=True, variants=args.variant, shapes=shapes, on_result=save)
    print("\n".join(summary(results)))


if __name__ == "__main__":
    main()
