"""A FAISS index with its chunks and manifest, written atomically and checked on load.

Layout of an index folder:
    CURRENT                 name of the live build (replaced atomically)
    builds/<id>/index.faiss inner-product FAISS index over normalised vectors
    builds/<id>/vectors.npy the same vectors, reused when re-indexing unchanged files
    builds/<id>/questions.npy FAQ question vectors, one row per chunk (zeros where a chunk has none)
    builds/<id>/questions.faiss the same question vectors as a FAISS index
    builds/<id>/chunks.jsonl one chunk a line, in vector order
    builds/<id>/manifest.json embedding model, dimension, chunking, sources with hashes, counts

A build is written in full under a new id and only then named in CURRENT, so an interrupted build
leaves the previous index usable.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from supportbot.errors import IndexMismatchError, IndexMissingError
from supportbot.retrieval.documents import Chunk
from supportbot.retrieval.faiss_types import make_faiss_index, set_search_breadth
from supportbot.staging import staged_file

MANIFEST_VERSION = 1
POINTER = "CURRENT"


@dataclass
class SourceRecord:
    """One indexed file: its content hash and the chunks it produced."""

    sha256: str
    format: str
    documents: int
    chunks: int


@dataclass
class IndexManifest:
    """What an index was built from and with; `supportbot index info` prints it."""

    embedding_model: str
    dimension: int
    chunking: dict[str, int]
    document_prompt: str = ""  # what was put before each text embedded (the model's or retrieval.document_prompt)
    faiss_index: str = "IndexFlatIP"
    index_type: str = "flat"
    fields: list[str] = field(default_factory=lambda: ["passage"])
    sources: dict[str, SourceRecord] = field(default_factory=dict)
    roots: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    built_at: str = ""
    version: int = MANIFEST_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexManifest:
        sources = {name: SourceRecord(**record) for name, record in data.get("sources", {}).items()}
        return cls(**{**data, "sources": sources})


@dataclass
class StoredIndex:
    """A loaded index: search it with normalised query vectors."""

    manifest: IndexManifest
    chunks: list[Chunk]
    vectors: np.ndarray
    faiss_index: Any
    path: Path
    question_vectors: np.ndarray | None = None
    question_index: Any = None
    build_id: str = ""  # the build's folder name under builds/, as CURRENT named it when loaded

    def search_rows(self, query_vector: np.ndarray, k: int, field: str = "passage") -> list[tuple[int, float]]:
        """(chunk row, cosine) of the k nearest vectors of one field: 'passage' or 'question'."""
        index = self.faiss_index if field == "passage" else self.question_index
        if index is None or not self.chunks or k <= 0:
            return []
        query = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        # One query gains nothing from FAISS' OpenMP threads, and idle OpenMP workers spin on the
        # cores the query encoder needs: measured, they doubled query latency on a busy 2-core machine.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = index.search(query, min(k, len(self.chunks)))
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def set_search_breadth(self, hnsw_ef_search: int, ivf_probes: int) -> None:
        """See faiss_types.set_search_breadth; applies to both fields' indexes."""
        for index in (self.faiss_index, self.question_index):
            if index is not None:
                set_search_breadth(index, hnsw_ef_search, ivf_probes)

    def check_embedding(self, embedding_model: str, dimension: int | None = None, document_prompt: str | None = None) -> None:
        """Refuse to search with vectors from a model, or a document prompt, other than the index was built with."""
        built = self.manifest
        rebuild = f": rebuild it with `supportbot index build PATH... --index {self.path}`"
        if built.embedding_model != embedding_model or (dimension is not None and built.dimension != dimension):
            raise IndexMismatchError(
                f"the index at {self.path} was built with embedding model '{built.embedding_model}' "
                f"(dimension {built.dimension}) but config uses '{embedding_model}'"
                + (f" (dimension {dimension})" if dimension is not None else "")
                + rebuild
            )
        if document_prompt is not None and built.document_prompt != document_prompt:
            raise IndexMismatchError(
                f"the index at {self.path} was built with document prompt {built.document_prompt!r} "
                f"but the embedder now uses {document_prompt!r} (retrieval.document_prompt or the model's own)" + rebuild
            )


