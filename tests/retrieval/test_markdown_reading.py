"""Markdown pages read as their readers see them: setext headings, closing hashes, footnotes, Q:/A: FAQ pages."""

from __future__ import annotations

from pathlib import Path

from fakes import EchoGenerator, grounding_checker

from supportbot.app import create_index_builder
from supportbot.bot.dialogue import DialogueManager
from supportbot.config import BotConfig, Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.documents import Chunk, SourceDocument
from supportbot.retrieval.index_store import load_index
from supportbot.retrieval.loaders import SourceFile, load_file
from supportbot.retrieval.splitter import ChunkingSettings, DocumentSplitter
from supportbot.store import ConversationStore

GIFT_CARDS = """Gift cards
==========

Marlow gift cards are sold in amounts from $10 to $500.

Do gift cards expire?
---------------------

No. Marlow gift cards never expire. They have no fees.

How do I check my balance?
--------------------------

Go to https://shopmarlow.com/giftcard and enter the 16-digit number and the 4-digit PIN.
"""

BILLING = """---
title: Billing and plans
---

## How do I change my plan? ##

Open **Settings > Billing** and click **Change plan**.

## Refunds

Yearly plans can be refunded within 14 days of purchase. Monthly plans are not refundable.[^1]

## Payment methods

We accept Visa, Mastercard and PayPal.

[^1]: Except where local law requires otherwise, e.g. in the EU.
"""

FAQ = """# Frequently asked questions

Q: Can I share my account with a colleague?
A: No. Each user needs their own seat. Add seats under **Settings > Team**.

Q: What's the maximum file size I can upload?
A: 50 GB per file on paid plans and 2 GB on Free.

Q: Do you have a status page?
A: Yes, see https://status.example.com for live status and incident history.
"""


def _read(folder: Path, name: str, text: str) -> SourceDocument:
    (folder / name).write_text(text, encoding="utf-8")
    (document,) = load_file(SourceFile(folder / name, name)).documents
    return document


def _chunks(folder: Path, name: str, text: str) -> list[Chunk]:
    return DocumentSplitter(ChunkingSettings(200, 0), lambda piece: len(piece.split())).split(_read(folder, name, text))


def _sections(chunks: list[Chunk]) -> dict[tuple[str, ...], str]:
    return {chunk.headings: chunk.text for chunk in chunks}


