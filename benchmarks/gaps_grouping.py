"""How well `supportbot report gaps` groups paraphrases, per similarity threshold, on labelled question sets.

Each BEIR set's queries that share their relevant entry ask the same thing (BANKING77: one intent;
StackFAQ: one FAQ entry), so they should land in one group. For a sample of groups (shuffled, as
questions arrive), the report's grouping is scored with B-cubed precision (how pure a question's
group is), recall (how much of its true group it is with) and F1, next to the number of groups
found against the true number. Reference in the same run: every question its own group (what a
list of raw questions gives a support lead), and exact-text grouping.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/gaps_grouping.py ../shared/data/banking77 ../shared/data/stackfaq
    ... --groups 30 --per-group 8 --seed 1 --thresholds 0.5 0.6 0.7 0.8
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from supportbot.evaluation.beir import load_beir
from supportbot.evaluation.gaps import group_by_similarity
from supportbot.retrieval.embedder import SentenceTransformerEmbedder


def sample(path: Path, groups: int, per_group: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """(questions, true labels) for `groups` entries with at least two questions, shuffled."""
    dataset = load_beir(path)
    by_entry: dict[str, list[str]] = {}
    for query_id, text in dataset.queries.items():
        by_entry.setdefault(next(iter(dataset.qrels[query_id])), []).append(text)
    entries = sorted(entry for entry, texts in by_entry.items() if len(texts) >= 2)
    chosen = rng.sample(entries, min(groups, len(entries)))
    rows = [(text, entry) for entry in chosen for text in rng.sample(by_entry[entry], min(per_group, len(by_entry[entry])))]
    rng.shuffle(rows)
    return [text for text, _ in rows], [label for _, label in rows]


def b_cubed(predicted: list[int], truth: list[str]) -> tuple[float, float, float]:
    precision = recall = 0.0
    for i in range(len(truth)):
        same_group = [j for j in range(len(truth)) if predicted[j] == predicted[i]]
        same_truth = [j for j in range(len(truth)) if truth[j] == truth[i]]
        both = sum(1 for j in same_group if truth[j] == truth[i])
        precision += both / len(same_group)
        recall += both / len(same_truth)
    precision, recall = precision / len(truth), recall / len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall)


def labels_of(groups: list[list[int]], size: int) -> list[int]:
    labels = [0] * size
    for number, rows in enumerate(groups):
        for row in rows:
            labels[row] = number
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", nargs="+", type=Path)
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--per-group", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.5, 0.6, 0.65, 0.7, 0.75, 0.8])
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder("bundled:all-minilm-l6-v2")
    embedder.warm_up()
    print(f"{'set':<12} {'grouping':<16} {'groups':>11} {'B3-P':>6} {'B3-R':>6} {'B3-F1':>6}")
    for path in args.datasets:
        questions, truth = sample(path, args.groups, args.per_group, random.Random(args.seed))
        started = time.perf_counter()
        vectors = embedder.embed_documents(questions)
        embed_ms = (time.perf_counter() - started) * 1000
        true_groups = len(set(truth))
        rows = [("each alone", list(range(len(questions))))]
        exact: dict[str, int] = {}
        rows.append(("exact text", [exact.setdefault(q.lower().strip(), len(exact)) for q in questions]))
        for threshold in args.thresholds:
            rows.append((f"cosine >= {threshold:.2f}", labels_of(group_by_similarity(np.asarray(vectors), threshold), len(questions))))
        for name, predicted in rows:
            precision, recall, f1 = b_cubed(predicted, truth)
            print(f"{path.name:<12} {name:<16} {len(set(predicted)):>4} / {true_groups:<4} {precision:6.3f} {recall:6.3f} {f1:6.3f}")
        print(f"{path.name:<12} ({len(questions)} questions embedded in {embed_ms:.0f} ms)")


if __name__ == "__main__":
    main()