def build_question_index(chunks: list[Chunk], question_vectors: np.ndarray, dimension: int, index_type: str) -> Any:
    """Only FAQ chunks' question vectors, searched by chunk row."""
    rows = np.array([row for row, chunk in enumerate(chunks) if chunk.question], dtype=np.int64)
    return make_faiss_index(question_vectors[rows] if len(rows) else np.zeros((0, dimension)), dimension, index_type, ids=rows)


def live_build_id(index_dir: Path) -> str:
    """The name of the live build (what CURRENT says); empty when there is none. Cheap: one small file."""
    try:
        return (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def _live_build(index_dir: Path) -> Path | None:
    build_id = live_build_id(index_dir)
    if not build_id:
        return None
    build = index_dir / "builds" / build_id
    return build if (build / "manifest.json").is_file() else None


def index_exists(index_dir: Path) -> bool:
    return _live_build(index_dir) is not None


def _require_live_build(index_dir: Path) -> Path:
    build = _live_build(index_dir)
    if build is None:
        raise IndexMissingError(f"no index at {index_dir}: build one with `supportbot index build PATH... --index {index_dir}`")
    return build


def _manifest_of(build: Path) -> IndexManifest:
    return IndexManifest.from_dict(json.loads((build / "manifest.json").read_text(encoding="utf-8")))


def read_manifest(index_dir: Path) -> IndexManifest:
    return _manifest_of(_require_live_build(index_dir))


def load_index(index_dir: Path) -> StoredIndex:
    # CURRENT is read once: a rebuild that switches it meanwhile cannot pair one build's manifest
    # with another build's vectors.
    build = _require_live_build(index_dir)
    manifest = _manifest_of(build)
    with (build / "chunks.jsonl").open(encoding="utf-8") as handle:
        chunks = [Chunk.from_dict(json.loads(line)) for line in handle if line.strip()]
    vectors = np.load(build / "vectors.npy")
    faiss_index = faiss.read_index(str(build / "index.faiss"))
    question_vectors = question_index = None
    if (build / "questions.npy").is_file():  # absent in indexes built before field-aware indexing
        question_vectors = np.load(build / "questions.npy")
        question_index = faiss.read_index(str(build / "questions.faiss"))
    return StoredIndex(manifest, chunks, vectors, faiss_index, index_dir, question_vectors, question_index, build.name)


def _write_pointer(index_dir: Path, build_id: str) -> None:
    with staged_file(index_dir / POINTER) as staging, staging.open("w", encoding="utf-8") as pointer:
        pointer.write(build_id)
        pointer.flush()
        os.fsync(pointer.fileno())  # on disk before the rename makes it the live build


def save_index(
    index_dir: Path,
    manifest: IndexManifest,
    chunks: list[Chunk],
    vectors: np.ndarray,
    question_vectors: np.ndarray | None = None,
) -> Path:
    """Write a complete new build, then switch CURRENT to it and delete older builds."""
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    staging = builds / f".{build_id}.partial"
    staging.mkdir()
    manifest.built_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    with (staging / "chunks.jsonl").open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    np.save(staging / "vectors.npy", vectors.astype(np.float32))
    faiss.write_index(make_faiss_index(vectors, manifest.dimension, manifest.index_type), str(staging / "index.faiss"))
    if question_vectors is not None:
        np.save(staging / "questions.npy", question_vectors.astype(np.float32))
        question_index = build_question_index(chunks, question_vectors, manifest.dimension, manifest.index_type)
        faiss.write_index(question_index, str(staging / "questions.faiss"))
    (staging / "manifest.json").write_text(json.dumps(manifest.to_dict(), indent=2), encoding="utf-8")
    os.rename(staging, builds / build_id)
    _write_pointer(index_dir, build_id)
    for old in builds.iterdir():
        if old.name != build_id:
            shutil.rmtree(old, ignore_errors=True)
    return builds / build_id
