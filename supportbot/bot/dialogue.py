"""The dialogue manager: owns a conversation from the user's message to the stored, streamed answer.

Channels call `reply()` and iterate the returned Reply to show the answer as it is generated. They
never see the retriever, the model or the store, so a new backend or channel changes nothing here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from supportbot.bot.approved import ApprovedAnswers
from supportbot.bot.extractive import ExtractiveAnswerer, Ranking, about_something_else, in_context
from supportbot.bot.grounded import GroundedAnswer
from supportbot.bot.grounding import GroundingChecker
from supportbot.bot.handoff import ASKED_FOR_PERSON, Handoff, HandoffDesk, HandoffRequest
from supportbot.bot.prompt import ComposedPrompt, PromptComposer, group_sources, what_is_asked
from supportbot.bot.reply import AnswerKind, Reply
from supportbot.config import BotConfig
from supportbot.errors import MessageError
from supportbot.generation.base import ChatMessage, GenerationSettings, Generator
from supportbot.observability import Metrics
from supportbot.retrieval.base import Retriever
from supportbot.retrieval.documents import ScoredChunk
from supportbot.retrieval.hybrid import FOUND_BY_KEYWORDS
from supportbot.store import ConversationStore, StoredMessage
from supportbot.text.catalog import MessageCatalog
from supportbot.text.follow_up_reading import FollowUpReading, follow_up_reading
from supportbot.text.follow_ups import asks_nothing_alone, names_its_subject
from supportbot.text.language import LanguageDetector
from supportbot.text.normalize import shows_something, valid_unicode
from supportbot.text.other_script_words import other_script_words
from supportbot.text.scripts import without_links
from supportbot.text.small_talk import asks_for_person, says_no, says_yes, small_talk

log = logging.getLogger(__name__)


def merge_hits(*hit_lists: Sequence[ScoredChunk]) -> list[ScoredChunk]:
    """Union of several retrievals, each chunk once with its best score, best first."""
    best: dict[str, ScoredChunk] = {}
    for hits in hit_lists:
        for hit in hits:
            known = best.get(hit.chunk.chunk_id)
            if known is None or hit.score > known.score:
                best[hit.chunk.chunk_id] = hit
    return sorted(best.values(), key=lambda hit: hit.score, reverse=True)


# How much worse a follow-up read with the previous question may match the sources than the previous question
# alone does: the follow-ups measured sit at most 0.08 below it, new subjects down to 0.17 (benchmarks/README.md).
FOLLOW_UP_MARGIN = 0.1
# "and for X?" after a question without "for" adds X to it unless none of this many of the best sentences found so
# names X (DialogueManager._instead): "the refund goes back to the same gift card" may rank below the refund timing.
SAID_OF_X = 3


SMALL_TALK_MESSAGES = {"greeting": "bot.empty_question", "thanks": "bot.thanks", "goodbye": "bot.goodbye"}  # catalog keys of the replies


def small_talk_reply(message: str, offered: bool) -> str | None:
    """The catalog key of the reply to a message with nothing to look up ("Hi", "thanks!", "bye", a "no thanks" right
    after the bot `offered` a person: it got the whole fallback and the offer again); None for a question."""
    if offered and says_no(message):
        return "bot.offer_declined"
    talk = small_talk(message)
    return SMALL_TALK_MESSAGES[talk] if talk is not None else None


def wants_a_person(message: str, offered: bool) -> bool:
    """Whether the customer asks for a person: in so many words, or with a "yes" right after the bot `offered` one.

    Every channel's handoff starts here or at its own "Talk to a person" button (DialogueManager.hand_to_person)."""
    return asks_for_person(message) or (offered and says_yes(message))


def _as_chat(messages: Sequence[StoredMessage]) -> list[ChatMessage]:
    return [{"role": m.role, "content": m.content} for m in messages]


@dataclass
class Reading:
    """The text the sources are asked (the question, or with the previous one in a follow-up) and what was found."""

    text: str
    hits: list[ScoredChunk]
    ranking: Ranking | None = None  # ranked when choosing between readings needed it


