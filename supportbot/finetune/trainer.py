"""The training loop: plain torch with `accelerate`, so `accelerate launch` spreads it over GPUs unchanged.

Output folder layout: the best adapter (lowest eval loss; the last one without eval data) at the
top level, `checkpoint/` with the latest full training state for `--resume`, `train_report.json`
and `loss_curve.png`. A run that replaces an earlier one (`--overwrite`) trains in a staging
folder beside it, swapped in when the run ends, so an interrupted run leaves the earlier adapter
as it was; `--resume` continues in the staging folder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from supportbot import __version__
from supportbot.adapters import AdapterInfo
from supportbot.config import Config
from supportbot.errors import FinetuneError
from supportbot.finetune.adapter import save_adapter
from supportbot.finetune.batching import batch_order, collate, collate_packed, pack_examples
from supportbot.finetune.data import load_conversations, split_conversations
from supportbot.finetune.loss import AssistantLossModel, loss_totals, mean_per_token, perplexity
from supportbot.finetune.modeling import (
    count_linear_4bit,
    describe_base,
    embeddings_on_cpu,
    load_tokenizer,
    load_trainable_model,
)
from supportbot.finetune.prepare import write_jsonl
from supportbot.finetune.report import peak_memory, plot_loss_curve, write_report
from supportbot.finetune.tokenization import TokenizedExample, apply_template_setting, tokenize_all
from supportbot.generation.quantization import QUANT_TYPE, use_4bit
from supportbot.model_sources import transformers_model_dir
from supportbot.staging import apply_umask, make_folder, replace_folder, staging_folder_for

log = logging.getLogger(__name__)

CHECKPOINT_DIR = "checkpoint"
STATE_FILE = "state.json"
HELD_OUT_FILE = "held_out.jsonl"


@dataclass
class TrainState:
    """Where a run is; saved with every checkpoint so `--resume` continues exactly there."""

    step: int = 0
    epoch: int = 0
    batches_done_in_epoch: int = 0
    best_eval_loss: float | None = None
    best_step: int = 0
    evals_without_improvement: int = 0
    train_history: list[dict] = field(default_factory=list)
    eval_history: list[dict] = field(default_factory=list)
    tokens_seen: int = 0
    seconds: float = 0.0


@dataclass
class TrainRequest:
    """One `finetune train` invocation: data, output folder and overrides of the [finetune] settings."""

    data: Path
    output_dir: Path
    eval_data: Path | None = None
    resume: bool = False
    overwrite: bool = False
    quantize: bool | None = None  # --quantize / --no-quantize: finetune.quantize "on" / "off" for this run
    show_progress: bool = True
    on_step: Callable[[TrainState], None] | None = None  # called after each optimizer step (progress hooks, tests)


def check_overwrite(output_dir: Path, overwrite: bool, options: str = "--overwrite to replace it") -> bool:
    """Whether `output_dir` holds an earlier result to be replaced; refused unless told to (`overwrite`), naming the `options` that would.

    Nothing is deleted here: the new result is built beside the old one and replaces it when complete.
    """
    if not (output_dir.is_dir() and any(output_dir.iterdir())):
        return False
    if not overwrite:
        raise FinetuneError(f"output folder {output_dir} already exists: pass {options}")
    return True


def prepare_output_dir(output_dir: Path, resume: bool, overwrite: bool) -> Path:
    """The folder this run writes to: `output_dir`, or, when it replaces an earlier run, the staging folder beside it.

    Refuses to touch an earlier run unless told to overwrite or resume it.
    """
    staging = staging_folder_for(output_dir)
    if resume:
        for folder in (staging, output_dir):  # an interrupted replacement first: it is newer than what it replaces
            if (folder / CHECKPOINT_DIR / STATE_FILE).is_file():
                return folder
        raise FinetuneError(f"--resume: {output_dir} has no {CHECKPOINT_DIR}/{STATE_FILE} to continue from; start without --resume")
    replacing = check_overwrite(output_dir, overwrite, "--overwrite to replace it or --resume to continue it")
    shutil.rmtree(staging, ignore_errors=True)  # what an earlier interrupted replacement left: this run starts afresh
    work_dir = staging if replacing else output_dir
    make_folder(work_dir)
    return work_dir


def _oom_error(config: Config) -> FinetuneError:
    ft = config.finetune
    return FinetuneError(
        f"CUDA out of memory: lower finetune.batch_size (now {ft.batch_size}; raise gradient_accumulation_steps to keep "
        f"the effective batch), lower finetune.max_length (now {ft.max_length}), or set finetune.gradient_checkpointing "
        f"= true (now {str(ft.gradient_checkpointing).lower()})"
    )


@dataclass
class _Session:
    """Everything one run holds while it trains."""

    accelerator: Any
    model: Any
    optimizer: Any
    scheduler: Any
    tokenizer: Any
    info: AdapterInfo
    train_examples: list[TokenizedExample]
    eval_examples: list[TokenizedExample]
    rows: list[list[int]]  # example indices per training row (`FinetuneRun._rows`)
    state: TrainState
    total_steps: int
    quantize: bool
    linear_4bit_layers: int
    counts: dict


class FinetuneRun:
    """Trains one adapter; construct cheaply, then `run()` loads the data, the model, and trains."""

    def __init__(self, config: Config, request: TrainRequest) -> None:
        self.config = config
        self.settings = config.finetune
        self.request = request
        self.output_dir = Path(request.output_dir)
        self.work_dir = self.output_dir  # where files are written until the run ends (`prepare_output_dir`)

    # -- setup ---------------------------------------------------------------------------------
    def _read_data(self) -> tuple[list, list, dict]:
        """Train and eval conversations, read and checked before any model loads."""
        train_report = load_conversations(self.request.data)
        train, held_out = train_report.conversations, []
        if self.request.eval_data is not None:
            held_out = load_conversations(self.request.eval_data).conversations
        elif self.settings.eval_split > 0:
            train, held_out = split_conversations(train, self.settings.eval_split, self.settings.seed)
        counts = {"duplicates_skipped": train_report.duplicates, "without_assistant_skipped": train_report.without_assistant}
        return train, held_out, counts

    def _tokenize(self, tokenizer, train, held_out, counts: dict) -> tuple[list[TokenizedExample], list[TokenizedExample]]:
        max_length = self.settings.max_length
        train_examples = tokenize_all(tokenizer, train, max_length)
        eval_examples = tokenize_all(tokenizer, held_out, max_length)
        counts.update(
            train_conversations=len(train_examples),
            eval_conversations=len(eval_examples),
            truncated_train=sum(e.truncated for e in train_examples),
            truncated_eval=sum(e.truncated for e in eval_examples),
        )
        return train_examples, eval_examples

    def _rows(self, examples: list[TokenizedExample]) -> list[list[int]]:
        """Example indices per row: one example each, or several laid end to end under `finetune.packing`."""
        if self.settings.packing:
            return pack_examples([len(e) for e in examples], self.settings.max_length)
        return [[i] for i in range(len(examples))]

    def _batches(self, rows: list[list[int]], examples: list[TokenizedExample], epoch: int, accelerator) -> list[list[list[int]]]:
        """This process's share of the epoch's batches of rows (equal counts on every process, so none waits forever)."""
        lengths = [sum(len(examples[i]) for i in row) for row in rows]
        order = batch_order(lengths, self.settings.batch_size, self.settings.seed + epoch, self.settings.group_by_length)
        per_process = len(order) // accelerator.num_processes if accelerator.num_processes > 1 else len(order)
        return [[rows[r] for r in batch] for batch in order[accelerator.process_index :: accelerator.num_processes][:per_process]]

    # -- checkpoints ---------------------------------------------------------------------------
    def _save_checkpoint(self, accelerator, model, optimizer, scheduler, state: TrainState) -> None:
        accelerator.wait_for_everyone()
        if not accelerator.is_main_process:
            return
        directory = self.work_dir / CHECKPOINT_DIR
        staging = self.work_dir / (CHECKPOINT_DIR + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        accelerator.unwrap_model(model).model.save_pretrained(staging / "adapter")
        torch.save(
            {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "torch_rng": torch.get_rng_state(),
             "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
            staging / "training_state.pt",
        )
        (staging / STATE_FILE).write_text(json.dumps(state.__dict__, indent=1) + "\n", encoding="utf-8")
        apply_umask(staging)
        shutil.rmtree(directory, ignore_errors=True)
        staging.rename(directory)

    def _load_checkpoint(self, peft_model, optimizer, scheduler) -> TrainState:
        from peft import set_peft_model_state_dict
        from peft.utils import load_peft_weights

        directory = self.work_dir / CHECKPOINT_DIR
        set_peft_model_state_dict(peft_model, load_peft_weights(str(directory / "adapter")))
        saved = torch.load(directory / "training_state.pt", weights_only=False)
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        torch.set_rng_state(saved["torch_rng"])
        if saved["cuda_rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(saved["cuda_rng"])
        return TrainState(**json.loads((directory / STATE_FILE).read_text(encoding="utf-8")))

    # -- evaluation ----------------------------------------------------------------------------
    def _evaluate(self, accelerator, model, examples: list[TokenizedExample], pad_id: int) -> float:
        """Mean held-out loss per assistant token, each process scoring its share of the batches."""
        model.eval()
        totals = loss_totals(model, examples, pad_id, self.settings.batch_size, accelerator.device,
                             accelerator.process_index, accelerator.num_processes)
        model.train()
        return mean_per_token(accelerator.reduce(totals, reduction="sum"))

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> dict:
        threads = torch.get_num_threads()
        try:
            return self._run()
        except torch.OutOfMemoryError:
            raise _oom_error(self.config) from None
        finally:
            torch.set_num_threads(threads)  # model.threads applies to this run, not to the rest of the process

    def _setup(self) -> _Session:
        """Data first (a bad line stops the run before any model loads), then the model, optimizer and state."""
        from accelerate import Accelerator
        from transformers import get_scheduler

        settings = self.settings
        train, held_out, counts = self._read_data()
        wants_cpu = self.config.model.device == "cpu" or not torch.cuda.is_available()
        setting = settings.quantize if self.request.quantize is None else ("on" if self.request.quantize else "off")
        quantize = use_4bit(setting, "finetune.quantize", "cpu" if wants_cpu else "cuda")  # before anything is written
        self.work_dir = prepare_output_dir(self.output_dir, self.request.resume, self.request.overwrite)
        if self.config.model.threads > 0:
            torch.set_num_threads(self.config.model.threads)
        mixed = "bf16" if not wants_cpu and torch.cuda.is_bf16_supported() else "no"
        accelerator = Accelerator(cpu=wants_cpu, mixed_precision=mixed)
        if accelerator.is_main_process and self.request.eval_data is None and held_out:
            write_jsonl((c.record() for c in held_out), self.work_dir / HELD_OUT_FILE)  # for `finetune eval --data`
        model_dir = transformers_model_dir(self.config.model.name, self.config.paths.cache_path())
        tokenizer = load_tokenizer(model_dir)
        template = apply_template_setting(tokenizer, settings.chat_template, self.config.model.name)
        train_examples, eval_examples = self._tokenize(tokenizer, train, held_out, counts)
        if accelerator.is_main_process:
            log.info(
                "fine-tuning %s on %s, base %s: LoRA r=%d, %d train / %d eval conversations, %d truncated to %d tokens",
                self.config.model.name, accelerator.device, describe_base(accelerator.device, quantize),
                settings.lora_r, counts["train_conversations"], counts["eval_conversations"], counts["truncated_train"], settings.max_length,
            )
        peft_model = load_trainable_model(model_dir, settings, quantize, accelerator.device, settings.seed, self.config.paths.cache_path())
        params = [p for p in peft_model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=settings.weight_decay)
        rows = self._rows(train_examples)
        counts["train_rows"] = len(rows)  # fewer than conversations under finetune.packing
        batches_per_epoch = len(self._batches(rows, train_examples, 0, accelerator))
        if batches_per_epoch == 0:
            raise FinetuneError(f"{len(train_examples)} training conversation(s) make no batch on {accelerator.num_processes} process(es): add data")
        total_steps = settings.max_steps or settings.epochs * math.ceil(batches_per_epoch / settings.gradient_accumulation_steps)
        scheduler = get_scheduler(settings.lr_scheduler, optimizer, math.ceil(settings.warmup_ratio * total_steps), total_steps)
        state = self._load_checkpoint(peft_model, optimizer, scheduler) if self.request.resume else TrainState()
        model, optimizer = accelerator.prepare(AssistantLossModel(peft_model, settings.loss_chunk_tokens), optimizer)
        if settings.embeddings_on_cpu:
            embeddings_on_cpu(peft_model, accelerator.device)
        info = AdapterInfo(self.config.model.name, template, settings.max_length, __version__, QUANT_TYPE if quantize else "")
        return _Session(accelerator, model, optimizer, scheduler, tokenizer, info, train_examples, eval_examples, rows, state,
                        total_steps, quantize, count_linear_4bit(peft_model), counts)

    def _save_adapter(self, s: _Session) -> None:
        if s.accelerator.is_main_process:
            save_adapter(s.accelerator.unwrap_model(s.model).model, s.tokenizer, self.work_dir, s.info)

    def _evaluate_and_keep(self, s: _Session) -> bool:
        """Evaluate, keep the best adapter (the last one without eval data) and a checkpoint; True means stop early."""
        state = s.state
        if not s.eval_examples:
            self._save_adapter(s)
            self._save_checkpoint(s.accelerator, s.model, s.optimizer, s.scheduler, state)
            return False
        loss = self._evaluate(s.accelerator, s.model, s.eval_examples, s.tokenizer.pad_token_id)
        state.eval_history.append({"step": state.step, "epoch": state.epoch, "loss": loss, "perplexity": perplexity(loss)})
        if state.best_eval_loss is None or loss < state.best_eval_loss:
            state.best_eval_loss, state.best_step, state.evals_without_improvement = loss, state.step, 0
            self._save_adapter(s)
        else:
            state.evals_without_improvement += 1
        self._save_checkpoint(s.accelerator, s.model, s.optimizer, s.scheduler, state)
        if s.accelerator.is_main_process:
            log.info("step %d: eval loss %.4f, perplexity %.2f", state.step, loss, perplexity(loss))
        patience = self.settings.early_stopping_patience
        return patience > 0 and state.evals_without_improvement >= patience

    def _micro_batch(self, s: _Session, rows: list[list[int]], sync: bool) -> tuple[torch.Tensor, int]:
        """Forward and backward of one micro-batch; gradients are synchronised across GPUs only when `sync`."""
        examples = [[s.train_examples[i] for i in row] for row in rows]
        pad_id = s.tokenizer.pad_token_id
        tensors = collate_packed(examples, pad_id) if self.settings.packing else collate([row[0] for row in examples], pad_id)
        batch = {k: v.to(s.accelerator.device) for k, v in tensors.items()}
        with contextlib.nullcontext() if sync else s.accelerator.no_sync(s.model):
            loss = s.model(**batch)
            s.accelerator.backward(loss / self.settings.gradient_accumulation_steps)
        return loss.detach().float(), sum(len(e) for row in examples for e in row)

    def _optimizer_step(self, s: _Session, micro_losses: list[torch.Tensor], tokens: int, started: float, bar) -> None:
        state, accelerator = s.state, s.accelerator
        if self.settings.max_grad_norm > 0:
            accelerator.clip_grad_norm_(s.model.parameters(), self.settings.max_grad_norm)
        s.optimizer.step()
        s.scheduler.step()
        s.optimizer.zero_grad(set_to_none=True)
        state.step += 1
        step_loss = float(accelerator.reduce(torch.stack(micro_losses).mean(), reduction="mean"))
        state.tokens_seen += tokens * accelerator.num_processes
        state.seconds = time.perf_counter() - started
        state.train_history.append({"step": state.step, "loss": step_loss, "lr": s.scheduler.get_last_lr()[0]})
        bar.update(1)
        bar.set_postfix(loss=f"{step_loss:.3f}", tok_s=f"{state.tokens_seen / max(state.seconds, 1e-9):.0f}")
        if self.request.on_step is not None:
            self.request.on_step(state)

    def _loop(self, s: _Session, bar) -> str:
        """Train until the planned steps are done or early stopping; returns why it stopped."""
        settings, state = self.settings, s.state
        started = time.perf_counter() - state.seconds
        s.model.train()
        while state.step < s.total_steps:
            batches = self._batches(s.rows, s.train_examples, state.epoch, s.accelerator)
            micro_losses, tokens = [], 0
            for position in range(state.batches_done_in_epoch, len(batches)):
                last_of_step = (position + 1) % settings.gradient_accumulation_steps == 0 or position + 1 == len(batches)
                loss, count = self._micro_batch(s, batches[position], sync=last_of_step)
                micro_losses.append(loss)
                tokens += count
                if not last_of_step:
                    continue
                state.batches_done_in_epoch = position + 1
                self._optimizer_step(s, micro_losses, tokens, started, bar)
                micro_losses, tokens = [], 0
                if settings.eval_steps > 0 and state.step % settings.eval_steps == 0 and self._evaluate_and_keep(s):
                    return "early_stopping"
                if state.step >= s.total_steps:
                    if state.batches_done_in_epoch == len(batches):
                        state.epoch, state.batches_done_in_epoch = state.epoch + 1, 0
                    break
            else:
                state.epoch, state.batches_done_in_epoch = state.epoch + 1, 0
                if settings.eval_steps == 0 and self._evaluate_and_keep(s):
                    return "early_stopping"
        if (not state.eval_history or state.eval_history[-1]["step"] != state.step) and self._evaluate_and_keep(s):
            return "early_stopping"
        return "finished"

    def _run(self) -> dict:
        from tqdm.auto import tqdm

        s = self._setup()
        show = self.request.show_progress and s.accelerator.is_main_process
        bar = tqdm(total=s.total_steps, initial=s.state.step, unit="step", disable=not show)
        try:
            stopped = self._loop(s, bar)
        except KeyboardInterrupt:
            self._save_checkpoint(s.accelerator, s.model, s.optimizer, s.scheduler, s.state)
            if not s.state.eval_history:
                self._save_adapter(s)
            self._finish(s, "interrupted")
            raise FinetuneError(f"interrupted at step {s.state.step}: continue with --resume (output folder {self.output_dir}"
                                + (", which keeps the earlier adapter until the run ends)" if self._replacing() else ")")) from None
        finally:
            bar.close()
        report = self._finish(s, stopped)
        self._put_in_place(s)
        return report

    def _replacing(self) -> bool:
        return self.work_dir != self.output_dir

    def _put_in_place(self, s: _Session) -> None:
        """The finished run replaces the earlier one only now, whole."""
        s.accelerator.wait_for_everyone()
        if s.accelerator.is_main_process and self._replacing():
            replace_folder(self.work_dir, self.output_dir)

    def _finish(self, s: _Session, stopped: str) -> dict:
        state, accelerator = s.state, s.accelerator
        report = {
            "base_model": self.config.model.name,
            "device": str(accelerator.device),
            "processes": accelerator.num_processes,
            "quantized": s.quantize,
            "base_loaded_as": describe_base(accelerator.device, s.quantize),
            "linear_4bit_layers": s.linear_4bit_layers,
            **peak_memory(accelerator.device),
            "stopped": stopped,
            "steps": state.step,
            "planned_steps": s.total_steps,
            "epochs_completed": state.epoch,
            **s.counts,
            "tokens_seen": state.tokens_seen,
            "seconds": round(state.seconds, 2),
            "tokens_per_second": round(state.tokens_seen / max(state.seconds, 1e-9), 1),
            "best_step": state.best_step,
            "best_eval_loss": state.best_eval_loss,
            "best_eval_perplexity": perplexity(state.best_eval_loss) if state.best_eval_loss is not None else None,
            "eval_history": state.eval_history,
            "train_history": state.train_history,
            "settings": dict(self.settings.__dict__),
        }
        if accelerator.is_main_process:
            write_report(report, self.work_dir)
            plot_loss_curve(state.train_history, state.eval_history, self.work_dir)
        return report


def train(config: Config, request: TrainRequest) -> dict:
    """Train an adapter as `request` says; returns what train_report.json holds."""
    return FinetuneRun(config, request).run()
