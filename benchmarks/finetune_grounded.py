"""Training on the prompt the bot serves, measured: an adapter trained with sources in the prompt, one without, and the base.

The sample docs' dialogues are split by conversation (seeded) into training and held-out ones.
Held-out replies are put in the serving prompt (`finetune prepare --context` over an index of the
sample docs: bot.system_prompt with the numbered sources retrieved for the question) and answered
greedily as the bot answers in generative mode, by

- the base model,
- `with-sources`: an adapter trained on the training dialogues in the serving prompt (`prepare --context`,
  with its share of decline examples),
- `without-sources`: an adapter trained on the same dialogues as they are (their own short system prompt),

and scored against the reference reply: ROUGE-L and token F1, perplexity of the reference, and the
share of answers that state a number found in none of the sources shown (`unsupported_number_rate`).
Both adapters train with the same settings (finetune defaults unless given here) on the same data.

    PYTHONPATH=. .venv/bin/python benchmarks/finetune_grounded.py --out /tmp/grounded              # all stages
    PYTHONPATH=. .venv/bin/python benchmarks/finetune_grounded.py --out /tmp/grounded --stage with-sources

Stages whose output exists are skipped, so the run can be split into shorter pieces (`--stage`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.config import Config

DIALOGUES = Path(__file__).resolve().parent.parent / "supportbot" / "sample_data" / "dialogues.jsonl"
STAGES = ("data", "with-sources", "without-sources", "eval")


def config_for(args: argparse.Namespace) -> Config:
    config = Config()
    config.model.device, config.model.threads = "cpu", args.threads
    ft = config.finetune
    ft.epochs, ft.batch_size, ft.learning_rate, ft.eval_split = args.epochs, args.batch_size, args.learning_rate, 0.0
    ft.seed, ft.decline_share = args.seed, args.decline_share
    return config


def make_data(config: Config, out: Path, held_out_share: float) -> None:
    """Index the sample docs; split the dialogues; write both training sets and the held-out serving-prompt examples."""
    from supportbot.app import build_index
    from supportbot.finetune.context import prepare_with_context
    from supportbot.finetune.prepare import write_jsonl

    index = out / "index"
    build_index(config, ["bundled:sample-docs"], index, show_progress=False)
    dialogues = [json.loads(line)["messages"] for line in DIALOGUES.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(config.finetune.seed).shuffle(dialogues)
    count = round(held_out_share * len(dialogues))
    held_out, train = dialogues[:count], dialogues[count:]
    write_jsonl(({"messages": m} for m in train), out / "train-without-sources.jsonl")
    records, summary = prepare_with_context(config, index, train)
    write_jsonl(records, out / "train-with-sources.jsonl")
    print(f"with sources: {summary}")
    config.finetune.decline_share = 0.0  # held out: every reply with its own sources
    records, summary = prepare_with_context(config, index, held_out)
    write_jsonl(records, out / "held-out.jsonl")
    print(f"held out ({len(held_out)} dialogues): {summary}")


def train_adapter(config: Config, out: Path, name: str) -> None:
    from supportbot.finetune.trainer import TrainRequest, train

    started = time.perf_counter()
    report = train(config, TrainRequest(out / f"train-{name}.jsonl", out / name, overwrite=True))
    print(f"{name}: {report['steps']} steps in {time.perf_counter() - started:.0f} s, base {report['base_loaded_as']}, "
          f"peak {report['peak_resident_mb']:.0f} MB, loss {report['train_history'][0]['loss']:.3f} -> {report['train_history'][-1]['loss']:.3f}")


def evaluate(config: Config, out: Path, limit: int, max_new_tokens: int) -> dict:
    from supportbot.app import create_embedder, create_grounding_checker
    from supportbot.finetune.adapter import load_adapted
    from supportbot.finetune.data import load_conversations
    from supportbot.finetune.evaluate import answer_tasks, compare, markdown_table, score_model
    from supportbot.finetune.tokenization import tokenize_all

    conversations = load_conversations(out / "held-out.jsonl").conversations
    tasks = answer_tasks(conversations, limit)
    checker = create_grounding_checker(config, create_embedder(config))
    results = {}
    for name in ("with-sources", "without-sources"):
        model, tokenizer, device = load_adapted(config.model.name, config.paths.cache_path(), out / name, "cpu")
        examples = tokenize_all(tokenizer, conversations, config.finetune.max_length)
        scoring = (tokenizer, examples, tasks, max_new_tokens, config.finetune.batch_size, device, config.model.repetition_penalty, checker)
        if "base" in results:  # the base is the same model under both adapters: score it once
            results[name] = score_model(model, *scoring)
        else:
            scores = compare(model, *scoring)
            results["base"], results[name] = scores["base"], scores["adapted"]
    table = markdown_table(results)
    print(f"{len(conversations)} held-out replies for perplexity, {len(tasks)} answered\n{table}")
    summary = {name: {k: v for k, v in vars(s).items() if k != "answers"} for name, s in results.items()}
    answers = [{"question": task.messages[-1]["content"], "reference": task.reference, **{n: s.answers[i] for n, s in results.items()}}
               for i, task in enumerate(tasks)]
    (out / "results.json").write_text(json.dumps({"scores": summary, "answers": answers}, indent=1, ensure_ascii=False))
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder for the index, the data, both adapters and results.json.")
    parser.add_argument("--stage", choices=[*STAGES, "all"], default="all")
    parser.add_argument("--held-out-share", type=float, default=0.2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--limit", type=int, default=30, help="Held-out replies answered and scored.")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=0, help="model.threads; 0 lets torch decide.")
    parser.add_argument("--seed", type=int, default=42, help="finetune.seed: also chooses the held-out dialogues.")
    parser.add_argument("--decline-share", type=float, default=Config().finetune.decline_share,
                        help="finetune.decline_share for the with-sources examples.")
    args = parser.parse_args(argv)
    config = config_for(args)
    args.out.mkdir(parents=True, exist_ok=True)
    stages = STAGES if args.stage == "all" else (args.stage,)
    if "data" in stages and not (args.out / "held-out.jsonl").is_file():
        make_data(config, args.out, args.held_out_share)
    for name in ("with-sources", "without-sources"):
        if name in stages and not (args.out / name / "train_report.json").is_file():
            train_adapter(config, args.out, name)
    if "eval" in stages:
        evaluate(config, args.out, args.limit, args.max_new_tokens)


if __name__ == "__main__":
    main()
