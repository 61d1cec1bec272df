"""What a Slack user is told: a request for a person with its reason is handed over, a rating the bot could not
store is not thanked, and a DM's handoff says a person will write to them, not the web widget's words."""

from __future__ import annotations

import time

from slack_double import block_action, mention, message, post_action, post_event
from slack_helpers import final_text

from supportbot.channels.slack.store import SLACK_TABLES
from supportbot.text.catalog import MessageCatalog


def summaries(bot) -> list[str]:
    return [call["text"] for call in bot.double.calls_to("chat.postMessage") if call["channel"] == "CHANDOFF"]


def test_a_request_for_a_person_with_its_reason_is_handed_to_the_team(start_bot):
    bot = start_bot()
    for n, said in enumerate(["I was charged twice, I want to talk to a human", "请帮我转人工，订单5521没到"]):
        body = mention(said, channel="C9")
        post_event(bot.url, body)
        ts = body["event"]["ts"]
        notice = final_text(bot, "C9", ts)
        language = "zh" if n else "en"
        assert notice == MessageCatalog().message("slack.handoff", language)  # the bot answered these itself
        assert bot.manager.in_handoff("slack", f"C9:{ts}")
        assert said in bot.double.wait_for(lambda n=n: len(summaries(bot)) > n and summaries(bot))[n]  # the reason, for the team


def test_a_rating_of_an_answer_no_longer_stored_is_not_thanked(start_bot):
    bot = start_bot()
    asked = message("How long do refunds take?", channel="D5")
    post_event(bot.url, asked)
    ts = asked["event"]["ts"]
    final_text(bot, "D5", ts)
    answer = bot.double.thread_messages("D5", ts)[0]
    buttons = {e["action_id"]: e["value"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]}
    bot.manager.store.purge(time.time() + 1, SLACK_TABLES.expiring)  # what privacy.retention_days does, a day later
    status, _ = post_action(bot.url, block_action("supportbot_feedback_down", buttons["supportbot_feedback_down"], "D5", answer["ts"], ts))
    assert status == 200
    (said,) = bot.double.wait_for(lambda: bot.double.calls_to("chat.postEphemeral"))
    assert said["text"] == MessageCatalog().message("slack.feedback_not_stored", "en")  # was "Thanks for the feedback!"
    assert bot.manager.store.feedback("slack", f"D5:{ts}") == []


def test_a_handoff_in_a_dm_says_a_person_will_write_to_the_customer_in_their_language(start_bot):
    bot = start_bot()
    asked = message("我要找人工客服", channel="D6")
    post_event(bot.url, asked)
    notice = final_text(bot, "D6", asked["event"]["ts"])
    catalog = MessageCatalog()
    assert notice == catalog.message("slack.handoff_dm", "zh")  # was the web widget's "take over this conversation"
    assert notice != catalog.message("widget.handoff", "zh")
