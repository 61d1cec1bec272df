import math

import pytest

from supportbot.evaluation.metrics import dedupe_documents, ndcg_at_k, percentile, reciprocal_rank, recall_at_k, summarize


def test_metrics_match_hand_computed_values_on_two_queries():
    qrels = {"q1": {"d1": 1}, "q2": {"d3": 2, "d1": 1}}
    rankings = {"q1": ["d2", "d1", "d3"], "q2": ["d3", "d2", "d1"]}
    metrics = summarize(rankings, qrels, [1.0, 3.0])
    # q1: relevant at rank 2. q2: d3 (gain 2) at 1, d1 (gain 1) at 3; ideal order d3, d1.
    ndcg_q1 = 1 / math.log2(3)
    ndcg_q2 = (2 + 1 / math.log2(4)) / (2 + 1 / math.log2(3))
    assert metrics["R@1"] == pytest.approx((0 + 0.5) / 2)
    assert metrics["R@5"] == pytest.approx(1.0)
    assert metrics["MRR@10"] == pytest.approx((0.5 + 1) / 2)
    assert metrics["nDCG@10"] == pytest.approx((ndcg_q1 + ndcg_q2) / 2)
    assert metrics["p50_ms"] == pytest.approx(2.0)


def test_relevant_document_below_cutoff_scores_zero():
    ranked = [f"x{i}" for i in range(10)] + ["d1"]
    assert reciprocal_rank(ranked, {"d1": 1}, 10) == 0.0
    assert ndcg_at_k(ranked, {"d1": 1}, 10) == 0.0
    assert recall_at_k(ranked, {"d1": 1}, 5) == 0.0


def test_document_counts_once_at_its_best_chunk_rank():
    assert dedupe_documents(["d2", "d1", "d2", "d3", "d1"]) == ["d2", "d1", "d3"]


def test_percentile_interpolates_like_numpy():
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 95) == pytest.approx(48.0)
