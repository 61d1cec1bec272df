"""Which messages the bot takes as its own conversation's, over real HTTP against the Slack double (findings of the
Slack fuzzing: follow-ups dropped while the first question waited, after the busy notice or the greeting; a colleague's
message answered; a DM's top-level follow-ups without history; forwarded messages read as empty)."""

from __future__ import annotations

import time

from slack_double import mention, message, post_event
from slack_helpers import HeldGenerator, final_text

from supportbot.text.catalog import MessageCatalog


def in_thread(text: str, ts: str, channel: str = "C1", user: str = "U1", **extra):
    return message(text, channel=channel, channel_type="channel", thread_ts=ts, user=user, **extra)


def quiet(bot, channel: str, ts: str, count: int) -> bool:
    time.sleep(0.6)
    return len(bot.double.thread_messages(channel, ts)) == count and bot.service.bot.pool.conversations == 0


def test_follow_up_typed_while_the_first_question_waits_for_a_worker_is_answered_after_it(start_bot):
    generator = HeldGenerator()
    bot = start_bot(generator=generator, workers=1)
    post_event(bot.url, mention("Do you ship to Norway?", channel="C9"))  # takes the only worker
    bot.double.wait_for(lambda: generator.started)
    first = mention("How long do refunds take?")
    ts = first["event"]["ts"]
    post_event(bot.url, first)
    post_event(bot.url, in_thread("I ordered it on Monday, order 5521", ts))  # no mention: the thread is the bot's
    generator.release()
    assert final_text(bot, "C1", ts).startswith("Answer to 'How long do refunds take?' with 0 earlier messages")
    assert "'I ordered it on Monday, order 5521' with 2 earlier messages" in final_text(bot, "C1", ts, index=1)


def test_asking_again_in_the_thread_after_the_busy_notice_is_answered(start_bot):
    generator = HeldGenerator()
    bot = start_bot(generator=generator, workers=1, queue_size=1)
    post_event(bot.url, mention("Do you ship to Norway?", channel="C9"))
    bot.double.wait_for(lambda: generator.started)
    post_event(bot.url, mention("Do you ship to Canada?", channel="C8"))  # waits: the queue is full now
    refused = mention("How long do refunds take?")
    ts = refused["event"]["ts"]
    post_event(bot.url, refused)
    assert final_text(bot, "C1", ts) == MessageCatalog().message("slack.busy", "en")
    generator.release()
    bot.double.wait_for(lambda: bot.service.bot.pool.conversations == 0)
    post_event(bot.url, in_thread("How long do refunds take?", ts))  # as the notice asked
    assert "Answer to 'How long do refunds take?'" in final_text(bot, "C1", ts, index=1)


def test_question_typed_in_the_thread_of_an_empty_mention_is_answered(start_bot):
    bot = start_bot()
    greeting = mention("")
    ts = greeting["event"]["ts"]
    post_event(bot.url, greeting)
    assert final_text(bot, "C1", ts) == MessageCatalog().message("bot.empty_question", "en")
    post_event(bot.url, in_thread("How long do refunds take?", ts))
    assert "Answer to 'How long do refunds take?'" in final_text(bot, "C1", ts, index=1)


def test_message_to_a_colleague_in_the_bots_thread_is_left_to_them(start_bot):
    bot = start_bot(answer_without_mention=["COPEN"])
    first = mention("How long do refunds take?")
    ts = first["event"]["ts"]
    post_event(bot.url, first)
    final_text(bot, "C1", ts)
    for text in ("<@U2> can you check order 1234 for this customer?", "<!subteam^S1> anyone around?", "<!here> who has this one?"):
        post_event(bot.url, in_thread(text, ts, user="U3"))
    open_channel = message("<@U2> lunch?", channel="COPEN", channel_type="channel")
    post_event(bot.url, open_channel)
    assert quiet(bot, "C1", ts, 1)
    assert bot.double.thread_messages("COPEN", open_channel["event"]["ts"]) == []
    post_event(bot.url, mention("<@U2> and for gift cards?", thread_ts=ts))  # the bot is asked too
    assert "'and for gift cards?' with 2 earlier messages" in final_text(bot, "C1", ts, index=1)


def test_resume_said_with_punctuation_or_politely_resumes_and_other_words_do_not(start_bot):
    bot = start_bot()
    bot.double.members["CHANDOFF"] = ["UAGENT"]
    for said in ("resume.", "Please resume!", "ok, you can resume now"):
        body = mention("talk to a human")
        ts = body["event"]["ts"]
        post_event(bot.url, body)
        final_text(bot, "C1", ts)
        post_event(bot.url, mention("don't resume yet", thread_ts=ts, user="UAGENT"))
        assert quiet(bot, "C1", ts, 1)
        post_event(bot.url, mention(said, thread_ts=ts, user="UAGENT"))
        assert final_text(bot, "C1", ts, index=1) == MessageCatalog().message("slack.resumed", "en")
        assert not bot.manager.in_handoff("slack", f"C1:{ts}")


