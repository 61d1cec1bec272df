"""Retrieval on several dev sets: supportbot's pipelines against two reference pipelines, in one run.

References (what a tutorial builds):
  ref-bm25   rank_bm25 BM25Okapi over whole entries (title + text), whitespace-free \\w+ tokens
  ref-dense  LangChain's FAISS + HuggingFaceEmbeddings recipe, done directly: whole entry "title\\ntext"
             embedded by sentence-transformers (truncated at 256 tokens), IndexFlatIP, query via encode()
Then supportbot's pipelines, one lever at a time, ending with the configured default.

A dev set is a BEIR folder, or an answer set (JSONL questions with "doc_ids") over the documents
given by --docs (default: the docs/ folder beside the answer set if there is one, else the sample
docs); "faq:" before an answer set indexes those documents as title + answer entries instead, the
shape of a help center exported as FAQ JSONL. With no set
named, all the dev sets are measured: StackFAQ (paraphrased questions), BANKING77 (customer queries
against short intent names), the sample docs' situations (a customer describing a situation; the
words that match are in the answer, not in a FAQ question), the sample docs' answer set and the
Brightwave help center's (benchmarks/data/brightwave: written apart from the bot), each of these
three also as FAQ entries. One table per set, then one summary.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/retrieval.py                       # every dev set
    PYTHONPATH=$PWD .venv/bin/python benchmarks/retrieval.py ../shared/data/stackfaq
    PYTHONPATH=$PWD .venv/bin/python benchmarks/retrieval.py --json
    PYTHONPATH=$PWD .venv/bin/python benchmarks/retrieval.py --document-weights float32   # chunks embedded in float32
    PYTHONPATH=$PWD .venv/bin/python benchmarks/retrieval.py --document-runtime onnxruntime  # chunks embedded by onnxruntime
    ... benchmarks/retrieval.py ../shared/data/stackfaq --reranker cross-encoder/ms-marco-MiniLM-L-6-v2 --torch-threads 2
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import faiss  # noqa: E402
import torch  # noqa: E402
import numpy as np  # noqa: E402

from supportbot.app import create_embedder, retriever_for_index  # noqa: E402
from supportbot.config import Config, load_config  # noqa: E402
from supportbot.evaluation.beir import BeirDataset, load_beir  # noqa: E402
from supportbot.evaluation.retrieval_eval import build_eval_index, evaluate_search, load_docs_eval_set  # noqa: E402
from supportbot.retrieval.documents import Chunk, ScoredChunk, SourceDocument  # noqa: E402
from supportbot.retrieval.embedder import SentenceTransformerEmbedder  # noqa: E402

KEYS = ("R@1", "R@5", "MRR@10", "nDCG@10", "p50_ms", "p95_ms")


def _doc_hit(doc_id: str, score: float) -> ScoredChunk:
    return ScoredChunk(Chunk(doc_id, doc_id, "", "", ""), score)


def reference_bm25(dataset):
    from rank_bm25 import BM25Okapi

    ids = list(dataset.corpus)
    tokens = lambda text: re.findall(r"\w+", text.lower())  # noqa: E731
    bm25 = BM25Okapi([tokens(f"{d.title} {d.text}") for d in dataset.corpus.values()])

    def search(query: str, k: int):
        scores = bm25.get_scores(tokens(query))
        return [_doc_hit(ids[i], float(scores[i])) for i in np.argsort(-scores)[:k]]

    return search


def reference_dense(dataset, model_reference: str):
    embedder = SentenceTransformerEmbedder(model_reference)  # torch query path, as LangChain uses it
    ids = list(dataset.corpus)
    vectors = embedder.embed_documents([f"{d.title}\n{d.text}" for d in dataset.corpus.values()])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)

    def search(query: str, k: int):
        scores, rows = index.search(embedder.embed_query(query).reshape(1, -1), min(k, len(ids)))
        return [_doc_hit(ids[r], float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    return search


def variants(config: Config) -> list[tuple[str, str, dict]]:
    """(name, mode, settings overrides): the levers that decide the default, ending with the default."""
    return [
        ("bm25 (chunks, question x2)", "bm25", {}),
        ("dense, chunks only", "dense", {"question_weight": 0.0}),
        ("dense, question averaged 0.5 (old)", "dense", {"question_scoring": "average", "question_weight": 0.5}),
        ("dense, question lifts 0.25", "dense", {}),
        ("hybrid 0.9, question averaged 0.5 (old default)", "hybrid", {"question_scoring": "average", "question_weight": 0.5}),
        ("hybrid 0.9, question lifts 0.5", "hybrid", {"question_weight": 0.5}),
        ("hybrid 0.8, question lifts 0.25", "hybrid", {"dense_weight": 0.8}),
        ("hybrid rrf", "hybrid", {"fusion": "rrf"}),
        ("default (hybrid 0.9, question lifts 0.25)", config.retrieval.mode, {}),
    ]


DEV_SETS = (
    "../shared/data/stackfaq",
    "../shared/data/banking77",
    "benchmarks/data/sample_situations.jsonl",
    "supportbot/sample_data/eval/answers.jsonl",
    "faq:benchmarks/data/sample_situations.jsonl",
    "faq:supportbot/sample_data/eval/answers.jsonl",
    "benchmarks/data/brightwave/answers.jsonl",
    "faq:benchmarks/data/brightwave/answers.jsonl",
)
FAQ_PREFIX = "faq:"  # the answer set's documents indexed as FAQ entries: title as the question, whole text as the answer
SUMMARY_KEYS = ("R@1", "nDCG@10")


def docs_of(spec: str) -> list[str]:
    """The documents an answer set is about: the docs/ folder beside it (benchmarks/data/brightwave), else the sample docs."""
    beside = Path(spec.removeprefix(FAQ_PREFIX)).parent / "docs"
    return [str(beside)] if beside.is_dir() else ["bundled:sample-docs"]


def load_set(spec: str, docs: list[str]) -> tuple[BeirDataset, list[SourceDocument] | None]:
    """A BEIR folder, or an answer set over `docs`: indexed as `index build` reads them, or with "faq:" in
    front as title + answer entries (a help center exported as FAQ JSONL, whose questions are titles)."""
    if spec.startswith(FAQ_PREFIX):
        return load_docs_eval_set(docs, Path(spec.removeprefix(FAQ_PREFIX)))[0], None
    if spec.endswith(".jsonl"):
        return load_docs_eval_set(docs, Path(spec))
    return load_beir(Path(spec)), None


def measure(config: Config, dataset: BeirDataset, documents, args, note) -> dict[str, dict[str, float]]:
    results = {}
    results["ref-bm25 (rank_bm25)"] = evaluate_search("ref-bm25", reference_bm25(dataset), dataset).metrics
    results["ref-dense (LangChain FAISS)"] = evaluate_search(
        "ref-dense", reference_dense(dataset, config.retrieval.embedding_model), dataset
    ).metrics
    note(results, "ref-dense (LangChain FAISS)")
    embedders = {}
    with tempfile.TemporaryDirectory() as temporary:
        base_embedder = create_embedder(config)
        index = build_eval_index(config, dataset, Path(temporary) / "index", base_embedder, False, documents)
        measured = variants(config)
        if args.reranker:
            reranked = {"reranker": args.reranker, "rerank_candidates": args.rerank_candidates}
            measured.append((f"default + reranker ({args.rerank_candidates} candidates)", config.retrieval.mode, reranked))
        for name, mode, overrides in measured:
            variant = copy.deepcopy(config)
            for key, value in overrides.items():
                setattr(variant.retrieval, key, value)
            encoder = variant.retrieval.query_encoder
            if encoder not in embedders:
                embedders[encoder] = create_embedder(variant)
                embedders[encoder].warm_up()
            retriever = retriever_for_index(variant, index, embedders[encoder], mode)
            if hasattr(retriever, "warm_up"):  # a reranker loads before the clock starts
                retriever.warm_up()
            results[name] = evaluate_search(name, retriever.search, dataset).metrics
            note(results, name)
    return results


def print_table(spec: str, dataset: BeirDataset, results: dict[str, dict[str, float]]) -> None:
    reference = results["ref-dense (LangChain FAISS)"]
    print(f"\n{spec}: {len(dataset.queries)} queries, {len(dataset.corpus)} documents")
    print(f"| pipeline | {' | '.join(KEYS)} | p50 vs ref-dense |")
    print("| --- " * (len(KEYS) + 2) + "|")
    for name, metrics in results.items():
        cells = [f"{metrics[key]:.3f}" if not key.endswith("_ms") else f"{metrics[key]:.1f}" for key in KEYS]
        ratio = metrics["p50_ms"] / reference["p50_ms"] if reference["p50_ms"] else float("nan")
        print(f"| {name} | {' | '.join(cells)} | {ratio:.2f}x |")


def set_name(spec: str) -> str:
    return ("faq:" if spec.startswith(FAQ_PREFIX) else "") + Path(spec.removeprefix(FAQ_PREFIX)).name.removesuffix(".jsonl")


def print_summary(all_results: dict[str, dict[str, dict[str, float]]]) -> None:
    """R@1 and nDCG@10 of every pipeline on every set, side by side; p50 on the first set."""
    sets = list(all_results)
    first = sets[0]
    print("\nsummary (R@1 / nDCG@10 per set; p50 ms on " + set_name(first) + ")")
    print("| pipeline | " + " | ".join(set_name(spec) for spec in sets) + " | p50 ms |")
    print("| --- " * (len(sets) + 2) + "|")
    for name in all_results[first]:
        cells = [" / ".join(f"{all_results[spec][name][key]:.3f}" for key in SUMMARY_KEYS) for spec in sets]
        print(f"| {name} | {' | '.join(cells)} | {all_results[first][name]['p50_ms']:.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", nargs="*", help="BEIR folders or answer sets (.jsonl); default: every dev set.")
    parser.add_argument("--docs", action="append", help="Documents an answer set is about (default: bundled:sample-docs).")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--reranker", help="Also measure the default pipeline with this cross-encoder (retrieval.reranker).")
    parser.add_argument("--rerank-candidates", type=int, default=10, help="retrieval.rerank_candidates for --reranker.")
    parser.add_argument("--document-weights", choices=["int8", "float32"], help="retrieval.document_weights (default: the default).")
    parser.add_argument(
        "--document-runtime", choices=["auto", "onnxruntime", "openvino"], help="retrieval.document_runtime (default: the default)."
    )
    args = parser.parse_args()
    # One torch thread: on a shared 2-core machine two threads per query fight other processes and
    # run several times slower; the reference pipeline gets the same setting.
    torch.set_num_threads(args.torch_threads)
    config = load_config(None, environ={})  # the defaults, whatever the environment says
    config.retrieval.document_weights = args.document_weights or config.retrieval.document_weights
    config.retrieval.document_runtime = args.document_runtime or config.retrieval.document_runtime
    specs = args.datasets or [spec for spec in DEV_SETS if Path(spec.removeprefix(FAQ_PREFIX)).exists()]
    all_results = {}

    def note(results, name):
        print(f"done: {name} {json.dumps({k: round(v, 3) for k, v in results[name].items()})}", file=sys.stderr, flush=True)

    datasets = {}
    for spec in specs:
        dataset, documents = load_set(spec, args.docs or docs_of(spec))
        datasets[spec] = dataset
        print(f"measuring {spec}", file=sys.stderr, flush=True)
        all_results[spec] = measure(config, dataset, documents, args, note)
    if args.json:
        payload = {spec: {"queries": len(datasets[spec].queries), "results": results} for spec, results in all_results.items()}
        print(json.dumps(payload, indent=2))
        return 0
    for spec, results in all_results.items():
        print_table(spec, datasets[spec], results)
    if len(all_results) > 1:
        print_summary(all_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
