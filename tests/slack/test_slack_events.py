"""The Slack bot over real HTTP: signed events in, Web API calls out to the double."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from fakes import MODEL_FAILURE, QuestionEchoGenerator
from slack_double import BOT_USER_ID, event_body, mention, message, new_ts, post_event, signed_headers
from slack_helpers import HeldGenerator, final_text

from supportbot.channels.slack.bot import CHANNEL_NAME
from supportbot.text.catalog import MessageCatalog


def test_mention_gets_one_threaded_answer_with_sources_and_buttons(start_bot):
    bot = start_bot()
    body = mention("How long do refunds take?")
    status, _ = post_event(bot.url, body)
    assert status == 200
    ts = body["event"]["ts"]
    text = final_text(bot, "C1", ts)
    assert "How long do refunds take?" in text
    posted = bot.double.calls_to("chat.postMessage")
    assert len(posted) == 1 and posted[0]["thread_ts"] == ts and posted[0]["channel"] == "C1"
    blocks = bot.double.thread_messages("C1", ts)[0]["blocks"]
    sources = next(b for b in blocks if b["type"] == "context")["elements"][0]["text"]
    assert "<https://help.larkspurgoods.com/" in sources  # a link to the doc's URL
    actions = next(b for b in blocks if b["type"] == "actions")
    assert {e["action_id"] for e in actions["elements"]} == {"supportbot_feedback_up", "supportbot_feedback_down", "supportbot_handoff"}
    assert bot.double.calls_to("reactions.add")[0]["name"] == "eyes"


def test_follow_up_in_thread_continues_the_conversation(start_bot):
    bot = start_bot()
    first = mention("How long do refunds take?")
    post_event(bot.url, first)
    ts = first["event"]["ts"]
    final_text(bot, "C1", ts)
    post_event(bot.url, mention("And for gift cards?", thread_ts=ts))
    second = final_text(bot, "C1", ts, index=1)
    assert "with 2 earlier messages" in second
    stored = bot.manager.store.messages(CHANNEL_NAME, f"C1:{ts}")
    assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]


def test_follow_up_without_mention_in_a_bot_thread_is_answered_once(start_bot):
    bot = start_bot()
    first = mention("How long do refunds take?")
    post_event(bot.url, first)
    ts = first["event"]["ts"]
    final_text(bot, "C1", ts)
    post_event(bot.url, message("And for gift cards?", channel="C1", channel_type="channel", thread_ts=ts))
    assert "with 2 earlier messages" in final_text(bot, "C1", ts, index=1)


def test_direct_message_is_answered_in_its_thread(start_bot):
    bot = start_bot()
    body = message("Do you ship to Canada?")
    post_event(bot.url, body)
    assert "Do you ship to Canada?" in final_text(bot, "D1", body["event"]["ts"])


def test_retried_delivery_is_not_answered_twice(start_bot):
    bot = start_bot()
    body = mention("How long do refunds take?")
    assert post_event(bot.url, body)[0] == 200
    assert post_event(bot.url, body, retry_num=1)[0] == 200
    final_text(bot, "C1", body["event"]["ts"])
    assert post_event(bot.url, body, retry_num=2)[0] == 200
    time.sleep(0.3)
    assert len(bot.double.calls_to("chat.postMessage")) == 1


def test_retried_delivery_after_a_restart_is_not_answered_again(start_bot):
    bot = start_bot()
    body = mention("How long do refunds take?")
    post_event(bot.url, body)
    final_text(bot, "C1", body["event"]["ts"])
    bot.service.stop()
    restarted = start_bot()
    assert post_event(restarted.url, body, retry_num=1)[0] == 200
    time.sleep(0.3)
    assert len(bot.double.calls_to("chat.postMessage")) == 1
    assert restarted.generator.prompts == []


def test_bad_signature_gets_401_and_no_work(start_bot):
    bot = start_bot()
    status, _ = post_event(bot.url, mention("How long do refunds take?"), secret="00000000000000000000000000000000")
    assert status == 401
    stale, _ = post_event(bot.url, mention("How long do refunds take?"), timestamp=int(time.time()) - 600)
    assert stale == 401
    time.sleep(0.3)
    assert bot.double.calls_to("chat.postMessage") == [] and bot.generator.prompts == []


def test_rate_limited_update_is_waited_out(start_bot):
    bot = start_bot()
    bot.double.rate_limit["chat.update"] = 1
    body = mention("How long do refunds take?")
    started = time.monotonic()
    post_event(bot.url, body)
    text = final_text(bot, "C1", body["event"]["ts"])
    assert "How long do refunds take?" in text
    assert time.monotonic() - started >= bot.double.retry_after
    updates = [c for c in bot.double.calls if c.method == "chat.update"]
    limited = next(i for i, call in enumerate(updates) if call.limited)
    assert updates[limited + 1].at - updates[limited].at >= bot.double.retry_after  # retried after Retry-After


def test_own_messages_other_bots_edits_and_deletions_are_ignored(start_bot):
    bot = start_bot()
    events = [
        message("I am the bot", user=BOT_USER_ID),
        message("beep", bot_id="B2", subtype="bot_message"),
        message("edited", user=None, subtype="message_changed", message={"text": "new"}, previous_message={"text": "old"}),
        message("", user=None, subtype="message_deleted", deleted_ts="1.2"),
        message("edited by a person", subtype="message_changed", message={"text": "new", "user": "U1"}),
        message("plain chatter in a channel", channel="C9", channel_type="channel"),
    ]
    for body in events:
        assert post_event(bot.url, body)[0] == 200
    time.sleep(0.5)
    assert bot.double.calls_to("chat.postMessage") == []


def test_channel_settings_answer_without_mention_and_ignore(start_bot):
    bot = start_bot(answer_without_mention=["COPEN"], ignored_channels=["CQUIET"])
    open_body = message("Where is my order?", channel="COPEN", channel_type="channel")
    post_event(bot.url, open_body)
    assert "Where is my order?" in final_text(bot, "COPEN", open_body["event"]["ts"])
    post_event(bot.url, mention("Where is my order?", channel="CQUIET"))
    time.sleep(0.3)
    assert all(call["channel"] != "CQUIET" for call in bot.double.calls_to("chat.postMessage"))


def test_generation_failure_ends_in_an_apology_not_silence(start_bot):
    bot = start_bot(generator=QuestionEchoGenerator(fail=True))
    body = mention("How long do refunds take?")
    post_event(bot.url, body)
    text = final_text(bot, "C1", body["event"]["ts"])
    assert text == bot.manager.bot.error_message
    assert MODEL_FAILURE not in str(bot.double.calls)


def test_url_verification_challenge_is_answered(start_bot):
    bot = start_bot()
    raw = json.dumps({"token": "unused", "challenge": "c-123", "type": "url_verification"})
    request = urllib.request.Request(bot.url, data=raw.encode(), headers=signed_headers(raw), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and "c-123" in response.read().decode()


def test_slacks_escapes_and_markup_reach_the_model_and_the_store_as_plain_text_and_are_escaped_once_back(start_bot):
    # Slack sends "&" as "&amp;", links as <url|text>: undecoded, the model read "&amp;", the echo showed "&amp;amp;".
    bot = start_bot()
    body = mention("Can I return a rug &amp; a lamp I paid &lt;$50 for? Order <https://shop.example.com/o?id=1&amp;x=2|#1234> in <#C7|returns>")
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    final_text(bot, "C1", ts)
    question = "Can I return a rug & a lamp I paid <$50 for? Order #1234 (https://shop.example.com/o?id=1&x=2) in #returns"
    assert bot.generator.prompts[-1][-1]["content"] == question
    assert bot.manager.store.messages(CHANNEL_NAME, f"C1:{ts}")[0].content == question
    shown = bot.double.thread_messages("C1", ts)[0]["blocks"][0]["text"]["text"]  # mrkdwn: escaped once
    assert "a rug &amp; a lamp I paid &lt;$50 for? Order #1234 (https://shop.example.com/o?id=1&amp;x=2) in #returns" in shown

    post_event(bot.url, mention("talk to a human", thread_ts=ts))
    summary = bot.double.wait_for(lambda: [c["text"] for c in bot.double.calls_to("chat.postMessage") if c["channel"] == "CHANDOFF"])[0]
    assert "> *Customer:* Can I return a rug &amp; a lamp I paid &lt;$50 for? Order #1234" in summary
    assert "&amp;amp;" not in summary and "&lt;https" not in summary


def test_a_mention_in_its_older_form_is_answered_once_where_every_message_is_answered(start_bot):
    # "<@UBOT|supportbot>" arrives as `message` and as `app_mention`: both were answered.
    bot = start_bot(answer_without_mention=["C5"])
    ts = new_ts()
    text = f"<@{BOT_USER_ID}|supportbot> How long do refunds take?"
    as_message = event_body({"type": "message", "user": "U1", "text": text, "ts": ts, "channel": "C5", "channel_type": "channel", "event_ts": ts})
    as_mention = event_body({"type": "app_mention", "user": "U1", "text": text, "ts": ts, "channel": "C5", "event_ts": ts})
    assert post_event(bot.url, as_message)[0] == 200 and post_event(bot.url, as_mention)[0] == 200
    assert bot.service.store.event_status(as_message["event_id"]) is None  # left to the app_mention, not queued
    assert "How long do refunds take?" in final_text(bot, "C5", ts)
    assert len(bot.double.thread_messages("C5", ts)) == 1


@pytest.mark.parametrize("thanks", ["thanks :pray:", "thanks 🙏"])
def test_thanks_with_an_emoji_after_an_answer_gets_a_friendly_word_and_pages_no_one(start_bot, thanks):
    # ":pray:" was read as an unknown word: the fallback, and the thread handed to the support team.
    bot = start_bot()
    first = mention("How long do refunds take?")
    post_event(bot.url, first)
    ts = first["event"]["ts"]
    final_text(bot, "C1", ts)
    post_event(bot.url, message(thanks, channel="C1", channel_type="channel", thread_ts=ts))
    assert final_text(bot, "C1", ts, index=1) == MessageCatalog().message("bot.thanks", "en")
    assert [c for c in bot.double.calls_to("chat.postMessage") if c["channel"] == "CHANDOFF"] == []
    assert not bot.manager.in_handoff(CHANNEL_NAME, f"C1:{ts}")


def test_messages_in_one_thread_are_answered_one_after_another_while_other_threads_go_on(start_bot):
    # Two messages at once in a thread were answered side by side, each without the other: stored user, user, assistant, assistant.
    generator = HeldGenerator()
    bot = start_bot(generator=generator, workers=2)
    first = mention("How long do refunds take?")
    post_event(bot.url, first)
    ts = first["event"]["ts"]
    bot.double.wait_for(lambda: generator.started)
    post_event(bot.url, mention("And for gift cards?", thread_ts=ts))  # queued before the other thread's question
    post_event(bot.url, mention("Do you ship to Canada?", channel="C2"))
    bot.double.wait_for(lambda: len(generator.started) == 2)  # the free worker took one of them
    assert generator.started == ["How long do refunds take?", "Do you ship to Canada?"]
    generator.release()
    assert "'And for gift cards?' with 2 earlier messages" in final_text(bot, "C1", ts, index=1)
    assert [m.role for m in bot.manager.store.messages(CHANNEL_NAME, f"C1:{ts}")] == ["user", "assistant", "user", "assistant"]
    assert final_text(bot, "C1", ts).startswith("Answer to 'How long do refunds take?' with 0 earlier messages")
    bot.double.wait_for(lambda: bot.service.bot.pool.conversations == 0)  # no entry left behind
