"""Buttons under answers: feedback is stored and acknowledged; handoff pauses the bot until `resume`."""

from __future__ import annotations

import time

from slack_double import block_action, mention, post_action, post_event
from slack_helpers import final_text

from supportbot.text.catalog import MessageCatalog


def answered(bot, question: str = "How long do refunds take?"):
    body = mention(question)
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    final_text(bot, "C1", ts)
    message = bot.double.thread_messages("C1", ts)[0]
    buttons = {e["action_id"]: e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}
    return ts, message["ts"], buttons


def test_feedback_click_is_stored_with_the_answer_and_acknowledged(start_bot):
    bot = start_bot()
    ts, message_ts, buttons = answered(bot)
    status, _ = post_action(bot.url, block_action("supportbot_feedback_down", buttons["supportbot_feedback_down"], "C1", message_ts, ts, user="U7"))
    assert status == 200
    thanks = bot.double.wait_for(lambda: bot.double.calls_to("chat.postEphemeral"))
    assert thanks[0]["user"] == "U7" and thanks[0]["channel"] == "C1"
    (stored,) = bot.service.store.feedback()
    assert stored["rating"] == "down" and stored["user_id"] == "U7"
    assert stored["conversation_id"] == f"C1:{ts}" and "How long do refunds take?" in stored["answer"]


def test_handoff_click_posts_summary_and_bot_stays_quiet_until_resume(start_bot):
    bot = start_bot()
    ts, message_ts, buttons = answered(bot)
    post_action(bot.url, block_action("supportbot_handoff", buttons["supportbot_handoff"], "C1", message_ts, ts))
    summary = bot.double.wait_for(lambda: [c for c in bot.double.calls_to("chat.postMessage") if c["channel"] == "CHANDOFF"])
    assert "How long do refunds take?" in summary[0]["text"] and "<#C1>" in summary[0]["text"]
    assert f"<https://example.slack.com/archives/C1/p{ts.replace('.', '')}|this thread>" in summary[0]["text"]
    bot.double.wait_for(lambda: len(bot.double.thread_messages("C1", ts)) == 2)
    assert "support team" in bot.double.thread_messages("C1", ts)[1]["text"]

    post_event(bot.url, mention("Hello? Anyone?", thread_ts=ts))
    time.sleep(0.4)
    assert len(bot.double.thread_messages("C1", ts)) == 2  # quiet while a person has the thread

    post_event(bot.url, mention("resume", thread_ts=ts, user="UAGENT"))
    assert final_text(bot, "C1", ts, index=2) == MessageCatalog().message("slack.resumed", "en")
    post_event(bot.url, mention("Can I return shoes?", thread_ts=ts))
    assert "Can I return shoes?" in final_text(bot, "C1", ts, index=3)


def test_resume_outside_a_handoff_says_so(start_bot):
    bot = start_bot()
    body = mention("resume")
    post_event(bot.url, body)
    assert final_text(bot, "C1", body["event"]["ts"]) == MessageCatalog().message("slack.not_paused", "en")


def test_low_confidence_fallback_hands_off_to_the_support_channel(start_bot):
    bot = start_bot()
    body = mention("qwxz vlorp snargle fnord")
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    text = final_text(bot, "C1", ts)
    assert text.startswith(bot.manager.bot.fallback_message) and "support team" in text
    assert bot.generator.prompts == []
    assert bot.double.wait_for(lambda: [c for c in bot.double.calls_to("chat.postMessage") if c["channel"] == "CHANDOFF"])
    assert bot.service.store.in_handoff("C1", ts)


def test_chinese_question_gets_the_fallback_and_handoff_notice_in_chinese(start_bot):
    bot = start_bot()
    body = mention("1998年世界杯的冠军是哪个国家？")
    post_event(bot.url, body)
    text = final_text(bot, "C1", body["event"]["ts"])
    catalog = MessageCatalog()
    assert text == catalog.message("bot.fallback", "zh") + "\n\n" + catalog.message("slack.handoff", "zh")
