"""Ranking metrics as BEIR and TREC define them, computed on ranked lists of document ids.

Recall@k is the share of a query's relevant documents found in the top k; MRR@10 the reciprocal
rank of the first relevant one (0 when none is in the top 10); nDCG@10 uses graded relevance as
the gain with a log2(rank + 1) discount, normalised by the ideal ordering.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def recall_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    for rank, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(doc_id, 0) / math.log2(rank + 1) for rank, doc_id in enumerate(ranked[:k], start=1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def dedupe_documents(doc_ids: Sequence[str]) -> list[str]:
    """A ranked list of chunk-level document ids reduced to documents: a document counts at its best rank."""
    return list(dict.fromkeys(doc_ids))


def summarize(
    rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]], latencies_ms: Sequence[float], k: int = 10
) -> dict[str, float]:
    """The report's figures: mean R@1, R@5, MRR@k, nDCG@k over the queries, and latency p50/p95."""
    count = len(rankings) or 1
    return {
        "R@1": sum(recall_at_k(r, qrels[q], 1) for q, r in rankings.items()) / count,
        "R@5": sum(recall_at_k(r, qrels[q], 5) for q, r in rankings.items()) / count,
        f"MRR@{k}": sum(reciprocal_rank(r, qrels[q], k) for q, r in rankings.items()) / count,
        f"nDCG@{k}": sum(ndcg_at_k(r, qrels[q], k) for q, r in rankings.items()) / count,
        "p50_ms": percentile(latencies_ms, 50),
        "p95_ms": percentile(latencies_ms, 95),
    }
