"""Build or refresh an index from document files, re-embedding only files whose content changed."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from supportbot.cpu import available_cores
from supportbot.digests import file_sha256
from supportbot.errors import DocumentError, IndexMissingError, IndexPathError, SupportbotError
from supportbot.retrieval.documents import Chunk, SourceDocument
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.faiss_types import FAISS_CLASS_NAMES, check_index_type
from supportbot.retrieval.index_store import (
    IndexManifest,
    SourceRecord,
    StoredIndex,
    load_index,
    save_index,
)
from supportbot.retrieval.loaders import SUFFIX_FORMATS, SourceFile, discover_files, load_file, resolve_docs_path
from supportbot.retrieval.splitter import ChunkingSettings, DocumentSplitter

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build did; `summary()` is the line the CLI prints at the end."""

    index_dir: Path
    files: int = 0
    files_embedded: int = 0
    files_reused: int = 0
    files_removed: int = 0
    documents: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rate = self.chunks_embedded / self.seconds if self.seconds and self.chunks_embedded else 0.0
        skipped = f", {len(self.warnings)} warnings" if self.warnings else ""
        return (
            f"indexed {self.files} files ({self.files_embedded} embedded, {self.files_reused} unchanged, "
            f"{self.files_removed} removed{skipped}): {self.documents} documents, {self.chunks} chunks, "
            f"{self.chunks_embedded} embedded in {self.seconds:.1f} s ({rate:.0f} chunks/s) -> {self.index_dir}"
        )


def _reusable(previous: StoredIndex | None, embedder: SentenceTransformerEmbedder, chunking: ChunkingSettings) -> bool:
    """Whether the earlier build's vectors can be kept for unchanged files: same model, prompt and chunking."""
    return (
        previous is not None
        and previous.manifest.embedding_model == embedder.model_reference
        and previous.manifest.document_prompt == embedder.document_prompt
        and previous.manifest.chunking == chunking.to_dict()
    )


# A worker process takes about a second to start; at ~100 texts/s a core, builds of 1,000 texts and
# more won that back in every measured round (benchmarks/README.md). Past 2 cores it is unmeasured:
# the cap keeps a big machine from loading dozens of copies of the model.
WORKERS_FROM_TEXTS = 1000
MAX_AUTO_WORKERS = 8


def embedding_workers(texts: int) -> int:
    """Processes to embed `texts` texts with when the user did not say: one per core for a big build, else one."""
    return min(available_cores(), MAX_AUTO_WORKERS) if texts >= WORKERS_FROM_TEXTS else 1


