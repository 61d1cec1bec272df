"""What the bot does with Slack events and button clicks, independent of how they arrive (HTTP or socket).

`accept` runs before Slack gets its ack: it decides whether the event is for the bot, claims its
id in the store (so a retried delivery is dropped), and queues it; a full queue gets a "busy"
notice. Workers then `answer` it. Whatever happens, the thread ends with something visible: the
answer, the busy notice, or an apology, while the exception itself goes to the log.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.reply import AnswerKind
from supportbot.channels.slack import blocks
from supportbot.channels.slack.pool import WorkerPool
from supportbot.channels.slack.poster import ThreadPoster
from supportbot.channels.slack.store import ANSWERED, BUSY, FAILED, SlackStore
from supportbot.config import SlackConfig
from supportbot.errors import MessageError

log = logging.getLogger(__name__)

CHANNEL_NAME = "slack"
RESUME_COMMAND = "resume"
# Subtypes that are still a person asking something; every other subtype (edits, deletions, joins,
# bot messages...) is not a question for the bot.
QUESTION_SUBTYPES = {None, "file_share", "thread_broadcast"}


def conversation_id(channel: str, thread_ts: str) -> str:
    """A Slack thread is one conversation."""
    return f"{channel}:{thread_ts}"


def thread_of(event: dict[str, Any]) -> tuple[str, str]:
    """The channel and thread an event belongs to; a message outside a thread starts one."""
    return event["channel"], event.get("thread_ts") or event["ts"]


class SlackBot:
    """Turns accepted Slack events into answers in their threads."""

    name = CHANNEL_NAME

    def __init__(self, manager: DialogueManager, store: SlackStore, client: WebClient, config: SlackConfig) -> None:
        self.manager = manager
        self.store = store
        self.client = client
        self.config = config
        self.bot_user_id = ""
        self.pool = WorkerPool(self.answer, config.workers, config.queue_size)
        self._notifier = ThreadPoolExecutor(max_workers=2, thread_name_prefix="slack-notify")

    def start(self, bot_user_id: str) -> None:
        """Start the workers and queue again what was accepted but not answered before the last stop."""
        self.bot_user_id = bot_user_id
        self.pool.start()
        pending = self.store.queued_events()
        if pending:
            log.info("answering %d event(s) accepted before the last stop", len(pending))
        for event_id in pending:
            self._queue(event_id)

    def stop(self, grace: float) -> None:
        still_running, never_started = self.pool.shutdown(grace)
        self._notifier.shutdown(wait=True)
        if never_started:
            log.warning("stopping: %d queued event(s) not started; they stay in the store and are answered at the next start", len(never_started))
        if still_running:
            log.warning("stopping: %d answer(s) still running after %.0fs; they are answered again at the next start", still_running, grace)
        if not never_started and not still_running:
            log.info("stopped: every accepted event was answered")

    # accepting events (runs before the ack: keep it fast)

    def _notify(self, what: str, function: Any, *args: Any, **kwargs: Any) -> None:
        def run() -> None:
            try:
                function(*args, **kwargs)
            except Exception:
                log.exception("could not %s", what)

        try:
            self._notifier.submit(run)
        except RuntimeError:  # shutting down: do it here rather than not at all
            run()

    def _is_for_bot(self, event: dict[str, Any], text: str) -> bool:
        kind, channel = event.get("type"), event.get("channel", "")
        if event.get("bot_id") or event.get("bot_profile") or event.get("user") in (None, self.bot_user_id):
            return False  # never answer itself or another bot
        if event.get("subtype") not in QUESTION_SUBTYPES:
            log.debug("ignoring a message with subtype %s", event.get("subtype"))
            return False
        if channel in self.config.ignored_channels:
            return False
        if kind == "app_mention":
            return not channel.startswith("D")  # a direct message arrives as message.im too
        if kind != "message":
            return False
        if event.get("channel_type") == "im":
            return True
        if f"<@{self.bot_user_id}>" in text:
            return False  # the app_mention event for the same message answers it
        if channel in self.config.answer_without_mention:
            return True
        thread_ts = event.get("thread_ts")
        return bool(thread_ts) and bool(self.manager.store.messages(CHANNEL_NAME, conversation_id(channel, thread_ts)))

    def accept(self, body: dict[str, Any], retry_num: str | None = None) -> None:
        event = body.get("event") or {}
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        text = event.get("text") or ""
        if not self._is_for_bot(event, text):
            return
        channel, thread_ts = thread_of(event)
        question = blocks.strip_mentions(text)
        is_resume = event.get("type") == "app_mention" and question.lower() == RESUME_COMMAND
        if self.store.in_handoff(channel, thread_ts) and not is_resume:
            log.info("thread %s in %s is with a person: staying quiet", thread_ts, channel)
            return
        if not self.store.claim_event(event_id, {"event_id": event_id, "event": event}):
            log.info("event %s seen before (retry %s): not answering again", event_id, retry_num or "none")
            return
        if is_resume:
            self._notify("resume", self._resume, event_id, channel, thread_ts, event["user"])
            return
        self._queue(event_id)

    def _poster(self, event_id: str, channel: str, thread_ts: str, update_interval: float = 0) -> ThreadPoster:
        conversation = conversation_id(channel, thread_ts)
        return ThreadPoster(self.client, self.store, event_id, channel, thread_ts, conversation, update_interval)

    def _queue(self, event_id: str) -> None:
        event = self.store.event_payload(event_id)["event"]
        if self.pool.submit(event_id):
            self._notify("add the working reaction", self._react, event["channel"], event["ts"])
            return
        log.warning("queue full (%d waiting): telling %s the bot is busy", self.pool.waiting, event_id)
        self.store.set_event_status(event_id, BUSY)
        busy = self._message("slack.busy", event, self.config.busy_message)
        self._notify("post the busy notice", self._poster(event_id, *thread_of(event)).say, busy)

    def _language(self, channel: str, thread_ts: str, text: str = "") -> str:
        """The language to speak in the thread: the message's own, else the conversation's (see DialogueManager.language_of)."""
        return self.manager.language_of(blocks.strip_mentions(text), self.manager.history(CHANNEL_NAME, conversation_id(channel, thread_ts)))

    def _message(self, key: str, event: dict[str, Any], configured: str = "") -> str:
        """One of the bot's own messages in the language of the event's text and thread."""
        return self.manager.message(key, self._language(*thread_of(event), event.get("text") or ""), configured)

    def _react(self, channel: str, ts: str) -> None:
        response = self.client.reactions_add(channel=channel, timestamp=ts, name="eyes")
        if not response.get("ok", True):
            log.debug("reaction not added: %s", response.get("error"))

    def _resume(self, event_id: str, channel: str, thread_ts: str, user_id: str) -> None:
        resumed = self.store.end_handoff(channel, thread_ts, user_id)
        language = self._language(channel, thread_ts)
        self._poster(event_id, channel, thread_ts).say(self.manager.message("slack.resumed" if resumed else "slack.not_paused", language))
        self.store.set_event_status(event_id, ANSWERED)
        log.info("thread %s in %s resumed by %s", thread_ts, channel, user_id)

    # answering (runs on a worker)

    def answer(self, event_id: str) -> None:
        event = self.store.event_payload(event_id)["event"]
        channel, thread_ts = thread_of(event)
        poster = self._poster(event_id, channel, thread_ts, self.config.update_interval)
        try:
            if not poster.resume_final():
                self._generate(poster, event)
            self.store.set_event_status(event_id, ANSWERED)
        except Exception:
            log.exception("answering event %s in %s failed", event_id, channel)
            try:
                poster.say(self._message("bot.error", event, self.manager.bot.error_message))
            except Exception:
                log.exception("could not tell thread %s in %s about the failure", thread_ts, channel)
            self.store.set_event_status(event_id, FAILED)

    def _generate(self, poster: ThreadPoster, event: dict[str, Any]) -> None:
        poster.open(self._message("slack.working", event))
        try:
            reply = self.manager.reply(CHANNEL_NAME, poster.conversation_id, blocks.strip_mentions(event.get("text") or ""))
        except MessageError:
            poster.say(self._message("bot.empty_question", event))
            return
        language = reply.language
        try:
            text = poster.stream(reply).strip() or self.manager.message("bot.error", language, self.manager.bot.error_message)
        except BaseException:
            reply.cancel()  # Slack is unreachable: stop the model instead of generating for nobody
            raise
        labels = self.manager.catalog.section("slack", language)
        answered = (AnswerKind.GENERATED, AnswerKind.GROUNDED, AnswerKind.EXTRACTIVE)
        sources = reply.cited_sources() if reply.kind in answered else []
        if reply.kind == AnswerKind.FALLBACK and self.config.handoff_channel:
            self._hand_off(poster.channel, poster.thread_ts, event["user"], "low-confidence answer")
            text += "\n\n" + self.manager.message("slack.handoff", language, self.config.handoff_message)
            poster.finish(text, blocks.answer_blocks(text, [], poster.event_id, labels, with_buttons=False))
            return
        poster.finish(text, blocks.answer_blocks(text, sources, poster.event_id, labels))

    # handoff and feedback (button clicks; run before the ack)

    def _hand_off(self, channel: str, thread_ts: str, user_id: str, reason: str) -> bool:
        """Pause the bot in the thread and post the conversation's summary to the handoff channel."""
        if not self.store.start_handoff(channel, thread_ts, user_id, reason):
            return False
        messages = self.manager.history(CHANNEL_NAME, conversation_id(channel, thread_ts))
        summary = blocks.handoff_summary(channel, thread_ts, user_id, messages, reason, self._permalink(channel, thread_ts))
        self.client.chat_postMessage(channel=self.config.handoff_channel, text=summary)
        log.info("thread %s in %s handed to a person (%s)", thread_ts, channel, reason)
        return True

    def _permalink(self, channel: str, thread_ts: str) -> str:
        try:
            return self.client.chat_getPermalink(channel=channel, message_ts=thread_ts).get("permalink", "")
        except SlackApiError as error:
            log.warning("no link to thread %s in %s (%s)", thread_ts, channel, error.response.get("error"))
            return ""

    def on_handoff_click(self, body: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        channel = body["channel"]["id"]
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts") or message.get("ts", "")
        self._notify("hand off", self._handoff_from_click, channel, thread_ts, user_id)

    def _handoff_from_click(self, channel: str, thread_ts: str, user_id: str) -> None:
        language = self._language(channel, thread_ts)
        if not self.config.handoff_channel:
            log.warning("'Talk to a person' clicked but slack.handoff_channel is not set")
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=self.manager.message("slack.no_handoff_channel", language))
            return
        if self._hand_off(channel, thread_ts, user_id, "asked for a person"):
            handoff = self.manager.message("slack.handoff", language, self.config.handoff_message)
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=handoff)

    def on_feedback_click(self, body: dict[str, Any]) -> None:
        action = body["actions"][0]
        event_id, _, rating = action["value"].rpartition("|")
        user_id = body["user"]["id"]
        self.store.add_feedback(event_id, user_id, rating)
        log.info("feedback %s on %s from %s", rating, event_id, user_id)
        channel = body["channel"]["id"]
        thread_ts = (body.get("message") or {}).get("thread_ts")
        thanks = self.manager.message("slack.feedback_thanks", self._language(channel, thread_ts) if thread_ts else self.manager.bot.language)
        self._notify("thank for feedback", self.client.chat_postEphemeral, channel=channel, user=user_id, thread_ts=thread_ts, text=thanks)
