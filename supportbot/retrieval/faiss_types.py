"""The FAISS index types `retrieval.index` can choose, all over inner product of normalised vectors.

flat: exact search, the right choice up to a few hundred thousand chunks.
hnsw: a graph index; sub-millisecond queries on millions of chunks, no training, more memory.
ivf:  vectors clustered into cells and only the nearest cells searched; trained on the vectors.
"""

from __future__ import annotations

import math
from typing import Any

import faiss
import numpy as np

from supportbot.config import RetrievalConfig
from supportbot.errors import ConfigError

INDEX_TYPES = ("flat", "hnsw", "ivf")
FAISS_CLASS_NAMES = {"flat": "IndexFlatIP", "hnsw": "IndexHNSWFlat", "ivf": "IndexIVFFlat"}
HNSW_NEIGHBOURS = 32  # faiss' usual M
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = RetrievalConfig().hnsw_ef_search  # set at build; the app applies the configured value at load
IVF_PROBE_SHARE = 16  # by default search 1/16 of the cells, at least 8


def check_index_type(index_type: str) -> str:
    if index_type not in INDEX_TYPES:
        raise ConfigError(f"retrieval.index: unknown index type {index_type!r} (choose one of {', '.join(INDEX_TYPES)})")
    return index_type


def _ivf(vectors: np.ndarray, dimension: int) -> Any:
    # About 4 * sqrt(n) cells (the FAISS guideline), and at least 39 training vectors per cell.
    cells = max(1, min(int(4 * math.sqrt(len(vectors))), len(vectors) // 39))
    quantizer = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFFlat(quantizer, dimension, cells, faiss.METRIC_INNER_PRODUCT)
    if len(vectors):
        index.train(vectors)
    index.nprobe = default_ivf_probes(cells)
    return index


def default_ivf_probes(cells: int) -> int:
    return min(cells, max(8, cells // IVF_PROBE_SHARE))


def set_search_breadth(index: Any, hnsw_ef_search: int, ivf_probes: int) -> None:
    """How much of an approximate index a query explores: more finds more true neighbours, slower.

    A query-time setting, so changing it needs no rebuild; exact (flat) indexes ignore it.
    """
    if hnsw_ef_search < 1 or ivf_probes < 0:
        raise ConfigError(
            f"retrieval.hnsw_ef_search must be at least 1 and retrieval.ivf_probes at least 0 "
            f"(got {hnsw_ef_search} and {ivf_probes})"
        )
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
    if isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efSearch = hnsw_ef_search
    elif isinstance(inner, faiss.IndexIVF):
        inner.nprobe = min(inner.nlist, ivf_probes) if ivf_probes else default_ivf_probes(inner.nlist)


def make_faiss_index(vectors: np.ndarray, dimension: int, index_type: str = "flat", ids: np.ndarray | None = None) -> Any:
    """An index of `index_type` holding `vectors`; with `ids`, searches return those ids instead of row numbers."""
    check_index_type(index_type)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif index_type == "ivf":
        index = _ivf(vectors, dimension)
    else:
        index = faiss.IndexFlatIP(dimension)
    if ids is not None:
        index = faiss.IndexIDMap(index) if index_type != "ivf" else index
        if len(vectors):
            index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
    elif len(vectors):
        index.add(vectors)
    return index