class IndexBuilder:
    """Turns document files into a saved index with the given embedder and chunking."""

    def __init__(
        self,
        embedder: SentenceTransformerEmbedder,
        chunking: ChunkingSettings,
        batch_size: int = 32,
        show_progress: bool = True,
        index_type: str = "flat",
        workers: int = 0,
    ) -> None:
        """`workers`: processes that embed side by side; 0 lets `embedding_workers` choose per build."""
        self.embedder = embedder
        self.workers = workers
        self.chunking = chunking
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.index_type = check_index_type(index_type)

    def _previous(self, index_dir: Path) -> StoredIndex | None:
        try:
            previous = load_index(index_dir)
        except IndexMissingError:
            return None
        except IndexPathError:
            raise  # nothing can be written there either: said before any embedding
        except SupportbotError as error:  # a damaged old build only costs a full re-embed
            log.warning("could not read the existing index at %s (%s); re-embedding everything", index_dir, error)
            return None
        return previous if _reusable(previous, self.embedder, self.chunking) else None

    def _embed(self, texts: list[str], what: str) -> np.ndarray:
        """Vectors for texts, with a progress bar (rate and time left) when show_progress is on."""
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        with tqdm(total=len(texts), desc=f"embedding {what}", unit=what[:-1], disable=not self.show_progress) as bar:
            return self.embedder.embed_documents(texts, self.batch_size, bar.update, self.workers or embedding_workers(len(texts)))

    def _embed_chunks(self, chunks: list[Chunk]) -> np.ndarray:
        return self._embed([chunk.embedding_text() for chunk in chunks], "chunks")

    def _embed_questions(self, chunks: list[Chunk], dimension: int) -> np.ndarray:
        """FAQ questions as a field of their own, so a paraphrase of the question is not drowned by a long answer.

        Row-aligned with `chunks`; each distinct question is embedded once, rows without one stay zero.
        """
        vectors = np.zeros((len(chunks), dimension), dtype=np.float32)
        questions = list(dict.fromkeys(chunk.question for chunk in chunks if chunk.question))
        if questions:
            embedded = dict(zip(questions, self._embed(questions, "questions")))
            for row, chunk in enumerate(chunks):
                if chunk.question:
                    vectors[row] = embedded[chunk.question]
        return vectors

    def _manifest(self, dimension: int, **extra) -> IndexManifest:
        return IndexManifest(
            embedding_model=self.embedder.model_reference,
            dimension=dimension,
            document_prompt=self.embedder.document_prompt,
            chunking=self.chunking.to_dict(),
            faiss_index=FAISS_CLASS_NAMES[self.index_type],
            index_type=self.index_type,
            fields=["passage", "question"],
            **extra,
        )

    def build_documents(self, documents: list[SourceDocument], index_dir: Path) -> BuildReport:
        """Index documents already in memory (an evaluation corpus), without incremental reuse."""
        started = time.perf_counter()
        splitter = DocumentSplitter(self.chunking, self.embedder.count_tokens)
        chunks = [chunk for document in documents for chunk in splitter.split(document)]
        if not chunks:
            raise DocumentError("nothing to index: every document was empty")
        vectors = self._embed_chunks(chunks)
        counts = {"files": 0, "documents": len(documents), "chunks": len(chunks)}
        manifest = self._manifest(self.embedder.dimension, counts=counts)
        save_index(index_dir, manifest, chunks, vectors, self._embed_questions(chunks, self.embedder.dimension))
        return BuildReport(
            index_dir, documents=len(documents), chunks=len(chunks), chunks_embedded=len(chunks),
            seconds=time.perf_counter() - started,
        )

    def build(self, references: list[str], index_dir: Path) -> BuildReport:
        started = time.perf_counter()
        report = BuildReport(index_dir=index_dir)
        files = discover_files(_regular_references(references, report))
        previous = self._previous(index_dir)
        old_rows: dict[str, list[int]] = {}
        if previous is not None:
            for row, chunk in enumerate(previous.chunks):
                old_rows.setdefault(chunk.path, []).append(row)

        splitter = DocumentSplitter(self.chunking, self.embedder.count_tokens)
        sources: dict[str, SourceRecord] = {}
        plan: list[tuple[str, list[Chunk], np.ndarray | None]] = []  # per file: chunks, reused vectors
        for source in tqdm(files, desc="reading", unit="file", disable=not self.show_progress):
            sha = _hash_or_warn(source, report)
            if sha is None:
                continue
            old = previous.manifest.sources.get(source.name) if previous else None
            if old is not None and old.sha256 == sha:
                rows = old_rows.get(source.name, [])
                plan.append((source.name, [previous.chunks[r] for r in rows], previous.vectors[rows]))
                sources[source.name] = old
                report.files_reused += 1
                continue
            chunks = self._read(source, splitter, report)
            if chunks is None:
                continue
            plan.append((source.name, chunks, None))
            sources[source.name] = SourceRecord(sha, SUFFIX_FORMATS[source.path.suffix.lower()], len({c.doc_id for c in chunks}), len(chunks))
            report.files_embedded += 1

        if not any(chunks for _, chunks, _ in plan):
            raise DocumentError("nothing to index: every file was empty or skipped (see the warnings above)")
        to_embed = [chunk for _, chunks, vectors in plan if vectors is None for chunk in chunks]
        new_vectors = iter(self._embed_chunks(to_embed))
        all_chunks: list[Chunk] = []
        all_vectors: list[np.ndarray] = []
        for _, chunks, vectors in plan:
            all_chunks.extend(chunks)
            all_vectors.extend(vectors if vectors is not None else [next(new_vectors) for _ in chunks])

        report.files = len(sources)
        report.files_removed = len(set(previous.manifest.sources) - set(sources)) if previous else 0
        report.chunks = len(all_chunks)
        report.chunks_embedded = len(to_embed)
        report.documents = sum(record.documents for record in sources.values())
        dimension = previous.manifest.dimension if previous and not to_embed else self.embedder.dimension
        manifest = self._manifest(
            dimension,
            sources=sources,
            roots=[str(r) for r in references],
            counts={"files": report.files, "documents": report.documents, "chunks": report.chunks},
        )
        save_index(index_dir, manifest, all_chunks, np.stack(all_vectors), self._questions(all_chunks, previous, dimension))
        report.seconds = time.perf_counter() - started
        return report

    def _questions(self, chunks: list[Chunk], previous: StoredIndex | None, dimension: int) -> np.ndarray:
        """Question vectors, reused from the previous build for questions it already embedded."""
        known: dict[str, np.ndarray] = {}
        if previous is not None and previous.question_vectors is not None:
            known = {c.question: previous.question_vectors[row] for row, c in enumerate(previous.chunks) if c.question}
        missing = [chunk for chunk in chunks if chunk.question and chunk.question not in known]
        fresh = self._embed_questions(missing, dimension)
        known.update({chunk.question: fresh[row] for row, chunk in enumerate(missing)})
        vectors = np.zeros((len(chunks), dimension), dtype=np.float32)
        for row, chunk in enumerate(chunks):
            if chunk.question:
                vectors[row] = known[chunk.question]
        return vectors

    @staticmethod
    def _read(source: SourceFile, splitter: DocumentSplitter, report: BuildReport) -> list[Chunk] | None:
        loaded = load_file(source)
        for warning in loaded.warnings:
            _warn(report, warning)
        if not loaded.documents:
            return None
        return [chunk for document in loaded.documents for chunk in splitter.split(document)]


def _warn(report: BuildReport, warning: str) -> None:
    log.warning(warning)
    report.warnings.append(warning)


def _hash_or_warn(source: SourceFile, report: BuildReport) -> str | None:
    """The file's hash, or None with a "skipped <file>: <why>" warning, as the loaders give for a file they cannot read."""
    try:
        return file_sha256(source.path)
    except OSError as error:
        _warn(report, f"skipped {source.path}: cannot read it ({error.strerror or error})")
        return None


def _regular_references(references: list[str], report: BuildReport) -> list[str]:
    """The references that are files or folders; a named pipe or device is skipped with a warning (reading one can block)."""
    kept = []
    for reference in references:
        path = resolve_docs_path(reference)
        if path.exists() and not path.is_file() and not path.is_dir():
            _warn(report, f"skipped {reference}: not a regular file or folder")
            continue
        kept.append(reference)
    if references and not kept:
        raise DocumentError("nothing to index: every file was empty or skipped (see the warnings above)")
    return kept
