"""Posts one answer into a Slack thread: a placeholder, edits while it streams, the final blocks.

Every step is written to the store before Slack sees it, so a restart after a crash resumes the
same message instead of posting a second one. Edits are spaced by `update_interval`; a 429 is
waited out and a 5xx retried by the client (retries.py). A final answer Slack still refused stays
recorded (`final_pending`) to be shown later by `resume_final`: it is in the conversation already.
When Slack keeps refusing to edit the placeholder, `repost_final` posts the answer as a new message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from supportbot.channels.slack import blocks
from supportbot.channels.slack.retries import describe
from supportbot.channels.slack.store import DONE, FINAL, POSTED, SlackStore

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "supportbot_reply"


class ThreadPoster:
    """Owns the bot's one message for one event in one thread."""

    def __init__(
        self,
        client: WebClient,
        store: SlackStore,
        event_id: str,
        channel: str,
        thread_ts: str,
        conversation_id: str,
        update_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.store = store
        self.event_id = event_id
        self.channel = channel
        self.thread_ts = thread_ts
        self.conversation_id = conversation_id
        self.update_interval = update_interval
        self.clock = clock
        self.ts: str | None = None

    def _find_posted(self) -> str | None:
        """After a crash between recording and posting: look for our message in the thread by its metadata."""
        try:
            response = self.client.conversations_replies(channel=self.channel, ts=self.thread_ts, include_all_metadata=True, limit=200)
        except SlackApiError as error:
            log.warning("event %s: could not read thread %s to resume (%s)", self.event_id, self.thread_ts, error.response.get("error"))
            return None
        for message in response.get("messages", []):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT_TYPE and metadata.get("event_payload", {}).get("event_id") == self.event_id:
                return message.get("ts")
        return None

    def open(self, text: str) -> str:
        """Post the placeholder (or find the one posted before a restart) and return its ts."""
        record = self.store.reply(self.event_id)
        if record is not None and record.ts:
            self.ts = record.ts
            return self.ts
        if record is not None:
            self.ts = self._find_posted()
        if self.ts is None:
            self.store.record_reply(self.event_id, self.channel, self.thread_ts, self.conversation_id, text)
            response = self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=text, metadata=self._metadata())
            self.ts = response["ts"]
        self.store.reply_posted(self.event_id, self.ts)
        return self.ts

    def _metadata(self) -> dict[str, Any]:
        return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"event_id": self.event_id}}

    def stream(self, pieces: Iterable[str]) -> str:
        """Show the text as it comes, one edit per `update_interval` at most; return all of it."""
        parts: list[str] = []
        last_update = self.clock()
        shown = ""
        for piece in pieces:
            parts.append(piece)
            now = self.clock()
            if now - last_update >= self.update_interval:
                text = "".join(parts).strip()
                if text and text != shown:
                    self._update_quietly(text)
                    shown = text
                last_update = self.clock()
        return "".join(parts)

    def _update_quietly(self, text: str) -> None:
        """An intermediate edit that fails is only logged: the final one carries the whole answer."""
        try:
            self.client.chat_update(channel=self.channel, ts=self.ts, text=blocks.clip(text + blocks.STREAMING_MARK), blocks=blocks.streaming_blocks(text))
        except (SlackApiError, OSError) as error:
            log.warning("event %s: streaming edit failed (%s); the final edit will carry the answer", self.event_id, describe(error))

    def finish(self, text: str, message_blocks: list[dict[str, Any]], message_id: int | None = None) -> None:
        """Record the final answer (with the stored answer's id, what a rating refers to), then show it."""
        self.store.record_final(self.event_id, text, message_blocks, message_id)
        self._show(text, message_blocks)

    def _show(self, text: str, message_blocks: list[dict[str, Any]]) -> None:
        self.client.chat_update(channel=self.channel, ts=self.ts, text=blocks.clip(text), blocks=message_blocks)
        self.store.reply_done(self.event_id)

    def final_pending(self) -> bool:
        """Whether a final message is recorded that Slack has not shown yet."""
        record = self.store.reply(self.event_id)
        return record is not None and record.state == FINAL and bool(record.ts)

    def resume_final(self) -> bool:
        """Show a final message recorded before a restart, or before Slack refused it; False when there is none."""
        record = self.store.reply(self.event_id)
        if record is None or record.state not in (FINAL, DONE) or not record.ts:
            return False
        self.ts = record.ts
        if record.state == FINAL:
            self._show(record.text, record.blocks)
        return True

    def repost_final(self) -> None:
        """Post the recorded final message anew in the thread, for when Slack will not edit the placeholder (deleted,
        too old, or only that call refused), then take the placeholder away if Slack lets it."""
        record = self.store.reply(self.event_id)
        if record is None:
            raise LookupError(f"event {self.event_id} has no recorded reply to post")
        placeholder = record.ts
        self.ts = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=blocks.clip(record.text), blocks=record.blocks, metadata=self._metadata()
        )["ts"]
        self.store.reply_done(self.event_id, self.ts)
        if not placeholder:
            return
        try:
            self.client.chat_delete(channel=self.channel, ts=placeholder)
        except (SlackApiError, OSError) as error:  # the answer is shown: a stale "Looking into it…" above it is only untidy
            log.info("event %s: placeholder %s left in thread %s (%s)", self.event_id, placeholder, self.thread_ts, describe(error))

    def say(self, text: str) -> None:
        """A short final message (an apology, a notice) in place of the placeholder, or posted new."""
        if self.ts is None:
            record = self.store.reply(self.event_id)
            self.ts = record.ts if record and record.state == POSTED else None
        message_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": blocks.escape(text)}}]
        if self.ts is None:
            self.store.record_reply(self.event_id, self.channel, self.thread_ts, self.conversation_id, text)
            self.ts = self.client.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, text=text, blocks=message_blocks, metadata=self._metadata()
            )["ts"]
            self.store.reply_posted(self.event_id, self.ts)
            self.store.record_final(self.event_id, text, message_blocks)
        else:
            self.store.record_final(self.event_id, text, message_blocks)
            self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=message_blocks)
        self.store.reply_done(self.event_id)
