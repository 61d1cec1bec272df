"""A model's answer shown sentence by sentence, each only after the sources are found to support it.

The model's text is buffered until a sentence is complete; the sentence is then checked
(bot/grounding.py) and shown with its citation, or dropped. Dropping is silent: the customer only
ever reads supported sentences (and the bot's own conversational words). The model is stopped
early once it has said `max_sentences` supported things, or at its first unsupported sentence
(it has left its sources, and what follows is unlikely to come back to them). When no supported
statement survives, the extractive answer is shown instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from supportbot.bot.citations import CitationWriter, CitedSentence
from supportbot.bot.grounding import Evidence, GroundingChecker
from supportbot.bot.prompt import ANSWER_MARK, QUESTION_MARK
from supportbot.bot.reply import AnswerKind, Reply
from supportbot.text.sentences import complete_sentences, split_sentences

log = logging.getLogger(__name__)

# Stop at the first unsupported sentence: the model has left its sources, and on the sample docs going on
# to a second one changed ROUGE-L by 0.004 while the customer waited for it (benchmarks/README.md).
MAX_DROPS_IN_A_ROW = 1


@dataclass
class GroundedAnswer:
    """Turns the model's stream into checked sentences; `fallback` is the extractive answer's text."""

    checker: GroundingChecker
    evidence: Evidence
    fallback: str
    max_sentences: int = 3
    row_headers: dict[str, str] = field(default_factory=dict)  # a source table row's header row, by the row's text
    _held: list[CitedSentence] = field(default_factory=list)
    _lead_in: CitedSentence | None = None
    _shown: set[str] = field(default_factory=set)
    _claimed: bool = False

    def stream(self, reply: Reply, pieces: Iterator[str], stop: threading.Event) -> Iterator[str]:
        writer = CitationWriter()
        shown_claims = drops_in_a_row = 0
        stopped_early = False
        buffer = ""
        try:
            for piece in pieces:
                done, buffer = complete_sentences(buffer + piece)
                for sentence in done:
                    text, claim, dropped = self._take(sentence, writer, reply)
                    shown_claims += claim
                    drops_in_a_row = drops_in_a_row + 1 if dropped else 0
                    if text:
                        yield text
                if shown_claims >= self.max_sentences or drops_in_a_row >= MAX_DROPS_IN_A_ROW:
                    stopped_early = True  # enough said, or the model has left its sources: stop paying for tokens
                    stop.set()  # the model's stop, not the reader's: the reply is still whole (Reply.cancelled)
                    break
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()
        if reply.cancelled and not stopped_early:  # the reader cancelled: keep what was shown, add nothing new
            if shown_claims:
                yield writer.finish()
            return
        for sentence in [] if stopped_early else split_sentences(buffer):
            text, claim, _ = self._take(sentence, writer, reply)
            shown_claims += claim
            if text:
                yield text
        if shown_claims:
            yield writer.finish()
            return
        reply.kind = AnswerKind.EXTRACTIVE
        log.debug("no supported sentence in the model's answer (%d dropped): answering extractively", reply.dropped_sentences)
        yield (" " if reply.partial_text else "") + self.fallback

    def _take(self, sentence: str, writer: CitationWriter, reply: Reply) -> tuple[str, bool, bool]:
        """(text to show now, whether it was a supported claim, whether it was dropped) for one sentence.

        The bot's own words before the first supported claim are held back: if no claim survives,
        "Sure!" or "I'm not sure" must not stand in front of the extractive answer. A lead-in ("Do
        this:") waits for the sentence it leads into and goes when that one is dropped.
        """
        if sentence.startswith(QUESTION_MARK) or sentence in self._shown:
            return "", False, False  # an FAQ question copied from the prompt, or a sentence said already
        if self.row_headers.get(sentence) == sentence:
            return "", False, False  # a table's header row: written with the table's first row, should one pass
        check = self.checker.check(sentence.removeprefix(ANSWER_MARK), self.evidence)
        if not check.supported:
            log.debug("dropped %r: %s", check.text, check.reason)
            reply.dropped_sentences += 1
            self._lead_in = None  # "Follow these steps:" must not stand without its steps
            return "", False, True
        if not check.text:
            return "", False, False
        # A row the model copies is shown under its header row, as a table (the model's delimiter row has no words).
        cited = CitedSentence(check.text, check.sources[0] if check.claim else None, table_header=self.row_headers.get(check.text, ""))
        if check.text.endswith(":"):
            self._lead_in = cited  # shown with what it leads into, or not at all
            return "", False, False
        if not check.claim and not self._claimed:
            self._held.append(cited)
            return "", False, False
        self._shown.add(sentence)
        waiting = [*self._held, *([self._lead_in] if self._lead_in and check.claim else [])]
        self._held.clear()
        self._lead_in = None
        self._claimed = self._claimed or check.claim
        return "".join(writer.add(held) for held in waiting) + writer.add(cited), check.claim, False
