"""Read a dataset in BEIR layout: corpus.jsonl, queries.jsonl and qrels/test.tsv.

Every problem is reported with the file and line it is on, so a hand-made dataset can be fixed
without guessing. Queries that have no relevant document in the qrels are skipped and counted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from supportbot.errors import DatasetError


@dataclass(frozen=True)
class CorpusDocument:
    """One corpus entry; in FAQ collections the title is the question the text answers."""

    doc_id: str
    title: str
    text: str


@dataclass
class BeirDataset:
    """A loaded dataset; `queries` holds only queries with at least one relevant document."""

    path: Path
    corpus: dict[str, CorpusDocument]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    skipped_queries: int = 0
    split: str = "test"
    notes: list[str] = field(default_factory=list)


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DatasetError(
            f"{path} is missing: a BEIR dataset folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv"
        )
    return path


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) for each line of the file, read as it streams (a corpus can be gigabytes); a byte that is
    not UTF-8 raises naming file, line and column, as `index build` and `eval answers` say it. A byte-order mark is
    left out."""
    with _require(path).open(encoding="utf-8-sig", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.encode("utf-8")  # a byte that was not UTF-8 was read as a lone surrogate, which does not encode
            except UnicodeEncodeError as error:
                byte = ord(line[error.start]) - 0xDC00
                raise DatasetError(
                    f"{path}:{number}: not UTF-8 text (byte {byte:#04x} at column {error.start + 1}); re-save it as UTF-8"
                ) from None
            yield number, line


def _jsonl(path: Path):
    """(line number, object) for each non-empty line; a bad line raises naming file and line."""
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}:{number}: not valid JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(record, dict) or "_id" not in record:
            raise DatasetError(f'{path}:{number}: expected an object with "_id", got {line.strip()[:80]!r}')
        yield number, record


def load_corpus(path: Path) -> dict[str, CorpusDocument]:
    corpus: dict[str, CorpusDocument] = {}
    for number, record in _jsonl(path):
        doc_id = str(record["_id"])
        text, title = record.get("text", ""), record.get("title", "") or ""
        if not isinstance(text, str) or not isinstance(title, str):
            raise DatasetError(f'{path}:{number}: "title" and "text" must be strings')
        if not text.strip() and not title.strip():
            raise DatasetError(f"{path}:{number}: document {doc_id!r} has neither title nor text")
        if doc_id in corpus:
            raise DatasetError(f"{path}:{number}: duplicate document id {doc_id!r}")
        corpus[doc_id] = CorpusDocument(doc_id, title.strip(), text.strip())
    if not corpus:
        raise DatasetError(f"{path}: the corpus is empty: add one document a line like {{\"_id\", \"title\", \"text\"}}")
    return corpus


def load_queries(path: Path) -> dict[str, str]:
    queries: dict[str, str] = {}
    for number, record in _jsonl(path):
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DatasetError(f'{path}:{number}: query {record["_id"]!r} needs a non-empty "text"')
        queries[str(record["_id"])] = text.strip()
    return queries


def _relevance(raw_score: str, where: str) -> int:
    """A qrels score: a whole number (graded relevance; 0 or below is not relevant, as TREC's -1 for junk). "inf" or
    "nan" is no grade, and "0.5" was cut to 0, its judgment silently dropped: each is an error naming the line."""
    try:
        score = float(raw_score)
    except ValueError:
        raise DatasetError(f"{where}: relevance score {raw_score!r} is not a number") from None
    if not math.isfinite(score) or score != int(score):
        raise DatasetError(f"{where}: relevance score {raw_score!r} is not a whole number: use 1 (relevant), 2, 3 ... or 0 (not)")
    return int(score)


def load_qrels(path: Path, corpus: dict[str, CorpusDocument], queries: dict[str, str]) -> dict[str, dict[str, int]]:
    """query id -> {doc id: graded relevance > 0}; unknown ids are errors, not silent misses."""
    qrels: dict[str, dict[str, int]] = {}
    for number, line in _lines(path):
        parts = line.rstrip("\n").split("\t")
        if not line.strip() or (number == 1 and parts[0] == "query-id"):
            continue
        if len(parts) < 3:
            raise DatasetError(f"{path}:{number}: expected query-id<TAB>corpus-id<TAB>score, got {line.strip()!r}")
        query_id, doc_id, raw_score = parts[0], parts[1], parts[2]
        if query_id not in queries:
            raise DatasetError(f"{path}:{number}: query id {query_id!r} is not in queries.jsonl")
        if doc_id not in corpus:
            raise DatasetError(f"{path}:{number}: corpus id {doc_id!r} is not in corpus.jsonl")
        score = _relevance(raw_score, f"{path}:{number}")
        if score > 0:
            qrels.setdefault(query_id, {})[doc_id] = score
    return qrels


def load_beir(path: Path, split: str = "test") -> BeirDataset:
    """The dataset under `path`; queries without a relevant document are dropped and counted."""
    path = Path(path)
    if not path.is_dir():
        raise DatasetError(f"dataset folder {path} does not exist: give a folder in BEIR layout")
    corpus = load_corpus(path / "corpus.jsonl")
    queries = load_queries(path / "queries.jsonl")
    qrels = load_qrels(path / "qrels" / f"{split}.tsv", corpus, queries)
    judged = {query_id: text for query_id, text in queries.items() if query_id in qrels}
    if not judged:
        raise DatasetError(f"{path / 'qrels' / f'{split}.tsv'}: no query has a relevant document (score > 0)")
    return BeirDataset(path, corpus, judged, qrels, skipped_queries=len(queries) - len(judged), split=split)
