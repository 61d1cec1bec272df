"""Index building on real files with the bundled embedding model and a real FAISS index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from supportbot.app import create_index_builder
from supportbot.config import Config
from supportbot.errors import DocumentError, IndexMismatchError, IndexMissingError
from supportbot.model_sources import bundled_path
from supportbot.retrieval import splitter
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.index_store import load_index, read_manifest
from supportbot.retrieval.langchain_adapter import as_langchain_retriever
from supportbot.retrieval.loaders import sample_docs_dir
from supportbot.retrieval.splitter import READER_VERSION


def _retriever(index_dir: Path, embedder, min_score: float = 0.35) -> DenseRetriever:
    return DenseRetriever(load_index(index_dir), embedder, top_k=4, min_score=min_score)


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(sample_docs_dir() / "account", target / "account")
    shutil.copytree(sample_docs_dir() / "billing", target / "billing")
    return target


class TestSampleIndexRetrieval:
    @pytest.mark.parametrize(
        ("question", "expected_doc"),
        [
            ("I forgot my password, how do I get back into my account?", "account/reset-password.md"),
            ("Can I split my payment into installments?", "billing/klarna.md"),
            ("The tracking says delivered but there's no box at my door", "shipping/package-marked-delivered-not-received.md"),
            ("How should I clean and season my cast iron skillet?", "care/caring-for-cast-iron.txt"),
            ("What is the last day to order for Christmas delivery?", "shipping/holiday-shipping-deadlines.html"),
            ("Is my toaster covered if it stops working after 6 months?", "warranty/limited-warranty.pdf"),
        ],
    )
    def test_question_retrieves_its_page(self, sample_index_dir: Path, embedder, question: str, expected_doc: str):
        hits = _retriever(sample_index_dir, embedder).search(question, 5)
        assert expected_doc in {hit.chunk.doc_id for hit in hits}

    def test_off_topic_question_finds_nothing_relevant(self, sample_index_dir: Path, embedder):
        assert _retriever(sample_index_dir, embedder).retrieve("Who won the football world cup in 1998?") == []

    def test_chunks_keep_title_and_headings(self, sample_index_dir: Path):
        chunks = load_index(sample_index_dir).chunks
        page_chunks = [c for c in chunks if c.doc_id == "returns/return-policy.md"]
        assert page_chunks and all(c.title for c in page_chunks)
        assert any(c.headings for c in page_chunks)
        assert all(c.title in c.embedding_text() for c in page_chunks)

    def test_chunks_know_their_place_in_the_document_after_a_reload(self, sample_index_dir: Path):
        # An answer quoting two chunks of one page shows them in the page's order.
        page_chunks = [c for c in load_index(sample_index_dir).chunks if c.doc_id == "returns/return-policy.md"]
        assert len(page_chunks) > 2 and [c.order for c in page_chunks] == list(range(len(page_chunks)))

    def test_manifest_records_model_chunking_sources_and_counts(self, sample_index_dir: Path):
        manifest = read_manifest(sample_index_dir)
        assert manifest.embedding_model == "bundled:all-minilm-l6-v2" and manifest.dimension == 384
        assert manifest.chunking == {"chunk_tokens": 200, "chunk_overlap_tokens": 30, "reader_version": READER_VERSION}
        assert len(manifest.sources["returns/return-policy.md"].sha256) == 64
        assert manifest.counts["chunks"] == len(load_index(sample_index_dir).chunks)

    def test_langchain_retriever_returns_documents_with_metadata(self, sample_index_dir: Path, embedder):
        documents = as_langchain_retriever(_retriever(sample_index_dir, embedder)).invoke("How do I turn on two-step verification?")
        assert "account/two-step-verification.md" in [d.metadata["doc_id"] for d in documents]
        assert all(d.metadata["score"] >= 0.35 and d.metadata["title"] for d in documents)


class TestIncrementalBuild:
    def test_rebuild_embeds_only_changed_files(self, docs_copy: Path, tmp_path: Path, embedder):
        builder = create_index_builder(Config(), embedder, show_progress=False)
        index_dir = tmp_path / "index"
        first = builder.build([str(docs_copy)], index_dir)
        assert first.files_embedded == first.files > 1

        page = docs_copy / "billing" / "gift-cards.md"
        page.write_text(page.read_text(encoding="utf-8") + "\n## Gift wrap\n\nGift wrap costs $4.95 per item.\n", encoding="utf-8")
        (docs_copy / "account" / "rewards-program.md").unlink()
        second = builder.build([str(docs_copy)], index_dir)

        assert (second.files_embedded, second.files_removed) == (1, 1)
        assert second.files_reused == first.files - 2
        assert second.chunks_embedded == read_manifest(index_dir).sources["billing/gift-cards.md"].chunks
        assert not any(c.path == "account/rewards-program.md" for c in load_index(index_dir).chunks)
        hits = _retriever(index_dir, embedder).search("How much is gift wrapping?", 1)
        assert hits[0].chunk.doc_id == "billing/gift-cards.md"

    def test_an_index_read_by_older_loaders_is_embedded_again_whole(self, docs_copy: Path, tmp_path: Path, embedder, monkeypatch):
        # Unchanged files read another way now (plain-text headings) would keep their old chunks if reused.
        shutil.copytree(sample_docs_dir() / "care", docs_copy / "care")
        builder = create_index_builder(Config(), embedder, show_progress=False)
        index_dir = tmp_path / "index"
        with monkeypatch.context() as older:
            older.setattr(splitter, "READER_VERSION", READER_VERSION - 1)
            builder.build([str(docs_copy)], index_dir)
        again = builder.build([str(docs_copy)], index_dir)
        assert again.files_embedded == again.files and again.files_reused == 0
        care = [c for c in load_index(index_dir).chunks if c.doc_id == "care/caring-for-cast-iron.txt"]
        assert ("Fixing rust",) in [c.headings for c in care]

    def test_unreadable_file_is_skipped_and_the_rest_indexed(self, docs_copy: Path, tmp_path: Path, embedder):
        (docs_copy / "broken.md").write_bytes(b"\xff\xfe not utf-8 \x80")
        report = create_index_builder(Config(), embedder, show_progress=False).build([str(docs_copy)], tmp_path / "index")
        assert any("broken.md" in warning for warning in report.warnings)
        assert "billing/gift-cards.md" in read_manifest(tmp_path / "index").sources

    def test_interrupted_build_leaves_previous_index_usable(self, docs_copy: Path, tmp_path: Path, embedder, monkeypatch):
        builder = create_index_builder(Config(), embedder, show_progress=False)
        index_dir = tmp_path / "index"
        builder.build([str(docs_copy)], index_dir)
        before = read_manifest(index_dir)

        (docs_copy / "billing" / "new-page.md").write_text("# New\n\nNew page about store credit.\n", encoding="utf-8")
        from supportbot.retrieval import index_store

        def crash(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(index_store.faiss, "write_index", crash)
        with pytest.raises(KeyboardInterrupt):
            builder.build([str(docs_copy)], index_dir)
        monkeypatch.undo()

        after = load_index(index_dir)
        assert after.manifest.sources.keys() == before.sources.keys()
        assert _retriever(index_dir, embedder).search("How do I redeem a gift card?", 1)[0].chunk.doc_id.startswith("billing/")

    def test_nothing_indexable_keeps_previous_index(self, tmp_path: Path, embedder):
        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "a.txt").write_bytes(b"\xff\xff")
        with pytest.raises(DocumentError, match="nothing to index"):
            create_index_builder(Config(), embedder, show_progress=False).build([str(bad)], tmp_path / "index")


class TestIndexCompatibility:
    def test_index_from_another_embedding_model_is_refused(self, sample_index_dir: Path):
        other = SentenceTransformerEmbedder(str(bundled_path("all-minilm-l6-v2")))
        with pytest.raises(IndexMismatchError, match="rebuild it with `supportbot index build"):
            DenseRetriever(load_index(sample_index_dir), other, top_k=4, min_score=0.3)

    def test_missing_index_says_how_to_build_one(self, tmp_path: Path):
        with pytest.raises(IndexMissingError, match="supportbot index build"):
            load_index(tmp_path / "none")