def _answer(tmp_path: Path, embedder, name: str, page: str, question: str) -> str:
    """The extractive answer an index of the one page gives (no model is asked)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / name).write_text(page, encoding="utf-8")
    create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
    retriever = DenseRetriever(load_index(tmp_path / "index"), embedder, top_k=4, min_score=0.35)
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    manager = DialogueManager(
        retriever, EchoGenerator(), store, BotConfig(answer_mode="extractive"), GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder)
    )
    return manager.reply("console", "c1", question).text()


class TestSetextHeadings:
    def test_an_underlined_title_is_the_page_title(self, tmp_path: Path):
        # The page was titled "Giftcards" (its file name), and "==========" was a line of its text.
        document = _read(tmp_path, "giftcards.md", GIFT_CARDS)
        assert document.title == "Gift cards"
        assert "===" not in document.text and "---" not in document.text

    def test_underlined_questions_are_sections_of_their_own(self, tmp_path: Path):
        # The whole page was one chunk under no heading, each question a line over a line of dashes.
        sections = _sections(_chunks(tmp_path, "giftcards.md", GIFT_CARDS))
        assert sections == {
            (): "Marlow gift cards are sold in amounts from $10 to $500.",
            ("Do gift cards expire?",): "No. Marlow gift cards never expire. They have no fees.",
            ("How do I check my balance?",): "Go to https://shopmarlow.com/giftcard and enter the 16-digit number and the 4-digit PIN.",
        }

    def test_a_rule_a_table_and_code_are_no_headings(self, tmp_path: Path):
        page = (
            "# Plans\n\nWe have two plans.\n\n---\n\nPlan | Price\n--- | ---\nFree | $0\n\n"
            "- Starter\n---\n\n```\nStatus\n------\n```\n"
        )
        chunks = _chunks(tmp_path, "plans.md", page)
        assert [chunk.headings for chunk in chunks] == [()]
        assert "We have two plans.  \n---" in chunks[0].text and "| Plan | Price |\n| --- | --- |" in chunks[0].text
        assert "- Starter\n---" in chunks[0].text and "```\nStatus\n------\n```" in chunks[0].text


class TestClosingHashes:
    def test_a_heading_is_read_without_its_closing_hashes(self, tmp_path: Path):
        # The section's heading was "How do I change my plan? ##".
        chunks = _chunks(tmp_path, "billing.md", BILLING)
        assert chunks[0].headings == ("How do I change my plan?",)

    def test_a_hash_that_ends_a_word_stays(self, tmp_path: Path):
        chunks = _chunks(tmp_path, "languages.md", "# Languages\n\n## Writing C#\n\nThe SDK supports C# 12.\n")
        assert chunks[0].headings == ("Writing C#",)


class TestFootnotes:
    def test_a_marker_is_left_out_and_its_note_follows_its_paragraph(self, tmp_path: Path):
        # "refundable.[^1]" ended in "]" (no sentence), and "[^1]: Except ..." was read as a sentence of the last
        # section, "Payment methods", far from the refunds it qualifies.
        sections = _sections(_chunks(tmp_path, "billing.md", BILLING))
        assert sections[("Refunds",)] == (
            "Yearly plans can be refunded within 14 days of purchase. Monthly plans are not refundable.  \n"
            "Note: Except where local law requires otherwise, e.g. in the EU."
        )
        assert sections[("Payment methods",)] == "We accept Visa, Mastercard and PayPal."

    def test_a_marker_in_code_and_one_without_a_definition_are_text(self, tmp_path: Path):
        page = "# Arrays\n\nWrite `a[^1]` to raise to a power.[^x] Use it once.[^n]\n\n[^n]: Or twice.\n"
        document = _read(tmp_path, "arrays.md", page)
        assert document.text == "# Arrays\n\nWrite `a[^1]` to raise to a power.[^x] Use it once.\n\nNote: Or twice.\n"

    def test_the_sentence_with_a_marker_is_quoted(self, tmp_path: Path, embedder):
        answer = _answer(tmp_path, embedder, "billing.md", BILLING, "Can I get a refund on a monthly plan?")
        assert "Monthly plans are not refundable." in answer and "[^1]" not in answer


class TestQuestionAndAnswerPages:
    def test_each_question_is_a_heading_over_its_answer(self, tmp_path: Path):
        # The page was one section whose answers each opened with "A:".
        sections = _sections(_chunks(tmp_path, "faq.md", FAQ))
        assert sections == {
            ("Can I share my account with a colleague?",): "No. Each user needs their own seat. Add seats under **Settings > Team**.",
            ("What's the maximum file size I can upload?",): "50 GB per file on paid plans and 2 GB on Free.",
            ("Do you have a status page?",): "Yes, see https://status.example.com for live status and incident history.",
        }

    def test_bold_pairs_under_a_section_are_one_level_below_it(self, tmp_path: Path):
        page = "# Help\n\n## Billing\n\n**Q:** Can I pay later?\n**A:** Yes, with Klarna.\n\n**Q: Do you ship abroad?**\n**A: No, only in the US.**\n"
        chunks = _chunks(tmp_path, "help.md", page)
        assert _sections(chunks) == {
            ("Billing", "Can I pay later?"): "Yes, with Klarna.",
            ("Billing", "Do you ship abroad?"): "No, only in the US.",
        }

    def test_a_page_that_is_not_all_pairs_is_read_as_written(self, tmp_path: Path):
        page = "# Notes\n\nQ: Why?\nA: Because.\n\nQ: And then?\nWe will see.\n"
        assert _read(tmp_path, "notes.md", page).text == page

    def test_an_answer_is_quoted_without_its_a_prefix(self, tmp_path: Path, embedder):
        # "A: No. Each user needs their own seat." was quoted, "A: No." answering the customer's question.
        answer = _answer(tmp_path, embedder, "faq.md", FAQ, "Can I share my account with a colleague?")
        assert "Each user needs their own seat." in answer and "A:" not in answer