def test_handoff_from_a_dm_gives_the_team_the_conversation_and_the_dm_goes_on(start_bot):
    bot = start_bot()
    first = message("How long do refunds take?", channel="D7")
    post_event(bot.url, first)
    final_text(bot, "D7", first["event"]["ts"])
    asked = message("I want to talk to a person", channel="D7")
    post_event(bot.url, asked)
    notice = final_text(bot, "D7", asked["event"]["ts"])
    assert notice == MessageCatalog().message("slack.handoff_dm", "en")  # not "join this thread ... @supportbot resume"
    (summary,) = [c["text"] for c in bot.double.calls_to("chat.postMessage") if c["channel"] == "CHANDOFF"]
    assert "write to <@U1> directly" in summary and "archives/D7" not in summary and "<#D7>" not in summary
    assert "How long do refunds take?" in summary and "I want to talk to a person" in summary  # the transcript
    assert bot.double.calls_to("chat.getPermalink") == []
    later = message("Do you ship to Canada?", channel="D7")
    post_event(bot.url, later)
    assert "'Do you ship to Canada?'" in final_text(bot, "D7", later["event"]["ts"])  # not silent for good


def test_a_dms_top_level_follow_up_continues_its_conversation_until_it_has_been_idle(start_bot):
    bot = start_bot()
    first = message("How long do refunds take?", channel="D3")
    post_event(bot.url, first)
    final_text(bot, "D3", first["event"]["ts"])
    follow_up = message("And for gift cards?", channel="D3")  # typed in the DM box, not the thread
    post_event(bot.url, follow_up)
    assert "'And for gift cards?' with 2 earlier messages" in final_text(bot, "D3", follow_up["event"]["ts"])
    in_answer_thread = message("And for rugs?", channel="D3", thread_ts=first["event"]["ts"])
    post_event(bot.url, in_answer_thread)
    assert "'And for rugs?' with 4 earlier messages" in final_text(bot, "D3", first["event"]["ts"], index=1)
    bot.service.bot.threads.dm_idle = 0  # as if an hour went by
    fresh = message("Do you ship to Canada?", channel="D3")
    post_event(bot.url, fresh)
    assert "with 0 earlier messages" in final_text(bot, "D3", fresh["event"]["ts"])


def test_forwarded_and_rich_text_only_messages_are_read(start_bot):
    bot = start_bot()
    forwarded = message("", channel="D1", attachments=[{"is_share": True, "text": "How long do refunds take?", "fallback": "[forwarded]"}])
    post_event(bot.url, forwarded)
    assert "Answer to 'How long do refunds take?'" in final_text(bot, "D1", forwarded["event"]["ts"])
    section = [{"type": "text", "text": "Do you ship to "}, {"type": "text", "text": "Canada & Mexico?", "style": {"bold": True}}]
    rich = message("", channel="D2", blocks=[{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": section}]}])
    post_event(bot.url, rich)
    assert "Answer to 'Do you ship to Canada & Mexico?'" in final_text(bot, "D2", rich["event"]["ts"])


def test_a_file_without_words_in_a_conversation_under_way_gets_no_greeting(start_bot):
    bot = start_bot()
    first = mention("How long do refunds take?")
    ts = first["event"]["ts"]
    post_event(bot.url, first)
    final_text(bot, "C1", ts)
    files = [{"id": "F1", "name": "screenshot.png", "mimetype": "image/png"}]
    post_event(bot.url, in_thread("", ts, subtype="file_share", files=files))
    dm = message("Where is my order?", channel="D4")
    post_event(bot.url, dm)
    final_text(bot, "D4", dm["event"]["ts"])
    screenshot = message("", channel="D4", subtype="file_share", files=files)
    post_event(bot.url, screenshot)
    assert quiet(bot, "C1", ts, 1)
    assert bot.double.thread_messages("D4", screenshot["event"]["ts"]) == []
    alone = message("", channel="D5", subtype="file_share", files=files)  # a DM's first message: the greeting still
    post_event(bot.url, alone)
    assert final_text(bot, "D5", alone["event"]["ts"]) == MessageCatalog().message("bot.empty_question", "en")


def test_decline_handed_to_the_team_says_one_thing_in_english_and_chinese(start_bot):
    bot = start_bot()
    catalog = MessageCatalog()
    for question, language in (("qwxz vlorp snargle fnord", "en"), ("1998年世界杯的冠军是哪个国家？", "zh")):
        body = mention(question)
        post_event(bot.url, body)
        text = final_text(bot, "C1", body["event"]["ts"])
        assert text == catalog.message("bot.fallback_no_person", language) + "\n\n" + catalog.message("slack.handoff", language)
        assert catalog.message("bot.fallback", language) not in text  # no "Would you like me to connect you…?"
