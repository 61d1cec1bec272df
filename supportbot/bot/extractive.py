"""Answers built from the sources' own sentences: always faithful, in any language, no LM call.

Each sentence of the retrieved chunks, read with its page title and headings (or its FAQ question),
is ranked against the question by embedding similarity plus keyword overlap (the share of the
question's words it contains, each weighted by how rare it is among the candidates, as BM25's IDF
does). When the best retrieved chunk is an FAQ entry, the answer is that entry's answer (unless its
question asks for the opposite action: "turn on" for "turn off", text/opposites.py; and without its
opening "Yes" or "No" where that word answers the entry's question, not the customer's); otherwise
the best one or two sentences are quoted, never reworded, with citations: the best first, a second only
when it ranks nearly as high, says something the first doesn't, and stands on its own (English
sentences such as "Inspection takes up to 2 business days of that time." lean on the one before;
a lead-in such as "Some options:" needs the one after).

The ranking does two more jobs. It decides whether the sources answer the question at all: when
no sentence's similarity reaches `min_relevance`, there is no answer and the bot declines instead
of quoting something beside the point. For that judgement an English question is also read in the
voice the pages are written in (text/voice.py: "what's your return window?" as "what's our return
window?"), and the closer of the two readings counts: a page says "we" for the company and "you"
for the customer, an FAQ entry's question says it as the customer does. Which sentences are quoted
stays the question's own ranking. And it picks the evidence a grounded answer's prompt holds:
the most relevant sentences rather than whole chunks, so a small model reads less that is beside
the point and the prompt, and with it the wait for the first words, is a third as long.

A question the embedder does not read (`checker.reads`: Chinese with the English all-MiniLM-L6-v2)
has no meaningful similarity: its sentences are ranked by keyword overlap alone, and the sources
answer it when the best retrieved chunk holds enough of its words (retrieval's keyword coverage,
against `min_keyword_coverage`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from supportbot.bot.asked_for import asked_term, giving_what_is_asked
from supportbot.bot.citations import CitedSentence, cited_whole, is_full_sentence, write_cited
from supportbot.bot.grounding import GroundingChecker, SourceSentence, names_in, source_sentences
from supportbot.bot.prompt import PASSAGE_BREAK, Source
from supportbot.bot.yes_or_no import (
    CLOSING_MARKS,
    answers_the_customer,
    is_bare_yes_or_no,
    is_question,
    section_question,
    without_yes_or_no,
)
from supportbot.privacy import EMAIL, PHONE
from supportbot.retrieval.bm25 import KEYWORD_COVERAGE
from supportbot.retrieval.documents import ScoredChunk
from supportbot.text.analyzers import initialisms
from supportbot.text.contact_asks import asked_contact
from supportbot.text.markup import without_bold_marks
from supportbot.text.opposites import asks_the_opposite
from supportbot.text.sentences import indentation, is_code_block, is_table_row, split_sentences, table_headers
from supportbot.text.voice import in_docs_voice

KEYWORD_WEIGHT = 0.3  # how much keyword overlap adds to the embedding similarity when ranking sentences
MAX_SENTENCES = 2  # a support answer is short; more sentences mostly add what wasn't asked
NEAR_BEST = 0.9  # a second sentence is quoted only when it ranks nearly as high as the best
RESTATES = 0.85  # embedding similarity at which a sentence says again what a quoted one says (docs/answers.md)
EVIDENCE_SENTENCES = 8  # sentences a grounded answer's prompt holds
# A question this similar to the heading a ranked sentence stands under (or its FAQ question) asks what that section
# is about, whatever its sentences score: "what's the rate limit?" reads 0.87 against "Rate limits" and 0.46 against
# "... > Rate limits: You can make up to 600 requests a minute." The approved-answer bar's reasoning (docs/answers.md).
NAMED_BY_HEADING = 0.8
SHORT_LIST = 2  # a pair of list items is quoted whole ("... may show both:"); an item of a longer list on its own
SHORT_TABLE = 5  # body rows of a table taken in at a glance: one asked about as a whole ("What shipping options ...?") is quoted whole
CONTACT_PATTERNS = {"email": EMAIL, "phone": PHONE}  # what gives the contact a question asks for (`_giving_contact`)
ANSWERING_SENTENCES = 4  # of those, the ones a grounded answer may state: twice what an extractive answer quotes


@dataclass(frozen=True)
class Ranking:
    """The retrieved chunks' sentences ranked for one question."""

    grouped: Sequence[tuple[Source, Sequence[ScoredChunk]]]
    sentences: list[SourceSentence]
    similarity: np.ndarray  # embedding similarity with the question, per sentence
    score: np.ndarray  # similarity plus weighted keyword overlap: the ranking
    keyword_coverage: float | None = None  # set for a question the embedder does not read: the relevance then
    question: str = ""  # what was ranked for: the question, or a follow-up read with the one before it
    follow_up: bool = False  # `question` is a follow-up read with the one before it: no FAQ entry answers it whole
    passed_over: int | None = None  # an FAQ entry about another case (faq_for_another_case), its sentences left out
    heading_similarity: float = 0.0  # the question's best similarity with a ranked sentence's own heading (`rank`)
    gives_contact: bool = False  # the best sentence gives the email address or phone number asked for (`_giving_contact`)
    quotes: tuple[int, ...] | None = None  # what ExtractiveAnswerer.quoted gives for this score, when `rank` worked it out
    # (not for a follow-up reading: dialogue.py marks one after `rank`, and a follow-up quotes no FAQ entry whole)
    voiced_similarity: np.ndarray | None = None  # similarity with the question in the docs' voice (text/voice.py), where it differs

    @property
    def relevance(self) -> float:
        """How well the sources answer the question: the best sentence's embedding similarity with the question as
        asked or in the docs' voice, whichever is higher (`ExtractiveAnswerer.rank`), or `keyword_coverage`."""
        if self.keyword_coverage is not None:
            return self.keyword_coverage
        if not len(self.similarity):
            return 0.0
        voiced = self.voiced_similarity.max() if self.voiced_similarity is not None else -1.0
        return float(max(self.similarity.max(), voiced))

    @cached_property
    def chunk_texts(self) -> dict[str, str]:
        return chunk_texts(self.grouped)

    def best(self, count: int) -> list[int]:
        """The `count` best sentences; of equal ones, the earlier (from the better-retrieved chunk)."""
        return [int(i) for i in np.argsort(-self.score, kind="stable")[:count]]


