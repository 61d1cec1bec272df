"""Query latency and recall of the FAISS index types (`retrieval.index`) as the corpus grows.

Synthetic chunks: 384-d unit vectors (the bundled model's size) drawn around 1,000 topic centres,
so that, as with real embeddings, neighbours are clustered rather than uniformly spread. Queries
are perturbed copies of stored vectors. Recall@10 is measured against exact search (flat), which
is the reference in the same run; latency is one query at a time, as the bot searches.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/index_scaling.py                 # 10k and 100k
    PYTHONPATH=$PWD .venv/bin/python benchmarks/index_scaling.py --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import sys
import time

import faiss
import numpy as np

from supportbot.retrieval.faiss_types import HNSW_EF_SEARCH, INDEX_TYPES, make_faiss_index, set_search_breadth

DIM = 384


def synthetic(n: int, seed: int, centres: int = 1000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    topic = rng.normal(size=(centres, DIM)).astype(np.float32)
    vectors = topic[rng.integers(0, centres, n)] + 0.6 * rng.normal(size=(n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def queries_near(vectors: np.ndarray, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(count, DIM)).astype(np.float32) / np.sqrt(DIM)  # norm about 1
    picked = vectors[rng.integers(0, len(vectors), count)] + 0.5 * noise
    return (picked / np.linalg.norm(picked, axis=1, keepdims=True)).astype(np.float32)


def measure(index, queries: np.ndarray, truth: np.ndarray, k: int = 10) -> tuple[float, float, float]:
    latencies, recalls = [], []
    for query, expected in zip(queries, truth):
        started = time.perf_counter()
        _, ids = index.search(query.reshape(1, -1), k)
        latencies.append((time.perf_counter() - started) * 1000)
        recalls.append(len(set(ids[0]) & set(expected)) / k)
    return float(np.percentile(latencies, 50)), float(np.percentile(latencies, 95)), float(np.mean(recalls))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="FAISS threads (the bot searches one query at a time)")
    parser.add_argument("--types", default=",".join(INDEX_TYPES), help="index types to build; flat (the reference) is always built")
    parser.add_argument(
        "--ef-search", default=str(HNSW_EF_SEARCH), help="retrieval.hnsw_ef_search values to measure on the one HNSW build, e.g. 64,256"
    )
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)
    print("| chunks | index | build s | p50 ms | p95 ms | recall@10 vs flat | p50 vs flat |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for size in (int(s) for s in args.sizes.split(",")):
        vectors = synthetic(size, seed=size)
        queries = queries_near(vectors, args.queries, seed=1)
        results = {}
        truth = None
        for index_type in ["flat", *(t for t in args.types.split(",") if t != "flat")]:
            started = time.perf_counter()
            index = make_faiss_index(vectors, DIM, index_type)
            build = time.perf_counter() - started
            if truth is None:
                _, truth = index.search(queries, 10)
            if index_type == "hnsw":  # a query-time setting: one build, one row per value
                for ef_search in (int(v) for v in args.ef_search.split(",")):
                    set_search_breadth(index, ef_search, 0)
                    results[f"hnsw ef {ef_search}"] = (build, *measure(index, queries, truth))
            else:
                results[index_type] = (build, *measure(index, queries, truth))
            del index
        flat_p50 = results["flat"][1]
        for index_type, (build, p50, p95, recall) in results.items():
            print(f"| {size:,} | {index_type} | {build:.1f} | {p50:.2f} | {p95:.2f} | {recall:.3f} | {p50 / flat_p50:.2f}x |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
