"""Fusion logic with hand-made vectors: the embedding model is not under test here, BM25 is real."""

from pathlib import Path

import numpy as np
import pytest

from supportbot.errors import ConfigError
from supportbot.retrieval.bm25 import BM25Retriever
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.documents import Chunk
from supportbot.retrieval.faiss_types import make_faiss_index
from supportbot.retrieval.hybrid import HybridRetriever, min_max, ranks
from supportbot.retrieval.index_store import IndexManifest, StoredIndex

DIM = 8


class FixedQueryEmbedder:
    """Every query embeds to the first axis; chunk vectors decide the dense ranking."""

    model_reference = "fixed"
    dimension = DIM

    def warm_up(self):
        pass

    def embed_query(self, text):
        vector = np.zeros(DIM, dtype=np.float32)
        vector[0] = 1.0
        return vector


def unit(first: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[0], vector[1] = first, np.sqrt(1 - first**2)
    return vector


def make_hybrid(chunks, vectors, **options):
    vectors = np.stack(vectors).astype(np.float32)
    manifest = IndexManifest(embedding_model="fixed", dimension=DIM, chunking={})
    index = StoredIndex(manifest, chunks, vectors, make_faiss_index(vectors, DIM), Path("."))
    dense = DenseRetriever(index, FixedQueryEmbedder(), top_k=4, min_score=0.0)
    return HybridRetriever(dense, BM25Retriever(chunks, top_k=4), top_k=4, min_score=0.0, **options)


def test_chunk_found_only_by_bm25_outside_dense_candidates_is_ranked():
    # 80 fillers all closer to the query than the code chunk, so dense candidates (64) exclude it.
    fillers = [Chunk(f"f{i}", f"f{i}", "Store hours", "p", f"We are open from nine to five, note {i}.") for i in range(80)]
    code = Chunk("c", "c", "Card reader", "p", "Error ZX4711 means the card reader is offline.")
    vectors = [unit(0.9 - i * 0.005) for i in range(80)] + [unit(0.0)]
    hybrid = make_hybrid([*fillers, code], vectors, dense_weight=0.5)
    assert 80 not in set(hybrid.dense.candidate_rows(FixedQueryEmbedder().embed_query(""), 64).tolist())
    hits = hybrid.search("what does ZX4711 mean", 3)
    assert "c" in [hit.chunk.chunk_id for hit in hits]
    found = next(hit for hit in hits if hit.chunk.chunk_id == "c")
    assert found.metadata["bm25"] > 0


def test_chunk_found_only_by_dense_side_is_ranked_first():
    chunks = [
        Chunk("a", "a", "Returns", "p", "Send it back within thirty days."),
        Chunk("b", "b", "Shipping", "p", "Parcels travel by road."),
    ]
    hybrid = make_hybrid(chunks, [unit(0.95), unit(0.2)])
    hits = hybrid.search("refund for a purchase", 2)  # no shared word: BM25 finds nothing
    assert [hit.chunk.chunk_id for hit in hits] == ["a", "b"]
    assert hits[0].metadata["bm25"] == 0


def test_weighted_fusion_lets_strong_keyword_evidence_overturn_a_close_dense_race():
    hybrid = make_hybrid([Chunk("x", "x", "", "p", "x")], [unit(1.0)], dense_weight=0.5)
    fused = hybrid.fuse(np.array([1.0, 0.6, 0.5, 0.0]), np.array([0.0, 0.0, 9.0, 0.0]))
    assert np.argmax(fused) == 2


def test_rrf_fusion_sums_reciprocal_ranks():
    hybrid = make_hybrid([Chunk("x", "x", "", "p", "x")], [unit(1.0)], fusion="rrf", rrf_k=60)
    fused = hybrid.fuse(np.array([0.9, 0.5]), np.array([1.0, 3.0]))
    assert fused == pytest.approx([1 / 61 + 1 / 62, 1 / 62 + 1 / 61])


def test_helpers_normalise_and_rank():
    assert min_max(np.array([2.0, 4.0, 3.0])) == pytest.approx([0.0, 1.0, 0.5])
    assert list(ranks(np.array([0.1, 0.9, 0.5]))) == [3, 1, 2]


def test_unknown_fusion_is_a_config_error():
    with pytest.raises(ConfigError, match="retrieval.fusion"):
        make_hybrid([Chunk("x", "x", "", "p", "x")], [unit(1.0)], fusion="magic")