def quotable(sentence: SourceSentence) -> bool:
    """Whether a sentence can stand in an answer: not a heading or a short list item ("Fixing rust", "Visa"). Code
    is, however short: "larkspur --version" under "3. Check the version:" is that step's whole point.

    Ranking also leaves out the bot's own kind of words ("Sorry about that!": they say nothing that answers)
    except a lead-in ("From there you can:"), and takes in a short item under a lead-in, which is quoted only
    under it (under_lead_in).
    """
    text = sentence.text
    return len(text.split()) >= 6 or is_table_row(text) or is_full_sentence(text) or is_code_block(text)


_BELOW = re.compile(r"\bbelow\b", re.IGNORECASE)


def points_below(text: str) -> bool:
    """Whether a sentence that is no lead-in points at what follows it further down the page ("Place your order by
    the dates below for delivery by December 24."): quoted, it promises what the answer does not hold."""
    return bool(_BELOW.search(text)) and not leads_in(text)


def cut_by_the_chunker(sentence: SourceSentence) -> bool:
    """Whether a sentence is the tail of one the splitter cut: the first sentence of a document's later chunk, opening
    in lower case ("province or country." where a PDF's wrapped line "... vary by state," ended the chunk before;
    the whole sentence is in that chunk, which overlaps this one)."""
    return sentence.position == 0 and sentence.chunk_order > 0 and sentence.text[:1].islower()


# An English sentence that points back at the one before it: "It appears when ...", "... of that time.", an
# instruction about something named before ("Scrub them away with steel wool."), an example of it ("For example, ..."),
# what happens next ("Klarna then updates your payment plan:", after "If you return an item, ...").
_LEANS_BACK = re.compile(
    r"^(?:it|its|this|that|these|those|they|them|their|also|however|but|otherwise|then|for (?:example|instance))\b"
    r"|^(?!(?:if|when|once|while|because|unless|until|since|as|whether|before|after|so|and|or)\b)\w+ (?:it|them)\b"
    r"|^\w+ then\b"
    r"|\b(?:of|in|during|within|after|before|from|for|by|at|on|outside|until|beyond|besides) (?:that|this|these|those|there)\b",
    re.IGNORECASE,
)


def leans_back(text: str) -> bool:
    """Whether a sentence needs the sentence before it to be understood (English cues; other languages stand alone)."""
    return bool(_LEANS_BACK.search(text))


_POINTS_AHEAD = re.compile(r"here(?:'s|’s| is| are)\b", re.IGNORECASE)


def leads_in(text: str) -> bool:
    """Whether a sentence only introduces the next one ("Some options:", "**Do this:**", "步骤如下：", and in English
    without the colon: "Here's how that time breaks down and what to expect.")."""
    return text.rstrip(CLOSING_MARKS).endswith((":", "：")) or bool(_POINTS_AHEAD.match(text))


# A lead-in to examples: its items illustrate the sentence before it and say nothing alone ("- A 5 x 7 ft rug for the
# same rug in 6 x 9 ft" under "An exchange swaps an item for the same product in a different variant. For example:").
_EXAMPLES = re.compile(r"(?:for (?:example|instance)|examples?|e\.g\.|such as)\W*$", re.IGNORECASE)


def _lead_in_leans_back(text: str) -> bool:
    """A lead-in that needs what came before it ("After that:"); "This warranty does not cover:" and "Klarna then
    updates your payment plan:" name their subject, and their lists are what they say."""
    return leans_back(text) and not re.match(r"(?:this|these)\s+\w+\s+\w+|\w+ then\b", text, re.IGNORECASE)


_LIST_MARKER = re.compile(r"[ \t]*(?:[-*+•]|\d{1,2}[.)])[ \t]")
# A step written out ("Step 1: ...", "**Step 2 —** ...", "Step 3. ..."): a numbered item whose label is part of its text,
# quoted as written, so it opens with its first sentence rather than after a marker (English, as leans_back's cues).
_STEP = r"(?:\*\*|__)?(?i:step)[ \t]+\d{1,2}[ \t]*(?:[:.)]|[—–-])(?:\*\*|__)?[ \t]"
_STEP_LINE = re.compile(rf"[ \t]*{_STEP}")
_NUMBERED = re.compile(rf"[ \t]*(?:\d{{1,2}}[.)][ \t]|{_STEP})")


def opens_item(line: str, at: int = 0) -> bool:
    """Whether the line starting at `at` of `line` opens a list item: after a marker ("- ", "2. ") or a step's label."""
    return bool(_LIST_MARKER.match(line, at) or _STEP_LINE.match(line, at))


def place_in_list(chunk_text: str, sentence: str) -> str:
    """"opens" for a sentence that opens a list item ("- ...", "2. ...", "Step 2: ...") in the chunk's text, "continues" for a
    later sentence of an item ("- **UK and EU:** Duties are prepaid. *You won't be asked to pay anything.*") or one
    standing in under it (its code), else ""."""
    at = chunk_text.find(sentence)
    if at < 0:
        return ""
    line = chunk_text.rfind("\n", 0, at) + 1
    if _LIST_MARKER.fullmatch(chunk_text, line, at) or (_STEP_LINE.match(chunk_text, line) and not chunk_text[line:at].strip()):
        return "opens"
    return "continues" if opens_item(chunk_text, line) or _inside_item(chunk_text, line) else ""


def _inside_item(chunk_text: str, line: int) -> bool:
    """Whether the line starting at `line` stands in under a list item, as its text does ("2. Open a terminal and
    run:" over "    ```bash"): the nearest line above standing further left is the item's."""
    indent = indentation(chunk_text[line:])  # up to the line's first character: its own indentation
    if not indent:
        return False
    for above in reversed(chunk_text[: max(line - 1, 0)].split("\n")):
        if above.strip() and indentation(above) < indent:
            return opens_item(above)
    return False


def under_lead_in(chunk_text: str, sentence: str) -> bool:
    """Whether a sentence opens an item of a list that a lead-in introduces ("From there you can:" above
    "- Turn off two-step verification"): an item too short to stand alone is an answer only under it."""
    if place_in_list(chunk_text, sentence) != "opens":
        return False
    lines = chunk_text[: chunk_text.find(sentence)].splitlines()[:-1]
    for line in reversed(lines):  # up through the list's other items
        if line.strip() and not opens_item(line):
            return leads_in(line.strip())
    return False


_PROCEDURE = re.compile(r"(?:\d{1,2}[.)]\s*)?(?:how to|steps)\b", re.IGNORECASE)


def names_a_procedure(context: str) -> bool:
    """Whether a sentence's section heading (the last part of its context) names a procedure: "4. How to make a
    claim", "Steps to return an item" (English cues, as leans_back's)."""
    return bool(_PROCEDURE.match(context.rpartition(" > ")[2].strip()))


