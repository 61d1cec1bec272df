"""Approved answers on the bundled sample docs (faq.jsonl has three approved entries), with the real embedder.

The chat model is not under test: the generator below records whether it was asked to generate.
"""

import json

import pytest
from fakes import grounding_checker

from supportbot.app import build_index, embedding_languages, retriever_for_index
from supportbot.bot.approved import ApprovedAnswers
from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.reply import AnswerKind
from supportbot.config import Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.documents import SourceDocument
from supportbot.retrieval.index_store import load_index
from supportbot.retrieval.loaders import sample_docs_dir
from supportbot.retrieval.splitter import ChunkingSettings, DocumentSplitter
from supportbot.store import ConversationStore

RETURN_POLICY = json.loads((sample_docs_dir() / "faq.jsonl").read_text(encoding="utf-8").splitlines()[0])


class RecordingGenerator:
    context_window = 2048

    def __init__(self):
        self.streamed = 0

    def count_tokens(self, messages):
        return sum(len(m["content"].split()) for m in messages)

    def truncate(self, text, max_tokens):
        return " ".join(text.split()[:max_tokens])

    def stream(self, messages, settings, stop=None):
        self.streamed += 1
        yield "generated answer"


@pytest.fixture
def manager(sample_index_dir, embedder, tmp_path):
    config = Config()
    index = load_index(sample_index_dir)
    generator = RecordingGenerator()
    dialogue = DialogueManager(
        retriever=retriever_for_index(config, index, embedder),
        generator=generator,
        store=ConversationStore(tmp_path / "conversations.sqlite3"),
        bot=config.bot,
        settings=GenerationSettings(max_new_tokens=8),
        top_k=config.retrieval.top_k,
        checker=grounding_checker(embedder),
        approved=ApprovedAnswers(index, embedder, config.bot.approved_min_score),
    )
    return dialogue, generator


def test_paraphrase_of_approved_question_gets_the_approved_text_word_for_word(manager):
    dialogue, generator = manager
    reply = dialogue.reply("test", "c1", "What is your return policy? How long do I have to send items back?")
    assert reply.kind == AnswerKind.APPROVED
    assert reply.text() == RETURN_POLICY["answer"]
    assert generator.streamed == 0
    assert reply.sources[0].url == RETURN_POLICY["url"] and reply.sources[0].approved
    stored = dialogue.store.messages("test", "c1")[-1]
    assert stored.content == RETURN_POLICY["answer"] and stored.kind == AnswerKind.APPROVED


def test_unrelated_question_is_generated_not_approved(manager):
    dialogue, _ = manager
    reply = dialogue.reply("test", "c2", "Do you ship to Canada?")
    assert reply.kind != AnswerKind.APPROVED
    reply.text()


def test_threshold_above_one_turns_approved_answers_off(sample_index_dir, embedder):
    approved = ApprovedAnswers(load_index(sample_index_dir), embedder, min_score=1.01)
    assert len(approved) == 3
    assert approved.match(RETURN_POLICY["question"]) is None


def test_approved_markdown_page_is_kept_as_one_chunk_with_its_exact_body(embedder):
    body = "# Refunds\n\nRefunds go to the original payment method.\n\n## Timing\n\n" + "Within 5-7 days. " * 60
    page = SourceDocument("refunds.md", "Refunds", "refunds.md", body, "markdown", approved=True)
    chunks = DocumentSplitter(ChunkingSettings(50, 0), embedder.count_tokens).split(page)
    assert len(chunks) == 1 and chunks[0].text == body.strip() and chunks[0].approved


def test_question_the_embedder_cannot_read_never_gets_an_approved_text(embedder, tmp_path):
    """MiniLM reads most Chinese characters as one unknown token: these two unrelated questions score ~1.0 together."""
    faq = tmp_path / "faq.jsonl"
    entry = {"question": "可以换其他尺寸或颜色吗？", "answer": "可以。签收后 30 天内可以免费换一次。", "approved": True}
    faq.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    config = Config()
    build_index(config, [str(faq)], tmp_path / "index", show_progress=False, embedder=embedder)
    index = load_index(tmp_path / "index")
    question = "可以开增值税专用发票吗？"  # "can you issue a VAT invoice?"
    assert ApprovedAnswers(index, embedder, config.bot.approved_min_score).match(question) is not None  # what happened before
    approved = ApprovedAnswers(index, embedder, config.bot.approved_min_score, embedding_languages(config).reads)
    assert approved.match(question) is None


def test_question_asking_for_the_opposite_action_never_gets_the_approved_text(embedder, tmp_path):
    """MiniLM scores "turn on" and "turn off" questions about the same setting far above the approved bar."""
    faq = tmp_path / "faq.jsonl"
    entry = {"question": "How do I turn on two-step verification?", "answer": "Go to Account > Security and choose an app.", "approved": True}
    faq.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    config = Config()
    build_index(config, [str(faq)], tmp_path / "index", show_progress=False, embedder=embedder)
    approved = ApprovedAnswers(load_index(tmp_path / "index"), embedder, config.bot.approved_min_score)
    assert approved.match("how can I switch on two step verification?") is not None
    opposite = "How do I turn off two-step verification?"
    assert approved.match(opposite) is None
    assert float(approved.vectors[0] @ embedder.embed_query(opposite)) >= config.bot.approved_min_score  # similarity alone would send it
