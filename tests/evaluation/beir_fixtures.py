"""A tiny hand-made BEIR dataset whose BM25 rankings and metrics are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = [
    {"_id": "d1", "title": "Reset password", "text": "Use the forgot password link on the sign-in page."},
    {"_id": "d2", "title": "Shipping times", "text": "Standard shipping takes five days."},
    {"_id": "d3", "title": "Returns", "text": "Return items within thirty days."},
]
QUERIES = [
    {"_id": "q1", "text": "forgot password"},  # only d1 has these words: d1 first, RR 1
    {"_id": "q2", "text": "shipping days"},  # d2 (shipping, days) then d3 (days): judged d3, so rank 2
    {"_id": "q3", "text": "gift wrapping"},  # no document shares a word: empty ranking, all zero
    {"_id": "q4", "text": "a query nobody judged"},  # no qrels line: skipped and counted
]
QRELS = [("q1", "d1", 1), ("q2", "d3", 1), ("q3", "d1", 1)]

# BM25 mode, worked out by hand from the comments above:
EXPECTED_BM25 = {
    "R@1": (1 + 0 + 0) / 3,
    "R@5": (1 + 1 + 0) / 3,
    "MRR@10": (1 + 0.5 + 0) / 3,
    "nDCG@10": (1 + 1 / 1.584962500721156 + 0) / 3,  # relevant at rank 2: 1 / log2(3)
}


def write_beir(folder: Path, corpus=CORPUS, queries=QUERIES, qrels=QRELS) -> Path:
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in corpus), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    lines = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t{s}" for q, d, s in qrels]
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