_ASKS_HOW = re.compile(r"\bhow (?:do|can|should|would|to)\b|\bwhat (?:are the |do i need to )?steps\b", re.IGNORECASE)


def asks_how(question: str) -> bool:
    """Whether a question asks how to do something ("How do I make a warranty claim?"; English cues): a step of a
    procedure ranked near the best then brings the procedure, where for "Can I pay with Klarna?" one step is enough."""
    return bool(_ASKS_HOW.search(question))


def in_context(sentence: SourceSentence) -> str:
    """A sentence as its reader meets it: under its FAQ question or page heading ("Phone: Call 1-800-...")."""
    text = without_bold_marks(sentence.text)
    return f"{sentence.context}: {text}" if sentence.context else text


def chunk_texts(grouped: Sequence[tuple[Source, Sequence[ScoredChunk]]]) -> dict[str, str]:
    """Each retrieved chunk's text by chunk id: where a sentence's place in a list is read."""
    return {hit.chunk.chunk_id: hit.chunk.text for _, hits in grouped for hit in hits}


def own_headings(grouped: Sequence[tuple[Source, Sequence[ScoredChunk]]], sentences: Sequence[SourceSentence]) -> list[str]:
    """The heading each sentence stands right under: its section's own heading, else its FAQ question or page title."""
    chunks = {hit.chunk.chunk_id: hit.chunk for _, hits in grouped for hit in hits}
    headings = []
    for sentence in sentences:
        chunk = chunks[sentence.chunk_id]
        heading = chunk.question or (chunk.headings[-1] if chunk.headings else chunk.title)
        if heading:
            headings.append(heading)
    return headings


def keyword_coverage(grouped: Sequence[tuple[Source, Sequence[ScoredChunk]]], overlap: np.ndarray) -> float:
    """The best retrieved chunk's keyword coverage (retrieval/bm25.py: its share of the question's words, by IDF).

    Hits without one (retrieval.mode "dense") leave the best sentence's keyword overlap, the same share
    weighted by rarity among the retrieved sentences instead of the whole index.
    """
    coverages = [hit.metadata[KEYWORD_COVERAGE] for _, hits in grouped for hit in hits if KEYWORD_COVERAGE in hit.metadata]
    return max(coverages) if coverages else float(overlap.max())


def holds_name(name: str, text: str) -> bool:
    """Whether `text` names `name`, spelled out or by its initials ("UK": "United Kingdom")."""
    name = name.lower()
    return re.search(rf"\b{re.escape(name)}\b", text.lower()) is not None or name in initialisms(text)


def asked_names(question: str) -> list[str]:
    """What the customer named (grounding.names_in), less "I'm", "I've" ... mid-sentence."""
    return [name for name in names_in(question) if re.split(r"['’]", name)[0] != "I"]


def about_something_else(question: str, text: str) -> bool:
    """Whether `text` is about something other than what the customer named: the question names something (a
    place, a brand, a plan: "the UK", "Klarna"), `text` holds none of it and names something the question doesn't
    ("In the US, Standard shipping takes 5-7 business days" for "how much does it cost to ship to the UK?")."""
    asked = asked_names(question)
    if not asked or any(holds_name(name, text) for name in asked):
        return False
    return any(not holds_name(name, question) for name in names_in(text))


_SCOPE = re.compile(r"(?:in|for|within|inside|outside)\s+(?P<scope>[^,.;:]{1,40}),", re.IGNORECASE)


def scoped_elsewhere(question: str, answer: str) -> bool:
    """Whether an answer opens by saying what it covers ("In the US, ...", "For Canadian orders, ...") and that is
    something other than what the customer named ("How long does delivery to the EU take?"): it answers a case the
    customer is not in, however close the questions read."""
    scope = _SCOPE.match(without_yes_or_no(answer))
    return scope is not None and bool(names_in(f"In {scope['scope']}")) and about_something_else(question, answer)


def faq_for_another_case(question: str, grouped: Sequence[tuple[Source, Sequence[ScoredChunk]]], sentences: Sequence[SourceSentence]) -> int | None:
    """The number of retrieval's first source when it is an FAQ entry whose answer covers a case other than the one
    the customer named (`scoped_elsewhere`) and a sentence of another source names it: neither that answer nor its
    sentences then answer (the US rates for "How long does shipping to Canada take?", with Canada's row of the rates
    table retrieved). Where no source names it ("... to Germany?") the entry stays: its answer says whom it covers."""
    source, hits = grouped[0] if grouped else (None, [])
    if source is None or not hits or not hits[0].chunk.question or not scoped_elsewhere(question, _opening(hits).chunk.text):
        return None
    asked = asked_names(question)
    named = any(s.number != source.number and all(holds_name(name, in_context(s)) for name in asked) for s in sentences)
    return source.number if named else None


def contact_lines(ranking: Ranking) -> list[int]:
    """The ranked sentences that give the email address or phone number the question asks for (text/contact_asks.py);
    [] when it asks for none."""
    kind = asked_contact(ranking.question)
    if kind is None:
        return []
    pattern = CONTACT_PATTERNS[kind]
    return [i for i, sentence in enumerate(ranking.sentences) if pattern.search(without_bold_marks(sentence.text))]


def _opening(hits: Sequence[ScoredChunk]) -> ScoredChunk:
    """An FAQ entry's first chunk when it was retrieved (a long answer is split), else its best-ranked one."""
    return next((hit for hit in hits if hit.chunk.order == 0), hits[0])


def _names_answered(ranking: Ranking) -> bool:
    """Whether a sentence ranked within NEAR_BEST of the best holds everything the customer named (see quoted)."""
    asked = asked_names(ranking.question)
    if not asked or not len(ranking.score):
        return False
    near = np.flatnonzero(ranking.score >= NEAR_BEST * ranking.score.max())
    return any(all(holds_name(name, in_context(ranking.sentences[i])) for name in asked) for i in near)


