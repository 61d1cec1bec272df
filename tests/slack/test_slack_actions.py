"""Buttons under answers: feedback is stored and acknowledged; handoff pauses the bot until `resume`."""

from __future__ import annotations

import logging
import time
import urllib.request

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
    (stored,) = bot.manager.store.feedback("slack", f"C1:{ts}")  # the core store's ratings, as every channel's
    assert stored["rating"] == "down" and stored["rater"] == "U7"
    (answer,) = [m for m in bot.manager.store.messages("slack", f"C1:{ts}") if m.id == stored["message_id"]]
    assert answer.role == "assistant" and "How long do refunds take?" in answer.content
    with urllib.request.urlopen(bot.url.replace("/slack/events", "/metrics"), timeout=5) as response:  # what Prometheus scrapes
        scraped = response.read().decode()
    assert 'supportbot_feedback_total{channel="slack",rating="down"} 1.0' in scraped
    assert 'supportbot_answers_total{channel="slack",kind="generated"} 1.0' in scraped


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

    bot.double.members["CHANDOFF"] = ["UAGENT", "ULEAD"]
    post_event(bot.url, mention("resume", thread_ts=ts, user="U1"))  # the customer is not the support team
    assert final_text(bot, "C1", ts, index=2) == MessageCatalog().message("slack.not_allowed_to_resume", "en")
    assert bot.manager.in_handoff("slack", f"C1:{ts}")
    post_event(bot.url, mention("resume", thread_ts=ts, user="UAGENT"))
    assert final_text(bot, "C1", ts, index=3) == MessageCatalog().message("slack.resumed", "en")
    post_event(bot.url, mention("Can I return shoes?", thread_ts=ts))
    assert "Can I return shoes?" in final_text(bot, "C1", ts, index=4)


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
    catalog = MessageCatalog()  # the decline without its offer of a person: the notice says one is coming
    assert text == catalog.message("bot.fallback_no_person", "en") + "\n\n" + catalog.message("slack.handoff", "en")
    assert bot.generator.prompts == []
    assert bot.double.wait_for(lambda: [c for c in bot.double.calls_to("chat.postMessage") if c["channel"] == "CHANDOFF"])
    assert bot.manager.in_handoff("slack", f"C1:{ts}")
    assert metric(bot, 'supportbot_handoffs_total{channel="slack",outcome="started"} 1.0')


def metric(bot, line: str) -> bool:
    return line in bot.manager.metrics.exposition()[0].decode()


def test_handoff_that_cannot_reach_the_team_says_so_and_the_bot_keeps_answering(start_bot, caplog):
    bot = start_bot()
    bot.double.refuse_posts_to["CHANDOFF"] = "not_in_channel"  # the app was never invited to the handoff channel
    ts, message_ts, buttons = answered(bot)
    with caplog.at_level(logging.ERROR, logger="supportbot"):
        post_action(bot.url, block_action("supportbot_handoff", buttons["supportbot_handoff"], "C1", message_ts, ts))
        bot.double.wait_for(lambda: len(bot.double.thread_messages("C1", ts)) == 2)
    assert bot.double.thread_messages("C1", ts)[1]["text"] == MessageCatalog().message("slack.handoff_failed", "en")
    assert not bot.manager.in_handoff("slack", f"C1:{ts}")
    assert "handoff of thread" in caplog.text and "not_in_channel" in caplog.text
    assert metric(bot, 'supportbot_handoffs_total{channel="slack",outcome="failed"} 1.0')

    post_event(bot.url, mention("Can I return shoes?", thread_ts=ts))
    assert "Can I return shoes?" in final_text(bot, "C1", ts, index=2)  # not left paused


def test_low_confidence_fallback_whose_handoff_fails_tells_the_customer_no_one_was_reached(start_bot):
    bot = start_bot()
    bot.double.refuse_posts_to["CHANDOFF"] = "channel_not_found"
    body = mention("qwxz vlorp snargle fnord")
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    text = final_text(bot, "C1", ts)
    catalog = MessageCatalog()
    assert text == catalog.message("bot.fallback_no_person", "en") + "\n\n" + catalog.message("slack.handoff_failed", "en")
    assert not bot.manager.in_handoff("slack", f"C1:{ts}")
    assert metric(bot, 'supportbot_handoffs_total{channel="slack",outcome="failed"} 1.0')


def test_chinese_question_gets_the_fallback_and_handoff_notice_in_chinese(start_bot):
    bot = start_bot()
    body = mention("1998年世界杯的冠军是哪个国家？")
    post_event(bot.url, body)
    text = final_text(bot, "C1", body["event"]["ts"])
    catalog = MessageCatalog()
    assert text == catalog.message("bot.fallback_no_person", "zh") + "\n\n" + catalog.message("slack.handoff", "zh")


def test_asking_for_a_person_in_words_hands_the_thread_to_the_support_channel(start_bot):
    bot = start_bot()
    body = mention("talk to a human")
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    assert final_text(bot, "C1", ts) == MessageCatalog().message("slack.handoff", "en")  # not the fallback first
    summary = bot.double.wait_for(lambda: [c for c in bot.double.calls_to("chat.postMessage") if c["channel"] == "CHANDOFF"])
    assert "(asked for a person) by <@U1>" in summary[0]["text"] and "talk to a human" in summary[0]["text"]
    assert bot.manager.in_handoff("slack", f"C1:{ts}")


def test_without_a_handoff_channel_yes_to_the_fallbacks_offer_says_no_one_can_be_reached(start_bot):
    bot = start_bot(handoff_channel="")
    body = mention("qwxz vlorp snargle fnord")
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    assert final_text(bot, "C1", ts) == "I'm sorry, I don't have an answer to that in our help center."  # no person offered
    post_event(bot.url, mention("yes please", thread_ts=ts))
    assert final_text(bot, "C1", ts, index=1) == MessageCatalog().message("bot.no_handoff", "en")
    assert not bot.manager.in_handoff("slack", f"C1:{ts}")
