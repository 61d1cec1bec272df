"""Fine-tuning on STAR service dialogues at scale, on the CPU: speed, memory, perplexity, tone, and invented figures.

STAR (../shared/data/star_dialogues, read its SOURCE.md) holds 3,000 training dialogues whose
assistant turns state balances, bookings and forecasts that the conversation does not contain (the
API results were dropped). Training on them teaches tone, and teaches the model to state figures
it was never given. This benchmark measures both, with `supportbot finetune train` defaults
(QLoRA on the bundled SmolLM2-135M) unless given here:

- `unpacked`: finetune defaults (length-grouped batches of `--batch-size` dialogues);
- `packed`: the same with `finetune.packing` (rows of up to max_length tokens, `--batch-size` rows a step);

each on the first `--train` training dialogues for `--epochs`, then scored on `--eval` development
dialogues against the base: perplexity of the reference reply, ROUGE-L and token F1 of a greedy
reply, and `unsupported_number_rate`, the share of replies stating a number found nowhere in the
conversation before it (the conversation is the reply's only source). Each development dialogue
is cut at its first reply that states a number (else its last), so the measure has figures to
catch; the references' own rate is printed too (what the data teaches).

    PYTHONPATH=. .venv/bin/python benchmarks/finetune_star.py --out /tmp/star                  # all stages
    PYTHONPATH=. .venv/bin/python benchmarks/finetune_star.py --out /tmp/star --stage packed   # one stage

Stages whose output exists are skipped; run each training stage in its own process (`--stage`) so
the report's peak resident memory is that training's alone.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.config import Config

STAR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "star_dialogues"
ADAPTERS = ("unpacked", "packed")
STAGES = ("data", *ADAPTERS, "eval")
DIGIT = re.compile(r"\d")


def config_for(args: argparse.Namespace, packing: bool = False) -> Config:
    config = Config()
    config.model.device, config.model.threads = "cpu", args.threads
    ft = config.finetune
    ft.epochs, ft.batch_size, ft.eval_split, ft.packing = args.epochs, args.batch_size, 0.0, packing
    return config


def first_lines(path: Path, count: int) -> list[dict]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(lines) < count:
        sys.exit(f"{path} holds {len(lines)} dialogues, fewer than the {count} asked for")
    return [json.loads(line) for line in lines[:count]]


def cut_at_first_figure(messages: list[dict]) -> dict:
    """The dialogue up to its first reply that states a number (else its last), with what came before as its source."""
    replies = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    cut = next((i for i in replies if DIGIT.search(messages[i]["content"])), replies[-1])
    before = "\n".join(m["content"] for m in messages[:cut])
    return {"messages": messages[: cut + 1], "sources": [{"id": "conversation", "text": before}]}


def make_data(args: argparse.Namespace) -> None:
    from supportbot.finetune.prepare import write_jsonl

    write_jsonl(first_lines(args.star / "train.jsonl", args.train), args.out / "train.jsonl")
    write_jsonl((cut_at_first_figure(d["messages"]) for d in first_lines(args.star / "dev.jsonl", args.eval)), args.out / "dev.jsonl")


def train_adapter(args: argparse.Namespace, name: str) -> None:
    from supportbot.finetune.trainer import TrainRequest, train

    started = time.perf_counter()
    report = train(config_for(args, packing=name == "packed"), TrainRequest(args.out / "train.jsonl", args.out / name, overwrite=True))
    history = report["train_history"]
    print(f"{name}: {report['train_conversations']} dialogues in {report['train_rows']} rows, {report['steps']} steps, "
          f"{report['tokens_per_second']:.0f} tokens/s, {time.perf_counter() - started:.0f} s in all, peak {report['peak_resident_mb']:.0f} MB, "
          f"loss {history[0]['loss']:.3f} -> {history[-1]['loss']:.3f}")


def evaluate(args: argparse.Namespace) -> dict:
    from supportbot.app import create_embedder, create_grounding_checker
    from supportbot.finetune.adapter import load_adapted
    from supportbot.finetune.data import load_conversations
    from supportbot.finetune.evaluate import answer_tasks, compare, faithfulness_rates, markdown_table, score_model
    from supportbot.finetune.tokenization import tokenize_all

    config = config_for(args)
    conversations = load_conversations(args.out / "dev.jsonl").conversations
    tasks = answer_tasks(conversations, 0)
    checker = create_grounding_checker(config, create_embedder(config))
    results = {}
    for name in ADAPTERS:
        model, tokenizer, device = load_adapted(config.model.name, config.paths.cache_path(), args.out / name, "cpu")
        examples = tokenize_all(tokenizer, conversations, config.finetune.max_length)
        scoring = (tokenizer, examples, tasks, args.max_new_tokens, config.finetune.batch_size, device, config.model.repetition_penalty, checker)
        if "base" in results:  # the base is the same model under both adapters: score it once
            results[name] = score_model(model, *scoring)
        else:
            scores = compare(model, *scoring)
            results["base"], results[name] = scores["base"], scores["adapted"]
    reference_rate, _ = faithfulness_rates([t.reference for t in tasks], tasks, checker)
    print(f"{len(tasks)} development replies; the references themselves state an unsupported number in {reference_rate:.3f}")
    print(markdown_table(results))
    training = {}
    for name in ADAPTERS:
        report = json.loads((args.out / name / "train_report.json").read_text())
        training[name] = {k: report[k] for k in ("train_conversations", "train_rows", "steps", "tokens_per_second", "peak_resident_mb", "seconds")}
    summary = {name: {k: v for k, v in vars(s).items() if k != "answers"} for name, s in results.items()}
    answers = [{"prompt": task.messages[-1]["content"], "reference": task.reference, **{n: s.answers[i] for n, s in results.items()}}
               for i, task in enumerate(tasks)]
    out = {"scores": summary, "reference_unsupported_number_rate": reference_rate, "training": training, "answers": answers}
    (args.out / "results.json").write_text(json.dumps(out, indent=1, ensure_ascii=False))
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder for the data, both adapters and results.json.")
    parser.add_argument("--stage", choices=[*STAGES, "all"], default="all")
    parser.add_argument("--star", type=Path, default=STAR, help="The STAR chat JSONL folder (train.jsonl, dev.jsonl).")
    parser.add_argument("--train", type=int, default=256, help="Training dialogues (the first N of train.jsonl).")
    parser.add_argument("--eval", type=int, default=40, help="Development dialogues scored (the first N of dev.jsonl).")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=0, help="model.threads; 0 lets torch decide.")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    stages = STAGES if args.stage == "all" else (args.stage,)
    if "data" in stages and not (args.out / "dev.jsonl").is_file():
        make_data(args)
    for name in ADAPTERS:
        if name in stages and not (args.out / name / "train_report.json").is_file():
            train_adapter(args, name)
    if "eval" in stages:
        evaluate(args)


if __name__ == "__main__":
    main()