def faq_entry(ranking: Ranking) -> tuple[Source, ScoredChunk] | None:
    """The FAQ entry whose answer is the answer: retrieval's first chunk when it is an FAQ entry, unless its question
    asks for the opposite of what the customer asks ("How do I turn on two-step verification?" for "how do I turn
    it off?", which embedding models take for the same question; text/opposites.py), or the customer's question is a
    follow-up read with the one before it (the entry that comes first is then mostly the one that answered the first
    question, and its whole answer was the last reply: "What if I lose my phone?" after the steps to turn it on).

    Nor is an answer that opens by naming a case other than the one the customer named while another source names
    it ("In the US, Standard shipping takes 5-7 business days ..." for "How long does delivery to the EU take?":
    `faq_for_another_case`, decided by `rank`, which leaves its sentences out too).

    An answer too long for one chunk is quoted from its start, the first chunk, when that was retrieved too (a
    source's hits are one document's chunks): a later chunk opens in the middle of the answer. Without it, a later
    chunk that opens mid-sentence ("selected text. It seems to store your character styles ...") is no answer
    either, and the entry's sentences are ranked as a page's are.
    """
    source, hits = ranking.grouped[0]
    if ranking.follow_up or ranking.passed_over is not None or not hits or not hits[0].chunk.question:
        return None
    if asks_the_opposite(ranking.question, hits[0].chunk.question):
        return None
    opening = _opening(hits)
    return None if opening.chunk.order and opening.chunk.text[:1].islower() else (source, opening)


def faq_answer(ranking: Ranking, entry: ScoredChunk) -> str:
    """The FAQ entry's answer as the customer reads it: without its opening "Yes" or "No" where that word answers the
    entry's question and not the customer's, who asked no yes/no question ("Yes, within 1 hour ..." for "I ordered two
    hours ago and the cancel button is gone") or one negated where the entry's is not ("No, guest checkout is
    available." for "can I order without an account?"; bot/yes_or_no.py). The rest holds either way."""
    text = entry.chunk.text
    return text if answers_the_customer(ranking.question, entry.chunk.question) else without_yes_or_no(text)