class IndexWatch(Protocol):
    """Tells the manager, between questions, that the live index was rebuilt (bot/live_index.py)."""

    build_id: str

    def reload_if_changed(self) -> tuple[Retriever, ApprovedAnswers | None] | None: ...


class DialogueManager:
    """Retrieves, composes the prompt, streams the answer and keeps the conversation."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Generator,
        store: ConversationStore,
        bot: BotConfig,
        settings: GenerationSettings,
        top_k: int,
        checker: GroundingChecker,
        approved: ApprovedAnswers | None = None,
        metrics: Metrics | None = None,
        index_watch: IndexWatch | None = None,
    ) -> None:
        self.approved = approved
        self.metrics = metrics or Metrics()
        self.index_watch = index_watch
        self.checker = checker
        self.extractive = ExtractiveAnswerer(checker, bot.answer_min_relevance, bot.answer_min_keyword_coverage)
        self.retriever = retriever
        self.generator = generator
        self.store = store
        self.bot = bot
        self.settings = settings
        self.top_k = top_k
        self.composer = PromptComposer(
            generator, bot.system_prompt, settings.max_new_tokens, bot.max_message_tokens, bot.max_history_turns
        )
        self.catalog = MessageCatalog(bot.catalog_dir)
        self.shipped = MessageCatalog()  # to tell a team's own fallback from the shipped one (_decline)
        self.detector = LanguageDetector(bot.languages)
        self.desks: dict[str, HandoffDesk] = {}  # by channel: who a conversation there can be handed to

    def warm_up(self) -> None:
        for part in (self.retriever, self.generator, self.detector):
            warm_up = getattr(part, "warm_up", None)
            if warm_up is not None:
                warm_up()

    # What channels need of a conversation besides answering, so none of them reaches into the store.

    def has_conversation(self, channel: str, conversation_id: str) -> bool:
        return bool(self.store.messages(channel, conversation_id))

    def as_stored(self, text: str) -> str:
        """A customer's words as the store keeps them (masked with privacy.redact_stored): what a channel writes
        elsewhere (the console's history file) keeps no more."""
        return self.store.as_stored(text)

    def record_feedback(self, channel: str, conversation_id: str, rating: str, rater: str = "", message_id: int | None = None) -> int:
        """A customer's 'up' or 'down' on an answer (`Reply.message_id`)."""
        feedback_id = self.store.add_feedback(channel, conversation_id, rating, rater, message_id)
        self.metrics.feedback.labels(channel, rating).inc()
        return feedback_id

    def hand_off(self, channel: str, conversation_id: str, requested_by: str, reason: str) -> bool:
        """Mark the conversation as with a person; False when it already was."""
        started = self.store.start_handoff(channel, conversation_id, requested_by, reason)
        if started:
            self.metrics.handoffs.labels(channel, "started").inc()
        return started

    def set_desk(self, channel: str, desk: HandoffDesk | None) -> None:
        """Where `channel` hands conversations to a person; None: nowhere (the console, a web chat without Slack).

        The channel sets it when it starts (the web app, the Slack bot): one desk per channel, the last one set."""
        if desk is None:
            self.desks.pop(channel, None)
        else:
            self.desks[channel] = desk

    def can_reach_person(self, channel: str) -> bool:
        """Whether `channel` has a desk to hand conversations to (`set_desk`): what decides if it offers a person at all."""
        return channel in self.desks

    def hand_to_person(self, channel: str, conversation_id: str, requested_by: str, reason: str, page: str = "", language: str = "") -> Handoff:
        """Tell the channel's support team, and only then pause the bot in the conversation.

        When the channel has no one to hand to, or the team could not be told, the failure is counted, the
        conversation stays with the bot, and the notice says so plainly instead of promising a person.
        """
        history = self.history(channel, conversation_id)
        language = language or self.language_of("", history)
        desk = self.desks.get(channel)
        if desk is None:
            log.warning("%s conversation %s asked for a person, but the channel has nowhere to hand it to", channel, conversation_id)
            self.metrics.handoffs.labels(channel, "failed").inc()
            return Handoff(False, self.message("bot.no_handoff", language))
        if self.in_handoff(channel, conversation_id):
            return Handoff(True, desk.handoff_notice(True, language))
        if not desk.tell_team(HandoffRequest(conversation_id, history, requested_by, reason, page)):
            self.metrics.handoffs.labels(channel, "failed").inc()
            return Handoff(False, desk.handoff_notice(False, language))
        self.hand_off(channel, conversation_id, requested_by, reason)
        return Handoff(True, desk.handoff_notice(True, language), posted=True)

    def resume(self, channel: str, conversation_id: str, resumed_by: str) -> bool:
        """The bot answers in the conversation again; False when it was not handed off."""
        return self.store.end_handoff(channel, conversation_id, resumed_by)

    def in_handoff(self, channel: str, conversation_id: str) -> bool:
        return self.store.in_handoff(channel, conversation_id)

    def error_message(self, language: str) -> str:
        """What a channel says in `language` when answering failed around the model (bot.error_message, else the catalog's)."""
        return self.message("bot.error", language, self.bot.error_message)

    @property
    def index_build(self) -> str:
        """The index build answers come from ('' when the retriever was given without a watch)."""
        return self.index_watch.build_id if self.index_watch is not None else ""

    def _pick_up_new_index(self) -> None:
        fresh = self.index_watch.reload_if_changed() if self.index_watch is not None else None
        if fresh is not None:
            self.retriever, self.approved = fresh

    def messages(self, channel: str, conversation_id: str) -> list[StoredMessage]:
        """The stored messages with their ids, kinds and sources: what a channel shows when a conversation reopens."""
        return self.store.messages(channel, conversation_id)

    def _said(self, channel: str, conversation_id: str) -> list[StoredMessage]:
        """The customer's and the bot's messages, as stored (with their kinds): what the conversation has said."""
        return [m for m in self.store.messages(channel, conversation_id) if m.role in ("user", "assistant")]

    def history(self, channel: str, conversation_id: str) -> list[ChatMessage]:
        return _as_chat(self._said(channel, conversation_id))

    def language_of(self, message: str, history: Sequence[ChatMessage] = ()) -> str:
        """The language to answer in: the message's own, else the conversation's last clear one, else bot.language."""
        earlier = (m["content"] for m in reversed(history) if m["role"] == "user")
        for text in (message, *earlier):
            language = self.detector.detect(text)
            if language:
                return language
        return self.bot.language

    def message(self, key: str, language: str, configured: str = "") -> str:
        """One of the bot's own messages (text/messages/en.toml lists the keys) in `language`; see text/catalog.py."""
        return self.catalog.message(key, language, configured)

    def _read(self, question: str, history: list[ChatMessage], language: str = "") -> Reading:
        """What retrieval finds for the question, read alone or, as a follow-up, together with the previous question.

        Together when that reading's sources answer it better than the question alone's (the best sentence's
        similarity, ExtractiveAnswerer.rank) and match it within FOLLOW_UP_MARGIN of how they match the
        previous question alone. A follow-up ("and how fast is expedited?") keeps to the previous question's
        subject, so reading the two together matches about as well as the previous one alone; a new subject
        ("I want to cancel my order" after a question about the warranty) pulls the match away from it, and
        is answered, or declined, on its own instead of with the previous subject's sources. A question whose
        subject is only a pronoun ("do they expire?", text/follow_ups.py) skips the first comparison: alone it
        is about nothing, however well its words match ("Larkspur gift cards never expire."). (For a question
        the embedder does not read, relevance is the retrieved chunks' keyword coverage, and only the first
        comparison tells.)

        An English question with no word pointing back ("can I get a refund in cash?", text/follow_ups.py)
        names its own subject: read together only when the best sentence found that way answers it alone too
        (its similarity with the question clears bot.answer_min_relevance, as "Points expire after 12 months
        without a purchase." does for "Do the points expire?"). Without this, a question the docs answer
        poorly rode on the previous subject's sources and got its answer. Such a question that its own reading
        answers is answered so, whatever the together reading scores: "Can I pay with Klarna?" after refunds got
        the Klarna page's refund timing. A question whose own words find
        nothing at all (or only by keywords, retrieval/hybrid.py: the model found no subject in what they
        matched) has no subject of its own to keep to, and the previous question is its only chance:
        it is read together when the best sentence found so shares a content word with it ("who decides if
        I'm approved?" after Klarna: "Klarna, not Larkspur Goods, decides whether to approve ..."), and not
        when that sentence is about something else ("Are you hiring at the warehouse?" after cast iron care).

        In English, "the previous question" carries the subject along the conversation (`_follow_up`): "and
        exchanges?" is read as the question before it asked about exchanges, and "how much?" or "how long does
        that take?" with the last question that named a subject; such a question asks nothing alone, so the first
        comparison is skipped for it as for a pronoun subject.
        """
        earlier = _earlier_questions(history)
        with self.metrics.retrieval_seconds.time():
            alone = Reading(question, self.retriever.retrieve(question)[: self.top_k])
            if not earlier:
                return alone
            follow_up = self._follow_up(question, earlier, language)
            previous = follow_up.continues
            together = Reading(follow_up.text, merge_hits(alone.hits, self.retriever.retrieve(follow_up.text))[: self.top_k])
        if not together.hits:
            return alone
        grouped = group_sources(together.hits)
        ranking = self.extractive.rank(together.text, grouped)
        if follow_up.instead and not self._says_of(follow_up.about, ranking, SAID_OF_X):
            together, ranking = self._instead(follow_up, alone, together, ranking)
            grouped = ranking.grouped
        relevance = ranking.relevance
        if alone.hits:
            alone.ranking = self.extractive.rank(question, group_sources(alone.hits))
            if relevance <= alone.ranking.relevance and not (language == "en" and asks_nothing_alone(question)):
                return alone  # "do they expire?" alone is about nothing, however well it matches "gift cards never expire"
            if language == "en" and names_its_subject(question) and self.extractive.answers(alone.ranking):
                return alone  # "Can I pay with Klarna?" after refunds: answered, it got the Klarna page's refund timing
        if relevance < self.extractive.rank(previous, grouped).relevance - FOLLOW_UP_MARGIN:
            return alone
        found_alone = any(not hit.metadata.get(FOUND_BY_KEYWORDS) for hit in alone.hits)
        if language == "en" and names_its_subject(question) and not self._answers_alone(question, ranking, found_alone):
            return alone
        together.ranking = replace(ranking, follow_up=True)
        return together

    def _instead(self, follow_up: FollowUpReading, alone: Reading, added: Reading, ranking: Ranking) -> tuple[Reading, Ranking]:
        """The reading of "and for X?" whose sources speak of X: `added` ("How long do refunds take for exchanges?",
        whose best sentence says nothing of exchanges), or the question before asked about X in its place ("How long
        do exchanges take?") when that is answered by a sentence that names X. "and for gift cards?" after refunds
        keeps the first: "the refund goes back to the same gift card" answers it."""
        with self.metrics.retrieval_seconds.time():
            hits = merge_hits(alone.hits, self.retriever.retrieve(follow_up.instead))[: self.top_k]
        if not hits:
            return added, ranking
        instead = self.extractive.rank(follow_up.instead, group_sources(hits))
        if self.extractive.answers(instead) and self._says_of(follow_up.about, instead, 1):
            return Reading(follow_up.instead, hits), instead
        return added, ranking

    def _says_of(self, phrase: str, ranking: Ranking, count: int) -> bool:
        """Whether one of the `count` best sentences of `ranking`, read under its heading, holds a content word of `phrase`."""
        terms = self.checker.content_terms(phrase)
        return any(terms & self.checker.content_terms(in_context(ranking.sentences[n])) for n in ranking.best(count))

    def _follow_up(self, question: str, earlier: list[str], language: str) -> FollowUpReading:
        """The together reading of `question` after the customer's `earlier` questions: in English, with the subject
        carried along the conversation (text/follow_up_reading.py); in another language, with the question before."""
        if language != "en":
            return FollowUpReading(earlier[-1], f"{earlier[-1]}\n{question}")
        return follow_up_reading(question, earlier, self._closeness)

    def _closeness(self, phrases: Sequence[str], text: str) -> list[float]:
        return [float(similarity) for similarity in self.checker.vectors(list(phrases)) @ self.checker.vector(text)]

    def _answers_alone(self, question: str, together: Ranking, found_alone: bool) -> bool:
        """Whether the best sentence of the together reading answers a question that names its own subject (see
        _read): by similarity with the question alone, or, when the question's own words found nothing, by sharing
        a content word with it; never when it is about something other than what the question names
        (extractive.about_something_else). (Keyword coverage, for a question the embedder does not read, says
        nothing here.)"""
        if together.keyword_coverage is not None or not together.sentences:
            return True
        best = together.best(1)[0]
        if about_something_else(question, in_context(together.sentences[best])):
            return False  # "how long does delivery to the EU take?" after the UK: the UK's row is not its answer
        if found_alone:  # the sentence read under its heading, as ranking reads it
            similarity = float(self.checker.vectors([in_context(together.sentences[best])])[0] @ self.checker.vector(question))
            return similarity >= self.bot.answer_min_relevance
        return bool(self.checker.content_terms(question) & self.checker.content_terms(together.sentences[best].text))

    def reply(self, channel: str, conversation_id: str, message: str, requested_by: str = "customer") -> Reply:
        """Start answering `message`; the user's message is stored at once, the answer when it ends.

        A request for a person (`wants_a_person`) is handed to the channel's desk; `requested_by` names the customer there.
        """
        received_at = time.perf_counter()
        reply = self._reply(channel, conversation_id, message, requested_by)
        reply.started_at = received_at  # the customer waits from here, through retrieval and ranking
        return reply

    def _reply(self, channel: str, conversation_id: str, message: str, requested_by: str) -> Reply:
        question = valid_unicode(message).strip()
        if not shows_something(question):
            raise MessageError("empty message: type a question")
        question = question[: self.bot.max_message_chars]
        self._pick_up_new_index()  # between questions: a rebuilt index answers from here on
        said = self._said(channel, conversation_id)
        retried = bool(said) and said[-1].role == "user" and said[-1].content == self.store.as_stored(question)
        if retried:  # asked before and never answered (the process stopped mid-answer): answer it now, store it once
            said = said[:-1]
        history = _as_chat(said)
        language = self.language_of(question, history)
        composer = self.composer.in_language(language)
        offered = bool(said) and said[-1].kind == AnswerKind.FALLBACK  # the fallback offers one
        person = wants_a_person(question, offered)
        talk = None if person else small_talk_reply(question, offered)  # "Hi", "thanks!", "bye", "no thanks": nothing to look up
        approved = self.approved.match(question) if self.approved is not None and talk is None and not person else None
        looked_up = approved is None and talk is None and not person
        reading = self._read(what_is_asked(question), history, language) if looked_up else Reading(question, [])
        hits = reading.hits
        if not retried:
            self.store.add_message(channel, conversation_id, "user", question)

        def record(reply: Reply) -> None:
            reply.message_id = self.store.add_message(
                channel,
                conversation_id,
                "assistant",
                reply.partial_text,
                kind=reply.kind,
                interrupted=reply.interrupted,
                sources=[source.to_dict() for source in reply.cited_sources()],
            )
            self.metrics.answered(channel, reply)

        if person:
            return self._to_person(channel, conversation_id, requested_by, record, language)
        if talk is not None:
            words = self.message(talk, language)
            return Reply(conversation_id, AnswerKind.CONVERSATION, [], [words], on_done=record, language=language)
        if approved is not None:
            return Reply(conversation_id, AnswerKind.APPROVED, [approved.source()], [approved.text], on_done=record, language=language)
        if not hits:
            return self._decline(channel, conversation_id, record, language)
        ranking = reading.ranking or self.extractive.rank(reading.text, group_sources(hits))
        if not self.extractive.answers(ranking) or self._misses_a_named_word(question, ranking):
            return self._decline(channel, conversation_id, record, language)  # in every mode: the model is never asked
        if self.bot.answer_mode == "generative":
            return self._generate(conversation_id, composer.compose(question, history, hits), record, language)
        return self._from_sources(conversation_id, question, history, ranking, composer, record, language)

    def _from_sources(
        self,
        conversation_id: str,
        question: str,
        history: list[ChatMessage],
        ranking: Ranking,
        composer: PromptComposer,
        record: Callable[[Reply], None],
        language: str,
    ) -> Reply:
        """An extractive or grounded answer from sources found to answer the question (`_reply` declined otherwise)."""
        grouped = ranking.grouped
        extractive = self.extractive.answer(ranking)
        if self.bot.answer_mode == "extractive":
            sources = [source for source, _ in grouped]
            return Reply(conversation_id, AnswerKind.EXTRACTIVE, sources, [extractive], on_done=record, language=language)
        prompt = composer.compose_sources(question, history, self.extractive.evidence(ranking))
        customer = [m["content"] for m in history if m["role"] == "user"] + [question]
        evidence = self.checker.evidence(prompt.sources, customer, self.extractive.answering(ranking))
        rows = {sentence.text: sentence.table_header for sentence in ranking.sentences if sentence.table_header}
        headers = {**{header: header for header in rows.values()}, **rows}  # a header row is its own
        grounded = GroundedAnswer(self.checker, evidence, extractive, self.bot.max_answer_sentences, headers)
        stop = threading.Event()
        return Reply(
            conversation_id,
            AnswerKind.GROUNDED,
            prompt.sources,
            lambda reply: grounded.stream(reply, self.generator.stream(prompt.messages, self.settings, stop), stop),
            prompt=prompt,
            on_done=record,
            error_message=self.error_message(language),
            stop=stop,
            language=language,
        )

    def _misses_a_named_word(self, question: str, ranking: Ranking) -> bool:
        """Whether the sources, matched to a question by its words alone (one the embedder does not read), hold none
        of a word it writes in another script (text/other_script_words.py): "refund" in "请问 refund 要多久" is
        in no Chinese page, and what "要多久" (how long) found was the shipping rates."""
        if ranking.keyword_coverage is None:
            return False
        texts = [*ranking.chunk_texts.values(), *(source.title for source, _ in ranking.grouped)]
        held = set(self.checker.analyze(without_links(" ".join(texts))))  # ".../zh/returns/refund-timing" says no "refund"
        return any(not set(self.checker.analyze(word)) <= held for word in other_script_words(question))

    def _to_person(self, channel: str, conversation_id: str, requested_by: str, record: Callable[[Reply], None], language: str) -> Reply:
        """The customer asked for a person: hand the conversation over, or say that no one can be reached from here."""
        handoff = self.hand_to_person(channel, conversation_id, requested_by, ASKED_FOR_PERSON, language=language)
        kind = AnswerKind.HANDOFF if handoff.with_person else AnswerKind.CONVERSATION
        return Reply(conversation_id, kind, [], [handoff.notice], on_done=record, language=language)

    def _decline(self, channel: str, conversation_id: str, record: Callable[[Reply], None], language: str) -> Reply:
        """Nothing in the help center answers the question: say so and offer a person, never guess.

        Where no one can be reached (`can_reach_person`) the shipped fallback is said without its offer: a "yes"
        to it only got "I can't connect you with a person from here". A team's own fallback (bot.fallback_message,
        or bot.fallback in its catalog) is said as written: it may name a phone number instead of a person."""
        fallback = self.message("bot.fallback", language, self.bot.fallback_message)
        if not self.can_reach_person(channel) and fallback == self.shipped.message("bot.fallback", language):
            fallback = self.message("bot.fallback_no_person", language)
        return Reply(conversation_id, AnswerKind.FALLBACK, [], [fallback], on_done=record, language=language)

    def _generate(self, conversation_id: str, prompt: ComposedPrompt, record: Callable[[Reply], None], language: str) -> Reply:
        """The model's answer as it writes it (bot.answer_mode = "generative")."""
        stop = threading.Event()
        return Reply(
            conversation_id,
            AnswerKind.GENERATED,
            prompt.sources,
            self.generator.stream(prompt.messages, self.settings, stop),
            prompt=prompt,
            on_done=record,
            error_message=self.error_message(language),
            stop=stop,
            language=language,
        )


def _earlier_questions(history: Sequence[ChatMessage]) -> list[str]:
    """The customer's questions before this one, oldest first, which a follow-up ("and for gift cards?") only makes
    sense with (a "thanks!" in between is passed over)."""
    return [what_is_asked(m["content"]) for m in history if m["role"] == "user" and small_talk(m["content"]) is None]
