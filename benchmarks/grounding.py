"""How well the grounding check separates supported answer sentences from unsupported ones.

Reads hand-labelled answer sentences (benchmarks/data/grounding_labels.jsonl, one answer a line:
the answers the bundled model wrote in generative mode for the sample docs' answer set and for the
first 60 StackFAQ queries, with the chunks it was given and, per sentence, a label: does a source
state it? Labelled by the lead developer, strictly: a sentence that adds anything is unsupported) and reports, for the checker as
configured and for a grid of its two bars, the precision of what it accepts (the share of shown
sentences that are supported: what a customer reads) and its recall (the share of supported
sentences it keeps). References in the same run: each measure alone (embedding similarity only,
lexical overlap only), which is how the defaults were chosen.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/grounding.py
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.app import create_embedder, create_grounding_checker
from supportbot.bot.prompt import group_sources
from supportbot.config import Config
from supportbot.retrieval.documents import Chunk, ScoredChunk

LABELS = Path(__file__).resolve().parent / "data" / "grounding_labels.jsonl"


def load_cases(path: Path) -> list[dict]:
    """One case per labelled sentence, with its answer's question, customer messages and retrieved chunks."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        answer = json.loads(line)
        for sentence in answer["sentences"]:
            cases.append({**answer, "group": f"{answer['set']}:{number}", "sentence": sentence["text"], "label": sentence["supported"]})
    return cases


def score(checker, cases: list[dict], evidence_cache: dict) -> dict:
    kept = kept_supported = supported = claims = 0
    for case in cases:
        key = case["group"]
        if key not in evidence_cache:
            hits = [ScoredChunk(Chunk(f"{h['doc_id']}::{i}", h["doc_id"], h["title"], h["doc_id"], h["text"], question=h["question"]), 1.0) for i, h in enumerate(case["hits"])]
            evidence_cache[key] = checker.evidence([source for source, _ in group_sources(hits)], case["customer"])
        check = checker.check(case["sentence"], evidence_cache[key])
        if not check.claim:
            continue
        claims += 1
        supported += case["label"]
        kept += check.supported
        kept_supported += check.supported and case["label"]
    precision = kept_supported / kept if kept else 1.0
    recall = kept_supported / supported if supported else 1.0
    return {"claims": claims, "supported": supported, "kept": kept, "precision": precision, "recall": recall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    args = parser.parse_args()
    cases = load_cases(args.labels)
    config = Config()
    embedder = create_embedder(config)
    embedder.warm_up()
    base = create_grounding_checker(config, embedder)
    cache: dict = {}
    rows = [("configured", base.min_similarity, base.min_overlap)]
    rows += [("similarity only", s, 0.0) for s in (0.5, 0.6, 0.7, 0.8, 0.9)]
    rows += [("overlap only", 0.0, o) for o in (0.4, 0.5, 0.6, 0.7, 0.8)]
    rows += [("both", s, o) for s in (0.6, 0.7, 0.8) for o in (0.5, 0.6, 0.7)]
    by_set = {name: [c for c in cases if c["set"] == name] for name in sorted({c["set"] for c in cases})}
    print(f"{len(cases)} labelled sentences: " + ", ".join(f"{name} {len(items)}" for name, items in by_set.items()))
    header = f"{'rule':<18}{'sim':>6}{'overlap':>9}" + "".join(f"{name + ' P':>14}{'R':>7}" for name in by_set) + f"{'all P':>9}{'R':>7}"
    print(header)
    for name, similarity, overlap in rows:
        checker = replace_bars(base, similarity, overlap)
        figures = [score(checker, items, cache) for items in by_set.values()] + [score(checker, cases, cache)]
        print(
            f"{name:<18}{similarity:>6.2f}{overlap:>9.2f}"
            + "".join(f"{f['precision']:>14.3f}{f['recall']:>7.3f}" for f in figures[:-1])
            + f"{figures[-1]['precision']:>9.3f}{figures[-1]['recall']:>7.3f}"
        )
    total = score(base, cases, cache)
    print(f"claims {total['claims']}, supported {total['supported']}, kept by the configured checker {total['kept']}")


def replace_bars(checker, similarity: float, overlap: float):
    """The same checker, sharing its embeddings, with other bars."""
    other = copy.copy(checker)
    other.min_similarity, other.min_overlap = similarity, overlap
    return other


if __name__ == "__main__":
    main()
