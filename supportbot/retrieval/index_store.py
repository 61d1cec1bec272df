"""A FAISS index with its chunks and manifest, written atomically and checked on load.

Layout of an index folder:
    CURRENT                 name of the live build (replaced atomically)
    builds/<id>/index.faiss inner-product FAISS index over normalised vectors
    builds/<id>/vectors.npy the same vectors, reused when re-indexing unchanged files
    builds/<id>/questions.npy FAQ question vectors, one row per chunk (zeros where a chunk has none)
    builds/<id>/questions.faiss the same question vectors as a FAISS index
    builds/<id>/chunks.jsonl one chunk a line, in vector order
    builds/<id>/manifest.json embedding model, dimension, chunking, sources with hashes, counts
    build.lock              held (flock) by the build writing here; names its process

A build is written in full under a new id and only then named in CURRENT, so an interrupted build
leaves the previous index usable. Stopped by Ctrl-C, SIGTERM or an error, it deletes what it wrote; what
one killed outright (SIGKILL) left in builds/ the next build deletes. A file that cannot be read, or
builds that CURRENT does not name, are reported as a damaged index, never taken for no index: building
over them would delete them.

One build writes a folder at a time (`build_lock`): a second reads the previous index only once the
first has switched CURRENT, so it neither builds on a stale one nor deletes the first's work.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import faiss
import numpy as np

from supportbot.errors import IndexDamagedError, IndexMismatchError, IndexMissingError, IndexPathError
from supportbot.retrieval.documents import Chunk
from supportbot.retrieval.faiss_types import make_faiss_index, set_search_breadth
from supportbot.staging import staged_file

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
POINTER = "CURRENT"
LOCK = "build.lock"
# How a damaged file fails to read: OSError (missing, unreadable), numpy's ValueError/EOFError (cut
# short), faiss' RuntimeError, json's ValueError, and TypeError/KeyError/AttributeError from records
# of the wrong shape.
READ_ERRORS = (OSError, EOFError, ValueError, RuntimeError, TypeError, KeyError, AttributeError)
T = TypeVar("T")


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
        sources = {name: SourceRecord(**_known_keys(SourceRecord, record)) for name, record in data.get("sources", {}).items()}
        return cls(**{**_known_keys(cls, data), "sources": sources})


def _known_keys(record_class: type, data: dict[str, Any]) -> dict[str, Any]:
    """Keys a newer supportbot added are left out: added fields describe the same vectors (as `document_prompt` once
    did), and a change that makes an index unreadable here raises the manifest's `version` instead."""
    return {key: value for key, value in data.items() if key in record_class.__dataclass_fields__}


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
    """The name of the live build (what CURRENT says); empty when there is none or it cannot be read. Cheap: one small file."""
    try:
        return (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _rebuild_hint(index_dir: Path) -> str:
    return f"rebuild it with `supportbot index build PATH... --index {index_dir}`"


def _damaged(index_dir: Path, part: str, reason: str) -> IndexDamagedError:
    return IndexDamagedError(f"index at {index_dir} is damaged ({part}: {reason}): {_rebuild_hint(index_dir)}")


def _reason(error: Exception) -> str:
    """A short cause: faiss' and numpy's own messages run to lines of C++ context."""
    if isinstance(error, FileNotFoundError):
        return "missing"
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON at line {error.lineno}, column {error.colno}"
    if isinstance(error, RuntimeError):
        return "not a readable FAISS index (cut short or overwritten)"
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    lines = str(error).strip().splitlines()
    return lines[0][:120] if lines else type(error).__name__


def _read_part(build: Path, name: str, read: Callable[[Path], T]) -> T:
    """read(build / name), any way the file can be damaged reported as one IndexDamagedError naming it."""
    try:
        return read(build / name)
    except READ_ERRORS as error:
        raise _damaged(build.parent.parent, name, _reason(error)) from error


def _check_folder(index_dir: Path) -> None:
    """Refuse an index path that is a file, or lies under one, before anything there is read or written."""
    for path in (index_dir, *index_dir.parents):
        if path.is_dir():
            return
        if path.exists():
            where = "is a file" if path == index_dir else f"lies under {path}, which is a file"
            raise IndexPathError(f"index path {index_dir} {where}: give --index (or paths.index_dir) a folder")


def _completed_builds(index_dir: Path) -> list[str]:
    """Finished builds' names, oldest first (a build id starts with its time); '.…partial' ones were interrupted."""
    builds = index_dir / "builds"
    if not builds.is_dir():
        return []
    return sorted(path.name for path in builds.iterdir() if path.is_dir() and not path.name.startswith("."))


def _live_build(index_dir: Path) -> Path | None:
    """The folder of the build CURRENT names; None where no build was ever completed here.

    Builds that CURRENT does not name make the index damaged, not missing: they may be the user's only
    copy, and building over them deletes them.
    """
    _check_folder(index_dir)
    build_id = live_build_id(index_dir)
    builds = _completed_builds(index_dir)
    if build_id in builds:
        return index_dir / "builds" / build_id
    if not builds:
        if build_id:
            raise _damaged(index_dir, POINTER, f"names build {build_id}, which is not in builds/")
        return None
    named = f"it names {build_id}, which is not in builds/" if build_id else "it is missing or unreadable"
    raise IndexDamagedError(
        f"{index_dir} holds builds but no valid {POINTER} ({named}): write the name of one of them "
        f"({builds[-1]} is the newest) into {index_dir / POINTER}, or {_rebuild_hint(index_dir)}"
    )


def index_folder_unused(index_dir: Path) -> bool:
    """Whether index_dir holds nothing but leftovers of interrupted builds: building an index there loses nothing."""
    if not index_dir.is_dir():
        return not index_dir.exists()
    return all(path.name in ("builds", LOCK) for path in index_dir.iterdir()) and not _completed_builds(index_dir)


@contextlib.contextmanager
def build_lock(index_dir: Path, on_wait: Callable[[str], None]) -> Iterator[None]:
    """Hold index_dir's build lock for the whole build, from reading the previous index to switching CURRENT.

    A second build waits for the first, told why through `on_wait` (one line), then builds on the first's result:
    both end as their reports say. The lock is an flock, so the OS releases it when its process dies: a crashed
    build blocks no one. The file stays (deleting it would let a waiter and a newcomer lock two different files).
    """
    _check_folder(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = (index_dir / LOCK).open("a+", encoding="utf-8")
    except OSError as error:
        raise IndexPathError(
            f"cannot write to the index folder {index_dir} ({_reason(error)}): give --index (or paths.index_dir) a folder you can write to"
        ) from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            on_wait(f"waiting for another build of {index_dir} to finish (process {holder}); Ctrl-C stops waiting")
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _require_live_build(index_dir: Path) -> Path:
    build = _live_build(index_dir)
    if build is None:
        raise IndexMissingError(f"no index at {index_dir}: build one with `supportbot index build PATH... --index {index_dir}`")
    return build


def _parse_manifest(path: Path) -> IndexManifest:
    return IndexManifest.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _manifest_of(build: Path) -> IndexManifest:
    manifest = _read_part(build, "manifest.json", _parse_manifest)
    if manifest.version > MANIFEST_VERSION:
        index_dir = build.parent.parent
        raise IndexMismatchError(
            f"the index at {index_dir} was written by a newer supportbot (manifest version {manifest.version}, "
            f"this one reads {MANIFEST_VERSION}): upgrade supportbot, or {_rebuild_hint(index_dir)}"
        )
    return manifest


def _read_chunks(path: Path) -> list[Chunk]:
    with path.open(encoding="utf-8") as handle:
        return [Chunk.from_dict(json.loads(line)) for line in handle if line.strip()]


def _read_faiss(path: Path) -> Any:
    if not path.is_file():  # faiss reports a missing file as a RuntimeError like any other
        raise FileNotFoundError(path)
    return faiss.read_index(str(path))


def _check_rows(build: Path, manifest: IndexManifest, chunks: list[Chunk], vectors: np.ndarray, faiss_index: Any) -> None:
    """Files cut short at a line or row boundary read without error but disagree; a search would name rows that aren't there."""
    index_dir = build.parent.parent
    if vectors.ndim != 2 or vectors.shape[1] != manifest.dimension:
        raise _damaged(index_dir, "vectors.npy", f"shape {vectors.shape}, not rows of dimension {manifest.dimension}")
    for name, rows in (("vectors.npy", len(vectors)), ("index.faiss", faiss_index.ntotal)):
        if rows != len(chunks):
            raise _damaged(index_dir, "chunks.jsonl", f"{len(chunks)} chunks but {name} holds {rows} vectors")


def read_manifest(index_dir: Path) -> IndexManifest:
    return _manifest_of(_require_live_build(index_dir))


def load_index(index_dir: Path) -> StoredIndex:
    # CURRENT is read once: a rebuild that switches it meanwhile cannot pair one build's manifest
    # with another build's vectors.
    build = _require_live_build(index_dir)
    manifest = _manifest_of(build)
    chunks = _read_part(build, "chunks.jsonl", _read_chunks)
    vectors = _read_part(build, "vectors.npy", np.load)
    faiss_index = _read_part(build, "index.faiss", _read_faiss)
    _check_rows(build, manifest, chunks, vectors, faiss_index)
    question_vectors = question_index = None
    if (build / "questions.npy").is_file():  # absent in indexes built before field-aware indexing
        question_vectors = _read_part(build, "questions.npy", np.load)
        question_index = _read_part(build, "questions.faiss", _read_faiss)
        if len(question_vectors) != len(chunks):
            raise _damaged(index_dir, "questions.npy", f"{len(question_vectors)} rows for {len(chunks)} chunks")
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
    """Write a complete new build, then switch CURRENT to it and delete the build it replaced."""
    _check_folder(index_dir)
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    staging = builds / f".{build_id}.partial"
    staging.mkdir()
    manifest.built_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    try:
        _write_build(staging, manifest, chunks, vectors, question_vectors)
        os.rename(staging, builds / build_id)
        replaced = live_build_id(index_dir)
        _write_pointer(index_dir, build_id)
    except BaseException:  # Ctrl-C, SIGTERM (cli/signals.py), a full disk: what this build wrote goes, CURRENT's build stays
        _discard_unswitched(index_dir, staging, build_id)
        raise
    _remove_replaced(builds, build_id, replaced)
    return builds / build_id


def _write_build(
    folder: Path, manifest: IndexManifest, chunks: list[Chunk], vectors: np.ndarray, question_vectors: np.ndarray | None
) -> None:
    with (folder / "chunks.jsonl").open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    np.save(folder / "vectors.npy", vectors.astype(np.float32))
    faiss.write_index(make_faiss_index(vectors, manifest.dimension, manifest.index_type), str(folder / "index.faiss"))
    if question_vectors is not None:
        np.save(folder / "questions.npy", question_vectors.astype(np.float32))
        question_index = build_question_index(chunks, question_vectors, manifest.dimension, manifest.index_type)
        faiss.write_index(question_index, str(folder / "questions.faiss"))
    (folder / "manifest.json").write_text(json.dumps(manifest.to_dict(), indent=2), encoding="utf-8")


def _discard_unswitched(index_dir: Path, staging: Path, build_id: str) -> None:
    """Delete an unfinished build: its staging folder, or the build itself if it was moved into builds/ but CURRENT
    does not name it (the switch did not happen). A build killed outright (SIGKILL, power loss) leaves its staging
    folder to the next build's `_remove_replaced`."""
    shutil.rmtree(staging, ignore_errors=True)
    if live_build_id(index_dir) != build_id:
        shutil.rmtree(index_dir / "builds" / build_id, ignore_errors=True)


def _remove_replaced(builds: Path, build_id: str, replaced: str) -> None:
    """Delete the build CURRENT named before the switch, and interrupted builds' leftovers; keep any other build.

    A build CURRENT did not name (CURRENT lost, or naming a build that is gone) may be someone's only copy
    of their index: it stays, and the warning says where.
    """
    kept = []
    for old in builds.iterdir():
        if old.name == build_id:
            continue
        if old.name == replaced or old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
        else:
            kept.append(old.name)
    if kept:
        log.warning(
            "kept %d earlier build(s) in %s that %s did not name (%s): delete them once they are not needed",
            len(kept), builds, POINTER, ", ".join(sorted(kept)),
        )
