"""What the bot does with Slack events and button clicks, independent of how they arrive (HTTP or socket).

`accept` runs before Slack gets its ack: it decides whether the event is for the bot, claims its
id in the store (so a retried delivery is dropped, whichever instance it reaches), and queues it
behind the earlier messages of its thread; a full queue gets a "busy" notice. Workers then
`answer` it. Whatever happens, the thread ends with something visible: the answer, the busy
notice, or an apology, while the exception itself goes to the log. When Slack cannot take that
message for now (unreachable, rate limited, a 5xx after the client's own retries), the event is
tried again later, up to SHOW_TRIES times; an answer already generated is shown then, never
replaced by an apology, since the conversation holds it. When Slack still will not edit the
placeholder, the answer is posted as a new message; if Slack refuses that too, the event is marked
UNDELIVERED and the thread named in the log, for someone to follow up. Conversations, ratings and
handoffs go through the dialogue manager.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.handoff import ASKED_FOR_PERSON, Handoff, HandoffRequest
from supportbot.bot.reply import AnswerKind
from supportbot.channels.slack import blocks
from supportbot.channels.slack.claims import ClaimKeeper, instance_name
from supportbot.channels.slack.incoming import addresses_someone_else, is_command, mentions, message_text, plain_text
from supportbot.channels.slack.pool import WorkerPool
from supportbot.channels.slack.poster import ThreadPoster
from supportbot.channels.slack.retries import describe, is_transient
from supportbot.channels.slack.store import ANSWERED, BUSY, FAILED, UNDELIVERED, SlackStore
from supportbot.channels.slack.threads import Threads, conversation_id, conversation_of_payload, is_direct, thread_of
from supportbot.config import SlackConfig
from supportbot.errors import MessageError
from supportbot.observability import log_context

log = logging.getLogger(__name__)

CHANNEL_NAME = "slack"
RESUME_COMMAND = "resume"
# Subtypes that are still a person asking something; every other subtype (edits, deletions, joins,
# bot messages...) is not a question for the bot.
QUESTION_SUBTYPES = {None, "file_share", "thread_broadcast"}
# Times an event whose reply Slack refused for now is tried again, after a third of slack.claim_lease, then
# twice that... (10 s to 160 s with the default lease): a Slack incident of about five minutes.
SHOW_TRIES = 5


class SlackBot:
    """Turns accepted Slack events into answers in their threads; with slack.handoff_channel, also the desk that
    hands a thread to a person there (bot/handoff.py)."""

    name = CHANNEL_NAME

    def __init__(self, manager: DialogueManager, store: SlackStore, client: WebClient, config: SlackConfig) -> None:
        self.manager = manager
        self.store = store
        self.client = client
        self.config = config
        self.bot_user_id = ""
        self.owner = instance_name()
        self.threads = Threads(store)
        self.metrics = manager.metrics
        self.pool = WorkerPool(self.answer, config.workers, config.queue_size)
        self.claims = ClaimKeeper(store, self.owner, config.claim_lease, self._queue_adopted, lambda: config.queue_size - self.pool.waiting)
        self.metrics.queue_depth.labels(CHANNEL_NAME).set_function(lambda: self.pool.waiting)
        self._notifier = ThreadPoolExecutor(max_workers=2, thread_name_prefix="slack-notify")
        manager.set_desk(CHANNEL_NAME, self if config.handoff_channel else None)

    def start(self, bot_user_id: str) -> None:
        """Start the workers, and answer what was accepted but left unanswered by a stopped or crashed instance."""
        self.bot_user_id = bot_user_id
        self.pool.start()
        self.claims.start()

    def stop(self, grace: float) -> None:
        self.claims.stop()
        still_running, never_started = self.pool.shutdown(grace)
        self._notifier.shutdown(wait=True)
        self.store.release_events(self.owner, never_started)
        if never_started:
            log.warning("stopping: %d queued event(s) not started; another instance or the next start answers them", len(never_started))
        if still_running:
            log.warning("stopping: %d answer(s) still running after %.0fs; they are answered again once their claim runs out", still_running, grace)
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
            return not is_direct(channel)  # a direct message arrives as message.im too
        if kind != "message":
            return False
        if event.get("channel_type") == "im":
            return True
        if mentions(text, self.bot_user_id):
            return False  # the app_mention event for the same message answers it
        if addresses_someone_else(text, self.bot_user_id):
            return False  # "<@U2> can you check order 1234?": a colleague's, also in the bot's thread
        if channel in self.config.answer_without_mention:
            return True
        thread_ts = event.get("thread_ts")
        return bool(thread_ts) and self._bot_is_in(conversation_id(channel, thread_ts))

    def _bot_is_in(self, conversation: str) -> bool:
        """The bot stored a message of the conversation, posted in it (even only the busy notice or "Ask me a question"),
        or holds an event of it not answered yet."""
        return self.manager.has_conversation(CHANNEL_NAME, conversation) or self.threads.bot_is_in(conversation)

    def accept(self, body: dict[str, Any], retry_num: str | None = None) -> None:
        event = body.get("event") or {}
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        if not self._is_for_bot(event, event.get("text") or ""):
            return
        channel, thread_ts = thread_of(event)
        conversation = self.threads.conversation_of(event)
        with log_context(request_id=event_id, conversation_id=conversation):
            question = plain_text(message_text(event))
            mentioned = event.get("type") == "app_mention"
            is_resume = mentioned and is_command(question, RESUME_COMMAND)
            # A DM is never paused: nobody from the team can see it, or say resume there (tell_team).
            if not is_direct(channel) and self.manager.in_handoff(CHANNEL_NAME, conversation) and not is_resume:
                log.info("thread %s in %s is with a person: staying quiet", thread_ts, channel)
                return
            if not question and not mentioned and self._bot_is_in(conversation):
                log.info("a message without words (a file, say) in a conversation under way: staying quiet")
                return
            payload = {"event_id": event_id, "event": event, "conversation_id": conversation}
            if not self.store.claim_event(event_id, payload, self.owner, self.config.claim_lease):
                log.info("event %s seen before (retry %s): not answering again", event_id, retry_num or "none")
                return
            if is_resume:
                self._notify("resume", self._resume, event_id, channel, thread_ts, event["user"])
                return
            self._queue(event_id)

    def _poster(self, event_id: str, channel: str, thread_ts: str, conversation: str, update_interval: float = 0) -> ThreadPoster:
        return ThreadPoster(self.client, self.store, event_id, channel, thread_ts, conversation, update_interval)

    def _queue(self, event_id: str) -> None:
        payload = self.store.event_payload(event_id)
        event, conversation = payload["event"], conversation_of_payload(payload)
        if self.pool.submit(event_id, conversation):
            self._notify("add the working reaction", self._react, event["channel"], event["ts"])
            return
        log.warning("queue full (%d waiting): telling %s the bot is busy", self.pool.waiting, event_id)
        self.store.set_event_status(event_id, BUSY)
        self.metrics.refused.labels(CHANNEL_NAME, "busy").inc()
        busy = self._message("slack.busy", event, conversation, self.config.busy_message)
        self._notify("post the busy notice", self._poster(event_id, *thread_of(event), conversation).say, busy)

    def _language(self, conversation: str, text: str = "") -> str:
        """The language to speak in the conversation: the message's own, else the conversation's (see DialogueManager.language_of)."""
        return self.manager.language_of(plain_text(text), self.manager.history(CHANNEL_NAME, conversation))

    def _message(self, key: str, event: dict[str, Any], conversation: str, configured: str = "") -> str:
        """One of the bot's own messages in the language of the event's words and conversation."""
        return self.manager.message(key, self._language(conversation, message_text(event)), configured)

    def _queue_adopted(self, event_id: str) -> None:
        """An event another instance (or an earlier run) accepted and never answered, or one to show again."""
        if not self.pool.submit(event_id, conversation_of_payload(self.store.event_payload(event_id))):  # no room after all
            self.store.release_events(self.owner, [event_id])

    def _react(self, channel: str, ts: str) -> None:
        response = self.client.reactions_add(channel=channel, timestamp=ts, name="eyes")
        if not response.get("ok", True):
            log.debug("reaction not added: %s", response.get("error"))

    def _resume(self, event_id: str, channel: str, thread_ts: str, user_id: str) -> None:
        conversation = conversation_id(channel, thread_ts)
        language = self._language(conversation)
        if not self.manager.in_handoff(CHANNEL_NAME, conversation):
            key = "slack.not_paused"
        elif not self._may_resume(user_id):
            log.info("thread %s in %s: resume refused (not in the handoff channel or the resume user group)", thread_ts, channel)
            key = "slack.not_allowed_to_resume"
        else:
            key = "slack.resumed" if self.manager.resume(CHANNEL_NAME, conversation, user_id) else "slack.not_paused"
            log.info("thread %s in %s resumed", thread_ts, channel)
        self._poster(event_id, channel, thread_ts, conversation).say(self.manager.message(key, language))
        self.store.set_event_status(event_id, ANSWERED)

    def _may_resume(self, user_id: str) -> bool:
        """Members of slack.handoff_channel and of slack.resume_user_group may resume; anyone, when neither is set."""
        if not self.config.handoff_channel and not self.config.resume_user_group:
            return True
        try:
            if self.config.resume_user_group:
                users = self.client.usergroups_users_list(usergroup=self.config.resume_user_group).get("users", [])
                if user_id in users:
                    return True
            return bool(self.config.handoff_channel) and user_id in self._channel_members(self.config.handoff_channel)
        except SlackApiError as error:
            log.error("cannot check who may resume (%s): the app needs channels:read, groups:read and usergroups:read", error.response.get("error"))
            return False

    def _channel_members(self, channel: str) -> set[str]:
        members: set[str] = set()
        cursor = None
        while True:
            response = self.client.conversations_members(channel=channel, cursor=cursor, limit=1000)
            members.update(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    # answering (runs on a worker)

    def answer(self, event_id: str) -> None:
        if not self.store.take_event(event_id, self.owner, self.config.claim_lease):
            log.info("event %s is answered, or held by another instance: skipping it", event_id)
            return
        payload = self.store.event_payload(event_id)
        event, conversation = payload["event"], conversation_of_payload(payload)
        channel, thread_ts = thread_of(event)
        with log_context(request_id=event_id, conversation_id=conversation):
            poster = self._poster(event_id, channel, thread_ts, conversation, self.config.update_interval)
            try:
                if not poster.resume_final():
                    self._generate(poster, event)
            except Exception as error:  # noqa: BLE001 (logged by _after_failure, which tells the thread)
                self._after_failure(poster, event, error)
            else:
                self.store.set_event_status(event_id, ANSWERED)

    def _after_failure(self, poster: ThreadPoster, event: dict[str, Any], error: Exception) -> None:
        """An apology in the thread, unless a final message is recorded: then that one, later. Later too when Slack
        cannot take the apology now; FAILED once it is shown. After SHOW_TRIES refusals, or one for good: `_give_up`."""
        event_id, channel = poster.event_id, poster.channel
        if poster.final_pending():
            log.warning("event %s in %s: Slack did not show the final message (%s)", event_id, channel, describe(error))
        else:
            log.error("answering event %s in %s failed", event_id, channel, exc_info=error)
            try:
                poster.say(self.manager.error_message(self._language(poster.conversation_id, message_text(event))))
                self.store.set_event_status(event_id, FAILED)
                return
            except Exception as say_error:  # noqa: BLE001 (Slack's refusal, in one line: the cause is logged above)
                log.warning("event %s in %s: could not post the apology either (%s)", event_id, channel, describe(say_error))
                error = say_error
        if is_transient(error) and self.store.retry_later(event_id, self.owner, self.config.claim_lease / 3, SHOW_TRIES):
            log.warning("event %s in %s: trying again later", event_id, channel)
            return
        self._give_up(poster, error)

    def _give_up(self, poster: ThreadPoster, error: Exception) -> None:
        """Slack will not edit the placeholder: post the final message as a new one. When Slack refuses that too, the
        thread shows no answer; the store (UNDELIVERED) and the log say so, naming the thread but not what was said."""
        event_id, channel, thread_ts = poster.event_id, poster.channel, poster.thread_ts
        if poster.final_pending():
            try:
                poster.repost_final()
            except Exception as post_error:  # noqa: BLE001 (Slack's refusal, in one line: the edit's is logged above)
                log.warning("event %s in channel %s, thread %s: could not post the reply as a new message either (%s)",
                            event_id, channel, thread_ts, describe(post_error))
                error = post_error
            else:
                log.warning("event %s in channel %s, thread %s: Slack would not edit the placeholder (%s); reply posted as a new message",
                            event_id, channel, thread_ts, describe(error))
                self.store.set_event_status(event_id, ANSWERED)
                return
        log.error("event %s in channel %s, thread %s: giving up, the thread shows no reply (%s); marked %s for a person to follow up",
                  event_id, channel, thread_ts, describe(error), UNDELIVERED)
        self.store.set_event_status(event_id, UNDELIVERED)

    def _generate(self, poster: ThreadPoster, event: dict[str, Any]) -> None:
        conversation = poster.conversation_id
        poster.open(self._message("slack.working", event, conversation))
        try:
            reply = self.manager.reply(CHANNEL_NAME, conversation, plain_text(message_text(event)), event["user"])
        except MessageError:
            poster.say(self._message("bot.empty_question", event, conversation))
            return
        language = reply.language
        try:
            text = poster.stream(reply).strip() or self.manager.error_message(language)
        except BaseException:
            reply.cancel()  # Slack is unreachable: stop the model instead of generating for nobody
            raise
        labels = self.manager.catalog.section("slack", language)
        answered = (AnswerKind.GENERATED, AnswerKind.GROUNDED, AnswerKind.EXTRACTIVE)
        sources = reply.cited_sources() if reply.kind in answered else []
        declined = reply.kind == AnswerKind.FALLBACK and bool(self.config.handoff_channel)
        if declined:  # handed over at once: the decline without its offer of a person, then what became of it
            handoff = self._hand_off(poster, event["user"], "low-confidence answer", language)
            text = self._without_offer(text, language) + "\n\n" + self._notice(conversation, handoff.with_person, handoff.notice, language)
        elif reply.kind == AnswerKind.HANDOFF:
            text = self._notice(conversation, True, text, language)
        buttons = not declined and reply.kind != AnswerKind.HANDOFF  # none under a handoff's notice (HANDOFF: asked for in words)
        poster.finish(text, blocks.answer_blocks(text, sources, poster.event_id, labels, with_buttons=buttons), reply.message_id)

    def _without_offer(self, decline: str, language: str) -> str:
        """The shipped fallback asks "Would you like me to connect you with a person?"; when the bot hands the thread
        over at once, that question is answered by the notice after it: say the decline alone. A team's own
        fallback (bot.fallback_message, or bot.fallback in its catalog) is said as written."""
        if decline == self.manager.shipped.message("bot.fallback", language).strip():
            return self.manager.message("bot.fallback_no_person", language)
        return decline

    def _notice(self, conversation: str, with_person: bool, notice: str, language: str) -> str:
        """What the customer is told of a handoff. In a DM, which the team can neither open nor resume, the bot is not
        paused and a person writes to the customer directly (tell_team): the channel's notice, of a thread the team
        joins and `@supportbot resume`, would be wrong there."""
        if with_person and is_direct(conversation):
            return self.manager.message("slack.handoff_dm", language)
        return notice

    # handoff and feedback (button clicks; run before the ack)

    def _hand_off(self, poster: ThreadPoster, user_id: str, reason: str, language: str) -> Handoff:
        """The conversation to a person (DialogueManager.hand_to_person, which posts through `tell_team`), and what to tell the user."""
        return self.manager.hand_to_person(CHANNEL_NAME, poster.conversation_id, user_id, reason, language=language)

    def tell_team(self, request: HandoffRequest) -> bool:
        """Post the conversation's summary, with a link to its thread, to the handoff channel; False when nobody was told.
        A DM's summary says to write to the customer directly instead: the team can open neither the DM nor a link to it."""
        channel, thread_ts = request.conversation_id.split(":", 1)
        if is_direct(channel):
            summary = blocks.direct_handoff_summary(request.requested_by, request.messages, request.reason)
        else:
            permalink = self._permalink(channel, thread_ts)
            summary = blocks.handoff_summary(channel, thread_ts, request.requested_by, request.messages, request.reason, permalink)
        try:
            self.client.chat_postMessage(channel=self.config.handoff_channel, text=summary)
        except Exception as error:  # noqa: BLE001 (a Slack refusal, not_in_channel..., or the network: nobody was told)
            detail = error.response.get("error") if isinstance(error, SlackApiError) else error
            log.error("handoff of thread %s in %s failed: could not post to %s (%s); the bot keeps answering there",
                      thread_ts, channel, self.config.handoff_channel, detail)
            return False
        log.info("thread %s in %s handed to a person (%s)", thread_ts, channel, request.reason)
        return True

    def _permalink(self, channel: str, thread_ts: str) -> str:
        try:
            return self.client.chat_getPermalink(channel=channel, message_ts=thread_ts).get("permalink", "")
        except SlackApiError as error:
            log.warning("no link to thread %s in %s (%s)", thread_ts, channel, error.response.get("error"))
            return ""

    def _conversation_of_reply(self, event_id: str, channel: str, thread_ts: str) -> str:
        """The conversation of the bot's reply to `event_id` (a button's value); a DM's spans several threads."""
        reply = self.store.reply(event_id) if event_id else None
        return reply.conversation_id if reply is not None else conversation_id(channel, thread_ts)

    def on_handoff_click(self, body: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        channel = body["channel"]["id"]
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts") or message.get("ts", "")
        event_id = str((body.get("actions") or [{}])[0].get("value") or "")
        self._notify("hand off", self._handoff_from_click, channel, thread_ts, event_id, user_id)

    def _handoff_from_click(self, channel: str, thread_ts: str, event_id: str, user_id: str) -> None:
        conversation = self._conversation_of_reply(event_id, channel, thread_ts)
        language = self._language(conversation)
        if not self.config.handoff_channel:
            log.warning("'Talk to a person' clicked but slack.handoff_channel is not set")
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=self.manager.message("slack.no_handoff_channel", language))
            return
        if self.manager.in_handoff(CHANNEL_NAME, conversation):
            return  # a second click: the team already has the thread
        handoff = self.manager.hand_to_person(CHANNEL_NAME, conversation, user_id, ASKED_FOR_PERSON, language=language)
        notice = self._notice(conversation, handoff.with_person, handoff.notice, language)
        self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=notice)

    def handoff_notice(self, handed_off: bool, language: str) -> str:
        """What the customer is told: a person is coming, or no one could be reached and the bot keeps answering."""
        if handed_off:
            return self.manager.message("slack.handoff", language, self.config.handoff_message)
        return self.manager.message("slack.handoff_failed", language, self.config.handoff_failed_message)

    def on_feedback_click(self, body: dict[str, Any]) -> None:
        action = body["actions"][0]
        event_id, _, rating = action["value"].rpartition("|")
        user_id = body["user"]["id"]
        channel = body["channel"]["id"]
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts")
        reply = self.store.reply(event_id)
        if reply is None:  # purged (privacy.retention_days), or never recorded: the user is told, not thanked
            log.warning("feedback on event %s, which has no recorded answer: not stored", event_id)
            conversation = conversation_id(channel, thread_ts or message.get("ts", ""))
            said = self.manager.message("slack.feedback_not_stored", self._language(conversation))
        else:
            self.manager.record_feedback(CHANNEL_NAME, reply.conversation_id, rating, rater=user_id, message_id=reply.message_id)
            log.info("feedback %s on %s", rating, event_id)
            said = self.manager.message("slack.feedback_thanks", self._language(reply.conversation_id))
        self._notify("answer the rating", self.client.chat_postEphemeral, channel=channel, user=user_id, thread_ts=thread_ts, text=said)
