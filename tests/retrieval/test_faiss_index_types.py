import numpy as np
import pytest

from supportbot.errors import ConfigError
from supportbot.retrieval.faiss_types import make_faiss_index, set_search_breadth


def random_unit(n, dim, seed):
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("index_type", ["flat", "hnsw", "ivf"])
def test_each_index_type_finds_the_nearest_vector(index_type):
    vectors = random_unit(2000, 32, seed=1)
    index = make_faiss_index(vectors, 32, index_type)
    queries = vectors[:50] + 0.05 * random_unit(50, 32, seed=2)
    _, ids = index.search(queries.astype(np.float32), 1)
    assert (ids[:, 0] == np.arange(50)).mean() >= 0.9


def test_ids_replace_row_numbers():
    vectors = random_unit(10, 8, seed=3)
    index = make_faiss_index(vectors[:3], 8, "flat", ids=np.array([7, 4, 9]))
    _, ids = index.search(vectors[1:2], 1)
    assert ids[0, 0] == 4


def test_unknown_index_type_names_the_choices():
    with pytest.raises(ConfigError, match="flat, hnsw, ivf"):
        make_faiss_index(random_unit(4, 8, seed=4), 8, "annoy")



def recall_at_10(index, vectors, queries, id_offset):
    _, truth = make_faiss_index(vectors, vectors.shape[1], "flat").search(queries, 10)
    _, found = index.search(queries, 10)
    return np.mean([len(set(t + id_offset) & set(f)) / 10 for t, f in zip(truth, found)])


@pytest.mark.parametrize("index_type, narrow, wide", [("hnsw", (10, 0), (400, 0)), ("ivf", (64, 1), (64, 10_000))])
def test_a_wider_search_finds_more_of_the_true_neighbours(index_type, narrow, wide):
    vectors = random_unit(5000, 32, seed=5)  # no clusters: the hard case for approximate search
    queries = random_unit(100, 32, seed=6)
    index = make_faiss_index(vectors, 32, index_type, ids=np.arange(5000) + 1000)  # wrapped, as the question index is
    set_search_breadth(index, *narrow)
    narrow_recall = recall_at_10(index, vectors, queries, 1000)
    set_search_breadth(index, *wide)
    assert narrow_recall < 0.9 and recall_at_10(index, vectors, queries, 1000) > 0.98


def test_search_breadth_below_one_is_a_config_error():
    index = make_faiss_index(random_unit(100, 8, seed=7), 8, "hnsw")
    with pytest.raises(ConfigError, match="retrieval.hnsw_ef_search must be at least 1"):
        set_search_breadth(index, 0, 0)
