"""The end-of-run record: `train_report.json` and a loss-curve PNG in the output folder."""

from __future__ import annotations

import json
import resource
from pathlib import Path

from supportbot.staging import staged_file

REPORT_FILE = "train_report.json"
CURVE_FILE = "loss_curve.png"


def peak_resident_mb() -> float:
    """This process's peak resident memory: /proc's VmHWM (its own since it started), else getrusage's maxrss.

    getrusage's figure carries over from the parent across fork and exec, so a process started by
    a large one would report the parent's size; VmHWM starts afresh with each program.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024  # kB
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def peak_memory(device) -> dict:
    """The run's measured peak memory: the process's peak resident set (what a CPU run needs of RAM) and, on CUDA, GPU memory.

    The resident peak is the whole process's since it started, so it is the run's own when
    `supportbot finetune train` runs it, and an upper bound inside a longer-lived process.
    """
    import torch

    memory = {"peak_resident_mb": round(peak_resident_mb(), 1)}
    if device.type == "cuda":
        memory["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    return memory


def write_report(report: dict, output_dir: Path) -> Path:
    path = Path(output_dir) / REPORT_FILE
    with staged_file(path) as staging:
        staging.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def plot_loss_curve(train_history: list[dict], eval_history: list[dict], output_dir: Path) -> Path:
    """Training loss per step and eval loss per evaluation, on one chart."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a training box
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    if train_history:
        axes.plot([h["step"] for h in train_history], [h["loss"] for h in train_history], label="train loss", linewidth=1)
    if eval_history:
        axes.plot([h["step"] for h in eval_history], [h["loss"] for h in eval_history], "o-", label="eval loss")
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("loss (assistant tokens)")
    axes.grid(alpha=0.3)
    axes.legend()
    path = Path(output_dir) / CURVE_FILE
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