class ExtractiveAnswerer:
    """Ranks source sentences for a question; shares the checker's embeddings and word analysis."""

    def __init__(
        self, checker: GroundingChecker, min_relevance: float, min_keyword_coverage: float = 0.0, max_sentences: int = MAX_SENTENCES
    ) -> None:
        """`min_relevance`: bot.answer_min_relevance; `min_keyword_coverage`: bot.answer_min_keyword_coverage."""
        self.checker = checker
        self.min_relevance = min_relevance
        self.min_keyword_coverage = min_keyword_coverage
        self.max_sentences = max_sentences

    def _keyword_overlap(self, question: str, sentences: Sequence[SourceSentence]) -> np.ndarray:
        words = sorted(set(self.checker.analyze(question)))  # summed in one order: equal scores come out equal in every process
        if not words:
            return np.zeros(len(sentences))
        terms = [self._terms(in_context(sentence)) for sentence in sentences]
        weight = {word: math.log(1 + len(terms) / (1 + sum(word in t for t in terms))) for word in words}
        total = sum(weight.values())
        return np.array([sum(weight[word] for word in words if word in t) / total for t in terms])

    def _terms(self, text: str) -> set[str]:
        """A sentence's words as a question's are matched with them, a name's initials included ("uk": "United Kingdom")."""
        return set(self.checker.analyze(text)) | set(initialisms(text))

    def _says_something(self, text: str) -> bool:
        """A claim with a content word: not one of the sources' own pleasantries ("Sorry about that!")."""
        return self.checker.is_claim(text) and bool(self.checker.content_terms(text))

    def rank(self, question: str, grouped: Sequence[tuple[Source, Sequence[ScoredChunk]]]) -> Ranking:
        texts = chunk_texts(grouped)
        sentences = [
            s for s in source_sentences(grouped)
            if not cut_by_the_chunker(s)
            and (
                (quotable(s) and leads_in(s.text))
                or (self._says_something(s.text) and (quotable(s) or under_lead_in(texts.get(s.chunk_id, ""), s.text)))
            )
        ]
        if (passed_over := faq_for_another_case(question, grouped, sentences)) is not None:
            sentences = [s for s in sentences if s.number != passed_over]
        if not sentences:
            return Ranking(grouped, [], np.zeros(0), np.zeros(0), question=question, passed_over=passed_over)
        if not self.checker.reads(question):
            overlap = self._keyword_overlap(question, sentences)
            coverage = keyword_coverage(grouped, overlap)
            return self._contact_first(Ranking(grouped, sentences, np.zeros(len(sentences)), overlap, coverage, question, passed_over=passed_over))
        vectors = self.checker.vectors([in_context(sentence) for sentence in sentences])
        voiced = in_docs_voice(question)  # embedded with the question: one call to the model for both
        asked, *in_voice = self.checker.vectors([question, voiced] if voiced != question else [question])
        similarity = vectors @ asked
        score = similarity + KEYWORD_WEIGHT * self._keyword_overlap(question, sentences)
        headings = sorted(set(own_headings(grouped, sentences)))
        heading_similarity = float((self.checker.vectors(headings) @ asked).max()) if headings else 0.0
        ranking = Ranking(
            grouped, sentences, similarity, score, question=question, passed_over=passed_over, heading_similarity=heading_similarity,
            voiced_similarity=vectors @ in_voice[0] if in_voice else None,
        )
        ranking = self._giving_contact(ranking, asked)
        return ranking if ranking.gives_contact else self._stating_what_is_asked(self._definition_first(ranking))

    def _definition_first(self, ranking: Ranking) -> Ranking:
        """For a question asking what a term means (asked_for.asked_term) that a ranked section is headed by (every word
        of the section's own heading is in the term, and every word of the term in the section's page title and
        headings: "error E204" under "Error codes > E204"), the section's first sentence, its definition, ranked as
        high as the best of its section: "You are out of storage." ranked under "Delete files or upgrade your plan."
        for "What does E101 mean?" and was left out. The section's other sentences keep their ranks: one ranked near
        the best is quoted after the definition, as before."""
        term = set(self.checker.analyze(asked_term(ranking.question.splitlines()[-1])))
        if not term:
            return ranking
        chunks = {hit.chunk.chunk_id: hit.chunk for _, hits in ranking.grouped for hit in hits}
        sections: dict[tuple[int, tuple[str, ...]], list[int]] = {}
        for i, sentence in enumerate(ranking.sentences):
            chunk = chunks[sentence.chunk_id]
            if not chunk.question:  # an FAQ entry's question is no heading: its answer is quoted whole (faq_entry)
                sections.setdefault((sentence.number, (chunk.title, *chunk.headings)), []).append(i)
        score = ranking.score.copy()
        for (_, context), members in sections.items():
            heading = set(self.checker.analyze(context[-1]))
            if heading and heading <= term <= set(self.checker.analyze(" ".join(context))):
                first = min(members, key=lambda i: (ranking.sentences[i].chunk_order, ranking.sentences[i].position))
                score[first] = max(score[first], score[members].max())
        return replace(ranking, score=score)

    def _stating_what_is_asked(self, ranking: Ranking) -> Ranking:
        """The sentences that state what the customer's question asks for, when the answer quoted from the ranking
        does not (bot/asked_for.py: whether the thing asked about can be done, a length of time), ranked over every
        other, the best of them first: "Final sale items, including ... gift cards, ..., can't be returned." for "Can
        I return a gift card?", over "If you return an item you paid for with a gift card, the refund goes back to
        the same gift card.", which takes the return as done. Raised that far, no other sentence ranks within
        NEAR_BEST of them. Whether the sources answer at all stays the similarity's call (`answers`)."""
        asked = ranking.question.splitlines()[-1]  # a follow-up read with the question before it: the customer's own
        texts = [without_bold_marks(sentence.text) for sentence in ranking.sentences]
        section = self._in_chunk(ranking, ranking.best(1)[0])
        quotes: list[int] = []

        def quoted() -> str:  # worked out only for a question that asks for what an answer may not state
            quotes[:] = quotes or self.quoted(ranking)
            return " ".join(texts[i] for i in quotes)

        stating = giving_what_is_asked(asked, texts, quoted, section, self.checker)
        if not stating:  # the ranking stands, and with it what it quotes: `answer` takes that rather than work it out again
            return replace(ranking, quotes=tuple(quotes)) if quotes else ranking
        score = ranking.score.copy()
        score[stating] += 1.0 + score.max() - score[stating].min()
        return replace(ranking, score=score)

    def _giving_contact(self, ranking: Ranking, asked: np.ndarray) -> Ranking:
        """A question asking for an email address or a phone number (text/contact_asks.py) that the bar would
        decline: the lines holding one are ranked by the better of their own similarity and their place's (page
        title and headings), since such a line says little besides its address ("Write to support@..." under
        "Contact us > Email"), and the sources answer when the best line then gives one and holds what the customer
        named. A question the bar lets through is ranked as any other."""
        if self._clears_bar(ranking) or not (holders := contact_lines(ranking)):
            return ranking
        places = self.checker.vectors([ranking.sentences[i].context or ranking.sentences[i].text for i in holders]) @ asked
        score = ranking.score.copy()
        for i, place in zip(holders, places, strict=True):
            score[i] += max(0.0, float(place) - float(ranking.similarity[i]))
        best = int(np.argmax(score))
        named = all(holds_name(name, in_context(ranking.sentences[best])) for name in asked_names(ranking.question))
        if best not in holders or not named:
            return ranking
        return replace(ranking, score=score, gives_contact=True)

    @staticmethod
    def _contact_first(ranking: Ranking) -> Ranking:
        """For a question the embedder does not read, asking for an email address or a phone number: the lines that
        share a word with it and give one ranked over every other. Keyword overlap cannot tell the contact page's line
        ("拨打 1-800-555-0142 ...") from one naming the ways to get in touch ("请通过在线聊天、电子邮件或电话联系客服");
        whether the sources answer stays the keyword coverage's call."""
        holders = [i for i in contact_lines(ranking) if ranking.score[i] > 0]
        if not holders:
            return ranking
        score = ranking.score.copy()
        score[holders] += 1.0  # overlap is a share, at most 1: every holder now ranks over every other line
        return replace(ranking, score=score)

    def _clears_bar(self, ranking: Ranking) -> bool:
        return ranking.relevance >= self.min_relevance or ranking.heading_similarity >= NAMED_BY_HEADING

    def answers(self, ranking: Ranking) -> bool:
        """Whether the sources answer the question at all (never without a sentence to quote, whatever the bar): the
        best sentence clears the bar, the question asks what a ranked sentence's heading names (NAMED_BY_HEADING), or
        it asks for an email address or a phone number that the best sentence gives (`_giving_contact`)."""
        if not ranking.sentences:
            return False
        if ranking.keyword_coverage is not None:
            return ranking.relevance >= self.min_keyword_coverage
        return self._clears_bar(ranking) or ranking.gives_contact

    def answer(self, ranking: Ranking) -> str:
        """The extractive answer with its citations (the FAQ answer when an FAQ entry ranked first in retrieval)."""
        faq = faq_entry(ranking)
        if faq is not None:  # as written: not set as a list item where the chunk ends mid-sentence ("... Don't know why you")
            return cited_whole(faq_answer(ranking, faq[1]), faq[0].number)
        quoted = self.quoted(ranking)
        return write_cited([self._cited(ranking, i, quoted) for i in quoted])

    def _cited(self, ranking: Ranking, i: int, quoted: list[int]) -> CitedSentence:
        """Quoted sentence `i` as the answer sets it: a list item on its own line, a later sentence of a quoted item on
        that item's line ("- The items in your cart aren't excluded. Many codes don't apply to clearance items.")."""
        sentence = ranking.sentences[i]
        goes_on = self._list_place(ranking, i) == "continues" and self._neighbour(ranking, i, -1) in quoted
        return CitedSentence(
            self._as_quoted(ranking, i), sentence.number, self._shown_as_item(ranking, i, quoted), goes_on, sentence.table_header
        )

    def _as_quoted(self, ranking: Ranking, i: int) -> str:
        """Sentence `i`'s text as quoted: without an opening "Yes" or "No" (without_yes_or_no), unless it opens the answer
        under a page heading that asks a question (a Markdown "Q: ..." / "A: No. ..." pair) and that answer is the
        customer's, as an FAQ entry's is kept (faq_answer); a bare "Yes." before it is then quoted with it."""
        text = ranking.sentences[i].text
        if not self._answers_as_faq(ranking, i):
            return without_yes_or_no(text)
        return f"{split_sentences(self._chunk_text(ranking, i))[0]} {text}" if ranking.sentences[i].position else text

    def _answers_as_faq(self, ranking: Ranking, i: int) -> bool:
        """Whether sentence `i` opens, or follows a bare "Yes." or "No." that opens, the answer of a section whose heading
        asks a question (bot/yes_or_no.py), in retrieval's first chunk, as an FAQ entry is the answer when it is that
        (faq_entry), and its yes or no answers the customer's question too (answers_the_customer)."""
        sentence = ranking.sentences[i]
        hits = ranking.grouped[0][1] if ranking.grouped else []
        if ranking.follow_up or not hits or sentence.chunk_id != hits[0].chunk.chunk_id:
            return False
        heading = section_question(hits[0].chunk)
        opens = sentence.position == 0 or (sentence.position == 1 and is_bare_yes_or_no(split_sentences(hits[0].chunk.text)[0]))
        return bool(heading) and opens and answers_the_customer(ranking.question, heading)

    def _shown_as_item(self, ranking: Ranking, i: int, quoted: list[int]) -> bool:
        """Whether a quoted sentence is set as a list item: quoted under its list's lead-in, or with its procedure's steps."""
        steps = self._steps(ranking, i)
        hangs_from = self._hangs_from(ranking, i)
        return (
            (bool(hangs_from) and hangs_from[-1] in quoted)
            or (bool(steps) and set(steps) <= set(quoted))
            or self._beside_quoted_item(ranking, i, quoted)
        )

    def _beside_quoted_item(self, ranking: Ranking, i: int, quoted: list[int]) -> bool:
        """Whether sentence `i` opens a list item and a line of the same list next to it is quoted too (the list
        "For example, a $120 order earns 120 points." leans back on): the lines are set as the list they are."""
        if self._list_place(ranking, i) != "opens":
            return False
        beside = (self._neighbour(ranking, i, step) for step in (-1, 1))
        return any(j is not None and j in quoted and self._list_place(ranking, j) for j in beside)

    def quoted(self, ranking: Ranking) -> list[int]:
        """The sentences an extractive answer quotes, in the order it shows them.

        The `max_sentences` best are candidates, taken while they rank within NEAR_BEST of the best. One is
        passed over when it restates what the sentences already quoted say, when it is about something other than
        what the customer named while a sentence ranked within NEAR_BEST is about it (the US rates for "how much
        does it cost to ship to the UK?": `about_something_else`), or needs a neighbour that is not quoted: the
        sentence before it, when it leans back or goes on a list item, or after it, when it leads in ("Some
        options:"). A list item is quoted under the lead-in of its list ("This warranty does not cover:"), or
        under the sentence right above the list, whatever its rank, and a table row under its header row; an
        item too short to stand alone ("- Turn off two-step verification") only so. The best sentence brings that
        neighbour (when it was ranked), even past `max_sentences`, and the whole list when it leans back on one
        ("Outside these hours, ...", with what the list hangs from) or leads in to one ("Go to **Account >
        Rewards** to see:"), both when it does both ("Klarna then updates your payment plan:"); a best sentence
        that is one step of a procedure brings every step's first sentence (`_steps`), and so does a step ranked
        near it when the question asks how; a list of two items comes whole (`_pair`); the sentence after the best
        comes too when it carries the best one's thought on (`_goes_on`); a question ("Forgot your password?") is
        never quoted, a sentence pointing at what is further down ("the dates below") only first and with the table
        or list it points at (`_below`), and a lead-in with nothing to lead into only when nothing else is. The best
        sentence's source is shown first, each source's sentences in document order. Worked out once per ranking:
        `rank` keeps what it worked out (Ranking.quotes).
        """
        if ranking.quotes is not None and not ranking.follow_up:  # kept by `rank`, which reads no follow-up
            return list(ranking.quotes)
        best = ranking.score.max()
        chosen: list[int] = []
        named = _names_answered(ranking)
        for i in ranking.best(self.max_sentences):  # one passed over is not replaced: further down is further off
            if ranking.score[i] < NEAR_BEST * best:
                break
            if self._restates(ranking, i, chosen):
                continue
            if named and about_something_else(ranking.question, in_context(ranking.sentences[i])):
                continue
            text = ranking.sentences[i].text
            step = -1 if leans_back(text) or self._list_place(ranking, i) == "continues" else 1 if leads_in(text) else 0
            neighbour = self._neighbour(ranking, i, step) if step else None
            hangs_from = self._hangs_from(ranking, i) if not step else []
            if hangs_from:  # a list item, quoted under its lead-in ("This warranty does not cover:"), a step with its procedure
                steps = self._steps(ranking, i) if not chosen or asks_how(ranking.question) else []
                chosen += [j for j in dict.fromkeys((i, *hangs_from, *steps)) if j not in chosen]
            elif points_below(text):  # "Place your order by the dates below ...": quoted first, with what is below
                if not chosen and (below := self._below(ranking, i)):
                    chosen += [i, *below]
            elif not quotable(ranking.sentences[i]) or is_question(text):  # "- Turn off two-step verification", with
                continue  # nothing above it; "Forgot your password?", which asks and answers nothing
            elif (not chosen or asks_how(ranking.question)) and (steps := self._steps(ranking, i)):  # one step: the procedure
                chosen += [j for j in steps if j not in chosen]
            elif not chosen:
                if neighbour is not None:
                    run = self._list_run(ranking, neighbour, step)
                    chosen += [i, *run, *(self._hangs_from(ranking, run[-1]) if step == -1 else [])]
                    if step == -1 and leads_in(text) and (below := self._neighbour(ranking, i, 1)) is not None:
                        chosen += self._list_run(ranking, below, 1)  # "Klarna then updates your payment plan:" and its list
                elif step != 1:  # a lead-in alone leads nowhere
                    chosen.append(i)
            elif not step or neighbour in chosen:
                chosen.append(i)
        chosen += [j for j in dict.fromkeys(k for i in chosen for k in self._pair(ranking, i)) if j not in chosen]
        chosen += [j for j in self._whole_table(ranking, chosen) if j not in chosen]
        chosen += self._goes_on(ranking, chosen)
        if not chosen:  # the best leads in to nothing ranked, or is a short list item that lost its lead-in
            order = ranking.best(len(ranking.sentences))
            chosen = [next((i for i in order if quotable(ranking.sentences[i]) and not is_question(ranking.sentences[i].text)), order[0])]
        source_rank: dict[int, int] = {}
        for i in chosen:
            source_rank.setdefault(ranking.sentences[i].number, len(source_rank))

        def shown_order(i: int) -> tuple[int, int, int]:
            sentence = ranking.sentences[i]
            return source_rank[sentence.number], sentence.chunk_order, sentence.position

        return sorted(chosen, key=shown_order)

    def _goes_on(self, ranking: Ranking, chosen: list[int]) -> list[int]:
        """The sentence after the best one when it carries the best one's thought on: it points back at it and answers
        the question on its own too ("You don't need to delete your account to stop marketing emails." -> "Turn them
        off under **Account > Notifications** ..."); [] otherwise, or when the best was not quoted."""
        best = ranking.best(1)[0]
        after = self._neighbour(ranking, best, 1)
        if best not in chosen or after is None or after in chosen:
            return []
        text = ranking.sentences[after].text
        carries_on = leans_back(text) and not leads_in(text) and not self._list_place(ranking, after)
        return [after] if carries_on and ranking.similarity[after] >= self.min_relevance else []

    def _restates(self, ranking: Ranking, i: int, chosen: list[int]) -> bool:
        """Whether sentence `i` says again what the quoted sentences say: no word that they don't hold between them
        (an FAQ's "The following items are final sale ...: clearance items, gift cards, ..." under the page's list of
        them), or (by their own embeddings, not read under the headings they may share) a near-copy of one."""
        if not chosen:
            return False
        candidate = ranking.sentences[i].text
        said = {word for j in chosen for word in self.checker.analyze(ranking.sentences[j].text)}
        if set(self.checker.analyze(candidate)) <= said:
            return True
        if ranking.keyword_coverage is not None:  # the embedder does not read this language
            return False
        vectors = self.checker.vectors([candidate, *(ranking.sentences[j].text for j in chosen)])
        return bool((vectors[1:] @ vectors[0]).max() >= RESTATES)

    @staticmethod
    def _neighbour(ranking: Ranking, i: int, step: int) -> int | None:
        """The ranked sentence `step` places from sentence `i` in its chunk (-1: the one before), if it was ranked."""
        sentence = ranking.sentences[i]
        for j, other in enumerate(ranking.sentences):
            if other.chunk_id == sentence.chunk_id and other.number == sentence.number and other.position == sentence.position + step:
                return j
        return None

    @staticmethod
    def _in_chunk(ranking: Ranking, i: int) -> list[int]:
        """The ranked sentences of sentence `i`'s chunk, `i` included, in document order."""
        chunk_id = ranking.sentences[i].chunk_id
        same = (j for j, other in enumerate(ranking.sentences) if other.chunk_id == chunk_id)
        return sorted(same, key=lambda j: ranking.sentences[j].position)

    @staticmethod
    def _chunk_text(ranking: Ranking, i: int) -> str:
        return ranking.chunk_texts.get(ranking.sentences[i].chunk_id, "")

    def _list_place(self, ranking: Ranking, i: int) -> str:
        """Where sentence `i` stands in a list of its chunk: "opens" an item, "continues" one, or "" (see place_in_list)."""
        return place_in_list(self._chunk_text(ranking, i), ranking.sentences[i].text)

    def _list_run(self, ranking: Ranking, i: int, step: int, most: int = 6) -> list[int]:
        """Sentence `i` and, when it is a list line, the list's ranked lines on from it, `step` -1 going up and 1
        going down (at most `most` in all). "Outside these hours, ..." points back at every line of the hours above
        it, not at the last one; a lead-in ("Go to **Account > Rewards** to see:") introduces the whole list under
        it, not its first line."""
        run = [i]
        while self._list_place(ranking, run[-1]) and len(run) < most:
            following = self._neighbour(ranking, run[-1], step)
            if following is None or not self._list_place(ranking, following):
                break
            run.append(following)
        return run

    def _steps(self, ranking: Ranking, i: int, most: int = 8) -> list[int]:
        """When sentence `i` opens an item of a numbered list ("2. Enter your order number ..."), or of a list a
        procedure's section opens with (under "How to make a claim": "- Contact Larkspur Support ...", "- Provide
        your order number ..."), the first sentence of every ranked item of its list and the code under an item
        ("2. Open a terminal and run:" over its command), in order; else [] (also for a
        list of more than `most` items). One step alone reads as the whole procedure; a list of rules ("Exchange
        rules") is quoted item by item."""
        sentence, text = ranking.sentences[i], self._chunk_text(ranking, i)
        if place_in_list(text, sentence.text) != "opens":
            return []
        same_chunk = self._in_chunk(ranking, i)
        at = same_chunk.index(i)
        numbered = _NUMBERED.match(text, text.rfind("\n", 0, text.find(sentence.text)) + 1)
        if not numbered and not (names_a_procedure(sentence.context) and self._opens_its_chunk(ranking, same_chunk[: at + 1])):
            return []
        run = [i]
        for direction in (-1, 1):
            k = at + direction
            while 0 <= k < len(same_chunk) and (place := place_in_list(text, ranking.sentences[same_chunk[k]].text)):
                if place == "opens" or is_code_block(ranking.sentences[same_chunk[k]].text):  # a step's code is the step
                    run.append(same_chunk[k])
                k += direction
        return sorted(run, key=lambda j: ranking.sentences[j].position) if 1 < len(run) <= most else []

    def _pair(self, ranking: Ranking, i: int) -> list[int]:
        """Every line of list line `i`'s list when the list has at most SHORT_LIST items ("your bank may show both:"
        above a pending amount and a posted charge; "- **US orders:** we provide a free prepaid return label." beside
        "- **Canada, UK, and EU orders:** you pay for return shipping."): a pair is one statement, which one item
        alone misstates. [] for a longer list ("We accept these cards:" answers "Do you take Amex?" with its Amex
        line), when not all of it was ranked, or when it hangs from nothing quoted: under a lead-in that leans back
        ("After that:"), its items are separate statements."""
        if not self._list_place(ranking, i):
            return []
        lines = [*reversed(self._list_run(ranking, i, -1, most=4 * SHORT_LIST)), *self._list_run(ranking, i, 1, most=4 * SHORT_LIST)[1:]]
        before, after = self._neighbour(ranking, lines[0], -1), self._neighbour(ranking, lines[-1], 1)
        whole = all(j is None or not self._list_place(ranking, j) for j in (before, after)) and self._list_place(ranking, lines[0]) == "opens"
        items = sum(self._list_place(ranking, j) == "opens" for j in lines)
        framed = bool(self._hangs_from(ranking, lines[0])) or self._opens_its_chunk(ranking, lines)
        return lines if whole and items <= SHORT_LIST and framed else []

    def _whole_table(self, ranking: Ranking, chosen: list[int]) -> list[int]:
        """Every row of the table a quoted sentence is a body row of (the best ranked such), header first, when the
        customer asked about the table rather than one of its rows: it has at most SHORT_TABLE body rows, all ranked,
        and the question singles out none of them (`_singles_out_a_row`). "What shipping options do you have?" was
        answered with the Standard row alone; "How much is Overnight shipping?" and "What does shipping to the UK
        cost?" keep their row. [] otherwise."""
        rows = [i for i in chosen if ranking.sentences[i].table_header and ranking.sentences[i].text != ranking.sentences[i].table_header]
        if not rows:
            return []
        best = max(rows, key=lambda i: ranking.score[i])
        row = ranking.sentences[best]
        lines = self._chunk_text(ranking, best).split("\n")
        body = [line.strip() for line, header in zip(lines, table_headers(lines), strict=True) if header == row.table_header]
        if not 1 < len(body) <= SHORT_TABLE:
            return []
        same_table = {s.text: j for j, s in enumerate(ranking.sentences) if s.chunk_id == row.chunk_id and s.table_header == row.table_header}
        if any(line not in same_table for line in [row.table_header, *body]):
            return []
        if self._singles_out_a_row(ranking.question, body):
            return []
        return [same_table[line] for line in [row.table_header, *body]]

    def _singles_out_a_row(self, question: str, rows: list[str]) -> bool:
        """Whether the question names something that one row of the table holds and no other ("Overnight", "the UK"
        for "United Kingdom", "409", "shipped or delivered" in one example cell): it asks about that row."""
        asked = self._terms(question)
        held = [self._terms(row) for row in rows]
        return any(sum(term in row for row in held) == 1 for term in asked)

    def _opens_its_chunk(self, ranking: Ranking, run: list[int]) -> bool:
        """Whether the sentences `run` (of one chunk, in order) are the chunk's first and each is a line of a list."""
        first = ranking.sentences[run[0]]
        in_order = all(ranking.sentences[k].position == first.position + n for n, k in enumerate(run))
        return first.position == 0 and in_order and all(self._list_place(ranking, k) for k in run)

    def _hangs_from(self, ranking: Ranking, i: int) -> list[int]:
        """The ranked lead-in a list item hangs from ("Check the following:" above "- The code hasn't expired."): an
        item reads as an instruction, a condition or an exception only under it. [] when there is none, or when the
        lead-in leans back ("After that:"): a full item is then quoted alone, and a short one ("Turn off two-step
        verification"), or an example ("For example:"), hangs from the lead-in and the sentence before it ("Go to
        **Account > Security**. From there you can:"), when that was ranked and does not lean back too."""
        if is_table_row(ranking.sentences[i].text):
            return self._header_row(ranking, i)
        if self._list_place(ranking, i) != "opens":
            return []
        same_chunk = self._in_chunk(ranking, i)
        for j in reversed(same_chunk[: same_chunk.index(i)]):  # up through the list's other items
            if leads_in(ranking.sentences[j].text):
                if not _lead_in_leans_back(ranking.sentences[j].text):
                    return [j]
                if quotable(ranking.sentences[i]) and not _EXAMPLES.match(ranking.sentences[j].text):
                    return []
                before = self._neighbour(ranking, j, -1)
                return [before, j] if before is not None and not leans_back(ranking.sentences[before].text) else []
            if not self._list_place(ranking, j):  # the sentence above the list: what its items are about
                above = ranking.sentences[j]
                return [j] if self._right_above(ranking, j, i) and quotable(above) and not leans_back(above.text) else []
        return []

    def _below(self, ranking: Ranking, i: int, most: int = 8) -> list[int]:
        """The first table or list after sentence `i` in its document, in its chunk or a later retrieved one, as ranked
        (at most `most` lines, a table's header row included): what a sentence pointing below ("the dates below")
        points at. [] when none was ranked."""
        place = ranking.sentences[i]

        def at(j: int) -> tuple[int, int]:
            return ranking.sentences[j].chunk_order, ranking.sentences[j].position

        same_source = (j for j, other in enumerate(ranking.sentences) if other.number == place.number)
        after = sorted((j for j in same_source if at(j) > at(i)), key=at)
        lines: list[int] = []
        for j in after:
            if is_table_row(ranking.sentences[j].text) or self._list_place(ranking, j) == "opens":
                lines.append(j)
            elif lines:
                break
        return lines[:most]

    @staticmethod
    def _header_row(ranking: Ranking, i: int) -> list[int]:
        """The ranked header row of table row `i`'s table ("| Destination | Delivery time | Shipping cost |" above
        "| United Kingdom | 10-15 business days | $19.95 |": the cells mean something under their columns' names); []
        for the header row itself, or when it was not ranked."""
        row = ranking.sentences[i]
        same = [j for j, other in enumerate(ranking.sentences) if j != i and other.chunk_id == row.chunk_id and other.text == row.table_header]
        return same[:1]

    def _right_above(self, ranking: Ranking, j: int, i: int) -> bool:
        """Whether every sentence between `j` and `i` of their chunk was ranked (none left out between them)."""
        positions = {ranking.sentences[k].position for k in self._in_chunk(ranking, i)}
        return all(p in positions for p in range(ranking.sentences[j].position, ranking.sentences[i].position + 1))

    def answering(self, ranking: Ranking, count: int = ANSWERING_SENTENCES) -> set[str]:
        """The sentences that answer the question best, what a grounded answer's claims may rest on: those the
        extractive answer quotes, and of the `count` best the ones ranking within NEAR_BEST of the best, as a second
        quoted sentence must. A true sentence further down is beside the question ("The amount is set by Canadian
        customs ..." for "how much is shipping to Canada?"), and the model stated it instead of the answer."""
        if not ranking.sentences:
            return set()
        near = [i for i in ranking.best(count) if ranking.score[i] >= NEAR_BEST * ranking.score.max()]
        texts = {ranking.sentences[i].text for i in (*near, *self.quoted(ranking))}
        return texts | {without_yes_or_no(text) for text in texts}  # as evidence() gives them

    def evidence(self, ranking: Ranking, count: int = EVIDENCE_SENTENCES) -> list[Source]:
        """The sources cut down to their `count` most relevant sentences, keeping their numbers.

        An FAQ entry with a chosen sentence keeps its whole answer (short, and curated to be read whole), and so
        does the FAQ entry the extractive answer would quote; the sentences it would quote otherwise are kept too
        (one may lean on a sentence ranked lower): whatever the answer falls back to is in the prompt. Only the
        entry that is the answer keeps an opening "Yes" or "No" (faq_answer), and so does a page's answer to a
        question heading that is the customer's, as the extractive answer quotes it (`_as_quoted`: the model was
        given "Each user needs their own seat." for "Can I share my account?" and could not say no); elsewhere it
        answers another question (without_yes_or_no), and the model copied it.
        """
        chosen = set(ranking.best(count)) | set(self.quoted(ranking))
        faq = faq_entry(ranking)
        numbers = {ranking.sentences[i].number for i in chosen}
        sources = []
        for source, hits in ranking.grouped:
            if faq is not None and source.number == faq[0].number:
                sources.append(replace(source, text=source.text.replace(faq[1].chunk.text, faq_answer(ranking, faq[1]), 1)))
                continue
            if hits and hits[0].chunk.question and source.number in numbers:
                text = source.text
                for hit in hits:
                    text = text.replace(hit.chunk.text, without_yes_or_no(hit.chunk.text), 1)
                sources.append(replace(source, text=text))
                continue
            kept = [self._as_quoted(ranking, i) for i, s in enumerate(ranking.sentences) if i in chosen and s.number == source.number]
            if kept:
                sources.append(replace(source, text=PASSAGE_BREAK.join(kept)))
        return sources
