import numpy as np
import pytest

from supportbot.errors import ConfigError
from supportbot.retrieval.faiss_types import make_faiss_index


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
