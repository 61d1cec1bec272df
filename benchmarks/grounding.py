"""How well the grounding check separates supported answer sentences from unsupported ones.

Reads hand-labelled answer sentences (benchmarks/data/grounding_labels.jsonl, one answer a line:
the answers the bundled model wrote in generative mode for the sample docs' answer set and for the
first 60 StackFAQ queries, with the chunks it was given and, per sentence, a label: does a source
state it? Labelled by the lead developer, strictly: a sentence that adds anything is unsupported) and reports, for the checker as
configured and for a grid of its two bars, the precision of what it accepts (the share of shown
sentences that are supported: what a customer reads) and its recall (the share of supported
sentences it keeps). References in the same run: each measure alone (embedding similarity only,
lexical overlap only), which is how the defaults were chosen.

Then, for the configured checker, sentences written to confuse it (benchmarks/data/brightwave/claims.jsonl:
figures of the Brightwave help center moved to the wrong thing, a 14-day period told as 30 days, a home
fee told as a business one, and true paraphrases), each checked against what retrieval finds for its
question in that help center: how many false sentences it lets through, how many true ones it keeps.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/grounding.py
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportbot.app import build_index, create_embedder, create_grounding_checker, retriever_for_index
from supportbot.bot.prompt import group_sources
from supportbot.config import Config
from supportbot.retrieval.documents import Chunk, ScoredChunk
from supportbot.retrieval.index_store import load_index

LABELS = Path(__file__).resolve().parent / "data" / "grounding_labels.jsonl"
BRIGHTWAVE = Path(__file__).resolve().parent / "data" / "brightwave"


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
    confusable(config, embedder, base)


def confusable(config: Config, embedder, checker) -> None:
    """The configured checker on sentences written to confuse it, against what retrieval finds in their help center."""
    claims = [json.loads(line) for line in (BRIGHTWAVE / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    with tempfile.TemporaryDirectory(prefix="supportbot-grounding-") as temporary:
        build_index(config, [str(BRIGHTWAVE / "docs")], Path(temporary), show_progress=False, embedder=embedder)
        retriever = retriever_for_index(config, load_index(Path(temporary)), embedder)
        evidence = {}
        for question in dict.fromkeys(claim["question"] for claim in claims):
            evidence[question] = checker.evidence([source for source, _ in group_sources(retriever.retrieve(question))], [question])
    wrong = []
    for claim in claims:
        check = checker.check(claim["sentence"], evidence[claim["question"]])
        if check.supported != claim["supported"]:
            wrong.append((claim, check))
    false, true = [c for c in claims if not c["supported"]], [c for c in claims if c["supported"]]
    let_through = sum(1 for claim, _ in wrong if not claim["supported"])
    refused = sum(1 for claim, _ in wrong if claim["supported"])
    print(f"\nconfusable sentences (Brightwave): false ones shown {let_through} of {len(false)}, true ones kept {len(true) - refused} of {len(true)}")
    for claim, check in wrong:
        print(f"  {'shown' if check.supported else 'refused'} ({check.reason or 'supported'}): {claim['sentence']}")


def replace_bars(checker, similarity: float, overlap: float):
    """The same checker, sharing its embeddings, with other bars."""
    other = copy.copy(checker)
    other.min_similarity, other.min_overlap = similarity, overlap
    return other


if __name__ == "__main__":
    main()
