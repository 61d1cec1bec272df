"""Quality of fine-tuning on a development set built from StackFAQ: base vs adapted, on threads never trained on.

Each paraphrased query of a thread is a user turn and the thread's first answer (cut to
`--answer-words`) the assistant turn; threads are split between train and eval, so evaluation
questions and answers are unseen. Prints held-out perplexity on the answers, and ROUGE-L / token F1
of greedy answers, for the bundled model with and without the adapter (`supportbot finetune eval`).

    PYTHONPATH=. python benchmarks/finetune_stackfaq.py --out /tmp/stackfaq-run          # CPU, ~30 min on 2 cores
    PYTHONPATH=. python benchmarks/finetune_stackfaq.py --out /tmp/stackfaq-run --queries-per-thread 10 --epochs 2
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.config import Config  # noqa: E402
from supportbot.finetune.prepare import write_jsonl  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "stackfaq"
SYSTEM_PROMPT = "You are a helpful support assistant for web applications. Answer briefly."


def build_dev_set(data_dir: Path, out: Path, eval_threads: int, queries_per_thread: int, answer_words: int, seed: int) -> tuple[Path, Path]:
    """train.jsonl and eval.jsonl under `out`, split by thread."""
    corpus = {row["_id"]: row for row in map(json.loads, (data_dir / "corpus.jsonl").open(encoding="utf-8"))}
    queries = {row["_id"]: row["text"] for row in map(json.loads, (data_dir / "queries.jsonl").open(encoding="utf-8"))}
    by_thread: dict[str, list[str]] = defaultdict(list)
    for line in (data_dir / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query_id, corpus_id, _ = line.split("\t")
        by_thread[corpus_id].append(queries[query_id])
    threads = sorted(by_thread)
    rng = random.Random(seed)
    rng.shuffle(threads)

    def conversations(thread_ids, per_thread):
        for thread in thread_ids:
            answer = " ".join(corpus[thread]["text"].split("\n\n")[0].split()[:answer_words])
            for question in by_thread[thread][:per_thread]:
                yield [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question.strip()},
                       {"role": "assistant", "content": answer}]

    out.mkdir(parents=True, exist_ok=True)
    train, held_out = out / "train.jsonl", out / "eval.jsonl"
    write_jsonl(({"messages": m} for m in conversations(threads[eval_threads:], queries_per_thread)), train)
    write_jsonl(({"messages": m} for m in conversations(threads[:eval_threads], 1)), held_out)
    return train, held_out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, required=True, help="Folder for the dev set, the adapter and results.json.")
    parser.add_argument("--eval-threads", type=int, default=25)
    parser.add_argument("--queries-per-thread", type=int, default=3)
    parser.add_argument("--answer-words", type=int, default=60)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=160)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (model.threads); 0 lets torch decide.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from supportbot.finetune.adapter import load_adapted
    from supportbot.finetune.data import load_conversations
    from supportbot.finetune.evaluate import answer_tasks, compare, format_table
    from supportbot.finetune.tokenization import tokenize_all
    from supportbot.finetune.trainer import TrainRequest, train

    train_file, eval_file = build_dev_set(args.data, args.out, args.eval_threads, args.queries_per_thread, args.answer_words, args.seed)
    config = Config()
    config.model.threads = args.threads
    ft = config.finetune
    ft.epochs, ft.max_length, ft.batch_size, ft.learning_rate = args.epochs, args.max_length, args.batch_size, args.learning_rate
    ft.gradient_checkpointing = False  # memory is plentiful on a CPU; recomputation only costs time
    started = time.perf_counter()
    report = train(config, TrainRequest(train_file, args.out / "adapter", eval_data=eval_file, overwrite=True))
    train_seconds = time.perf_counter() - started

    model, tokenizer, device = load_adapted(config.model.name, config.paths.cache_path(), args.out / "adapter", "cpu")
    conversations = load_conversations(eval_file).conversations
    examples = tokenize_all(tokenizer, conversations, args.max_length)
    results = compare(model, tokenizer, examples, answer_tasks(conversations, 0), args.max_new_tokens, args.batch_size, device)
    print(f"train: {report['train_conversations']} conversations, {report['steps']} steps, {train_seconds:.0f} s "
          f"({report['tokens_per_second']:.0f} tokens/s); eval: {len(conversations)} unseen threads")
    print(format_table(results))
    summary = {name: {k: v for k, v in vars(s).items() if k != "answers"} for name, s in results.items()}
    (args.out / "results.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "train_seconds": train_seconds,
                                                       "train_report": {k: v for k, v in report.items() if k != "train_history"},
                                                       "scores": summary}, indent=1))


if __name__ == "__main__":
    main()
