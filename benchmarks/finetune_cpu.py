"""QLoRA vs plain LoRA on the CPU: peak resident memory and step time, same data and settings, same run.

Each variant trains in a fresh process through `supportbot.finetune.trainer.train` (what `supportbot
finetune train` runs), so its peak resident set (VmHWM) is its own: QLoRA with finetune.quantize = "on"
(the base in 4-bit NF4 through bitsandbytes), the reference with "off" (the base in fp32). The
bundled SmolLM2-135M-Instruct, the sample dialogues, no held-out evaluation. Reported per variant:
the process's peak resident memory, the part of it training added (peak minus the resident memory
after importing what training imports: torch, transformers, peft, accelerate, bitsandbytes, matplotlib), the median optimizer-step time after the first
step, and the training loss. The 4-bit copy of the base is made once, before either is measured.

    PYTHONPATH=. .venv/bin/python benchmarks/finetune_cpu.py                       # finetune defaults, 6 steps
    PYTHONPATH=. .venv/bin/python benchmarks/finetune_cpu.py --batch-size 1 --json /tmp/cpu.json
    PYTHONPATH=. .venv/bin/python benchmarks/finetune_cpu.py --malloc-mmap-threshold 1048576
    PYTHONPATH=. .venv/bin/python benchmarks/finetune_cpu.py --arch smollm2-360m --batch-size 1

`--arch` trains a random-initialised model of that architecture (benchmarks/finetune_gpu.py's
table; it costs what real weights cost) with the bundled tokenizer instead of the bundled model,
to show how the figures move with the size of the base (kept in paths.cache_dir/benchmark-models).

glibc raises its mmap threshold each time a large block is freed, so freed activations then come
from a heap that keeps its peak: `--malloc-mmap-threshold BYTES` runs both variants with
MALLOC_MMAP_THRESHOLD_ set (blocks above it are mapped and unmapped), to show how much of the
peak that is and what it costs in time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).resolve().parent.parent / "supportbot" / "sample_data" / "dialogues.jsonl"
VARIANTS = {"lora": "off", "qlora": "on"}
BUNDLED = "bundled:smollm2-135m-instruct"


def resident_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def child(variant: str, args: argparse.Namespace, result_path: Path) -> None:
    """Train `variant` in this process and write its figures to `result_path`."""
    import accelerate  # noqa: F401 - what training imports counts as the runtime, not as what training added
    import bitsandbytes  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import peft  # noqa: F401
    import transformers  # noqa: F401

    from supportbot.config import Config
    from supportbot.finetune.report import peak_resident_mb
    from supportbot.finetune.trainer import TrainRequest, train

    config = Config()
    config.model.name = args.model
    config.model.device, config.model.threads = "cpu", args.threads
    ft = config.finetune
    ft.quantize, ft.max_steps, ft.batch_size, ft.max_length = VARIANTS[variant], args.steps, args.batch_size, args.max_length
    ft.gradient_checkpointing, ft.eval_split = args.gradient_checkpointing, 0.0
    step_ends: list[float] = []
    baseline = resident_mb()
    with tempfile.TemporaryDirectory() as output:
        report = train(config, TrainRequest(DATA, Path(output) / "adapter", show_progress=False,
                                            on_step=lambda state: step_ends.append(time.perf_counter())))
    peak = peak_resident_mb()
    steps = [b - a for a, b in itertools.pairwise(step_ends)]
    losses = [h["loss"] for h in report["train_history"]]
    result_path.write_text(json.dumps({
        "variant": variant, "base_loaded_as": report["base_loaded_as"], "peak_mb": peak, "baseline_mb": baseline,
        "added_mb": peak - baseline, "median_step_s": statistics.median(steps) if steps else float("nan"),
        "tokens_per_second": report["tokens_per_second"], "first_loss": losses[0], "last_loss": losses[-1],
    }))


def make_4bit_copy(model: str) -> None:
    """The cached 4-bit copy of the base that `finetune train` loads (made once per machine)."""
    from supportbot.config import Config
    from supportbot.generation.quantization import nf4_model_dir
    from supportbot.model_sources import transformers_model_dir

    cache = Config().paths.cache_path()
    nf4_model_dir(transformers_model_dir(model, cache), cache, "cpu")


def random_model(arch: str) -> str:
    """A random-initialised `arch` in fp32 (as the bundled model's dense copy is) with its tokenizer, kept in the cache."""
    import torch
    from finetune_gpu import write_random_model
    from transformers import AutoTokenizer

    from supportbot.config import Config
    from supportbot.model_sources import transformers_model_dir

    cache = Config().paths.cache_path()
    folder = cache / "benchmark-models" / arch
    if not (folder / "tokenizer.json").is_file():
        write_random_model(arch, folder, "cpu", dtype=torch.float32)
        AutoTokenizer.from_pretrained(transformers_model_dir(BUNDLED, cache)).save_pretrained(folder)
    return str(folder)


def run_variant(variant: str, argv: list[str], mmap_threshold: int) -> dict:
    env = {**os.environ, **({"MALLOC_MMAP_THRESHOLD_": str(mmap_threshold)} if mmap_threshold else {})}
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        subprocess.run([sys.executable, __file__, *argv, "--child", variant, "--result", result.name], check=True, env=env)
        return json.loads(Path(result.name).read_text())


def table(results: list[dict]) -> list[str]:
    reference = next(r for r in results if r["variant"] == "lora")
    lines = ["| variant | base | peak RSS MB | added by training MB | median step s | tokens/s | loss first -> last |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        ratio = "" if r is reference else f" ({r['peak_mb'] / reference['peak_mb']:.2f}x)"
        added = "" if r is reference else f" ({r['added_mb'] / reference['added_mb']:.2f}x)"
        step = "" if r is reference else f" ({r['median_step_s'] / reference['median_step_s']:.2f}x)"
        lines.append(f"| {r['variant']} | {r['base_loaded_as']} | {r['peak_mb']:.0f}{ratio} | {r['added_mb']:.0f}{added} | "
                     f"{r['median_step_s']:.2f}{step} | {r['tokens_per_second']:.0f} | {r['first_loss']:.3f} -> {r['last_loss']:.3f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6, help="Optimizer steps per variant.")
    parser.add_argument("--batch-size", type=int, default=4, help="finetune.batch_size (default: the setting's default).")
    parser.add_argument("--max-length", type=int, default=1024, help="finetune.max_length (default: the setting's default).")
    parser.add_argument("--threads", type=int, default=1, help="model.threads: 1 keeps timings steadier on a shared machine.")
    parser.add_argument("--no-gradient-checkpointing", dest="gradient_checkpointing", action="store_false")
    parser.add_argument("--arch", help="A random-initialised architecture from finetune_gpu.py (e.g. smollm2-360m) instead of the bundled model.")
    parser.add_argument("--model", default=BUNDLED, help=argparse.SUPPRESS)
    parser.add_argument("--malloc-mmap-threshold", type=int, default=0, help="MALLOC_MMAP_THRESHOLD_ for both variants (0: glibc's default).")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument("--child", choices=list(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args, args.result)
        return
    model = random_model(args.arch) if args.arch else BUNDLED
    make_4bit_copy(model)
    settings = ["--model", model, "--steps", str(args.steps), "--batch-size", str(args.batch_size), "--max-length",
                str(args.max_length), "--threads", str(args.threads)] + ([] if args.gradient_checkpointing else ["--no-gradient-checkpointing"])
    results = [run_variant(variant, settings, args.malloc_mmap_threshold) for variant in VARIANTS]
    print(f"{args.arch + ' (random weights)' if args.arch else 'SmolLM2-135M-Instruct'}, {DATA.name}, {args.steps} steps of batch "
          f"{args.batch_size}, max length {args.max_length}, gradient checkpointing {'on' if args.gradient_checkpointing else 'off'}, "
          f"{args.threads} thread(s), MALLOC_MMAP_THRESHOLD_ {args.malloc_mmap_threshold or 'unset'}")
    print("\n".join(table(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
