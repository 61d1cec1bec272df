"""Questions asking what a term means (bot/asked_for.py's asked_term), answered from a section the term heads: the
section's first sentence is its definition and comes first (bot/extractive.py). And the quoted answer a "how long"
question's ranking worked out is the one the answer gives."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
from fakes import grounding_checker

from supportbot.app import retriever_for_index
from supportbot.bot.asked_for import asked_term
from supportbot.bot.extractive import ExtractiveAnswerer
from supportbot.bot.prompt import group_sources
from supportbot.config import Config
from supportbot.retrieval.index_store import load_index

ERROR_CODES = (
    "<h1>Sync troubleshooting</h1><p>If files don't sync, work through the checks below.</p>"
    "<h2>Error codes</h2><dl><dt>E101</dt><dd>You are out of storage. Delete files or upgrade your plan.</dd>"
    "<dt>E204</dt><dd>The file name has characters Windows doesn't allow (for example <code>:</code> or <code>?</code>). "
    "Rename the file.</dd><dt>E309</dt><dd>Your session expired. Sign in again.</dd></dl>"
)


@pytest.fixture
def ask(answer_from_page):
    """Asks `question` first in a conversation, in extractive mode, of an index holding only the error codes page."""
    return partial(answer_from_page, "page.html", ERROR_CODES)


class TestAskedTerm:
    @pytest.mark.parametrize(
        ("question", "term"),
        [
            ("What does E101 mean?", "E101"),
            ("what does error E204 stand for", "error E204"),
            ("What's a backorder?", "a backorder"),
            ("What is meant by “final sale”?", "final sale"),
            ("Define net 30.", "net 30"),
            ("meaning of E309?", "E309"),
        ],
    )
    def test_the_term_a_question_asks_the_meaning_of(self, question, term):
        assert asked_term(question) == term

    @pytest.mark.parametrize("question", ["How do I fix E101?", "Can I return a gift card?", "Why does E101 keep coming back?"])
    def test_a_question_asking_something_else_asks_no_term(self, question):
        assert asked_term(question) == ""


class TestDefinitionFirst:
    def test_what_an_error_code_means_is_answered_with_its_definition(self, ask):
        # Was "Delete files or upgrade your plan.": the definition's second sentence ranked over its first.
        assert ask("What does E101 mean?") == "You are out of storage. Delete files or upgrade your plan."

    def test_a_question_that_asks_no_meaning_keeps_its_ranking(self, ask):
        # How to fix it is what the definition's second sentence says; its first does not.
        assert ask("How do I fix E101?") == "Delete files or upgrade your plan."


@pytest.mark.parametrize(
    ("question", "kept"),
    [("How long do refunds take?", True), ("Can I pay with Klarna?", True), ("What's the return window?", False), ("Can I return a gift card?", False)],
)
def test_the_answer_quotes_what_the_ranking_worked_out(sample_index_dir, embedder, question, kept):
    # rank works out the quoted answer to see whether it states what a "how long" or "can I" question asks for. Where
    # it does (the first two), answer takes it rather than work it out again; where it does not, the ranking changes
    # and nothing is kept. Either way the answer is what working it out afresh gives.
    answerer = ExtractiveAnswerer(grounding_checker(embedder), Config().bot.answer_min_relevance)
    retriever = retriever_for_index(Config(), load_index(sample_index_dir), embedder)
    ranking = answerer.rank(question, group_sources(retriever.retrieve(question)))
    afresh = replace(ranking, quotes=None)
    assert (ranking.quotes is not None) == kept
    assert answerer.quoted(ranking) == answerer.quoted(afresh)
    assert answerer.answer(ranking) == answerer.answer(afresh)
