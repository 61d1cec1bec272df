"""Bursts, restarts and crashes: every accepted event ends visible in its thread, exactly once."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from fakes import QuestionEchoGenerator
from slack_double import mention, post_event, reply_metadata
from slack_helpers import BOT_TOKEN, final_text

from supportbot.channels.slack.store import ANSWERED, BUSY, DONE, FINAL, QUEUED, UNDELIVERED, SlackStore


def stored_answers(bot, channel: str, ts: str) -> list[str]:
    return [m.content for m in bot.manager.store.messages("slack", f"{channel}:{ts}") if m.role == "assistant"]


def shown_texts(bot) -> list[str]:
    """Every text Slack accepted for the bot's messages: posts and edits."""
    return [call.params.get("text", "") for call in bot.double.calls if call.method in ("chat.postMessage", "chat.update") and not call.limited]


@pytest.mark.parametrize("failures", [1, 2])
def test_a_final_edit_slack_answers_with_500_is_retried_and_the_thread_shows_the_stored_answer(start_bot, failures):
    # One 500 replaced the answer with the apology, while the conversation kept the answer; two left "Looking into it…".
    bot = start_bot(update_interval=60)  # no streaming edits: the first chat.update is the final one
    bot.double.server_errors["chat.update"] = failures
    body = mention("How long do refunds take?")
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    text = final_text(bot, "C1", ts)
    assert "How long do refunds take?" in text
    assert stored_answers(bot, "C1", ts) == [text]
    assert bot.manager.bot.error_message not in shown_texts(bot)
    bot.double.wait_for(lambda: bot.service.store.event_status(body["event_id"]) == ANSWERED)


def test_a_final_edit_still_refused_after_the_retries_is_shown_later_not_replaced_by_an_apology(start_bot):
    # A 429 outlasting slack.max_rate_limit_retries ended as the apology over the answer, or "Looking into it…" for good.
    bot = start_bot(update_interval=60, max_rate_limit_retries=0, claim_lease=0.6)  # tried again after 0.2 s, then 0.4 s
    bot.double.rate_limit["chat.update"] = 2
    body = mention("How long do refunds take?")
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    text = final_text(bot, "C1", ts)
    assert "How long do refunds take?" in text
    assert stored_answers(bot, "C1", ts) == [text]
    assert bot.manager.bot.error_message not in shown_texts(bot)
    assert len(bot.double.thread_messages("C1", ts)) == 1 and len(bot.generator.prompts) == 1  # shown, not generated again
    bot.double.wait_for(lambda: bot.service.store.event_status(body["event_id"]) == ANSWERED)


def buttons(message: dict) -> set[str]:
    return {element["action_id"] for block in message.get("blocks") or [] if block["type"] == "actions" for element in block["elements"]}


def test_an_answer_slack_will_not_edit_in_by_the_last_try_is_posted_as_a_new_message(start_bot):
    # Marked failed after the last try: the thread showed "Looking into it…" for good, the conversation kept the answer.
    bot = start_bot(update_interval=60, max_rate_limit_retries=0, claim_lease=0.6)  # tries after 0.2 s, 0.4 s ... 3.2 s
    bot.double.rate_limit["chat.update"] = 1000  # Slack refuses every edit, not other calls
    body = mention("How long do refunds take?")
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    bot.double.wait_for(lambda: bot.service.store.event_status(body["event_id"]) == ANSWERED)
    (shown,) = bot.double.thread_messages("C1", ts)  # the answer, posted anew; "Looking into it…" deleted
    assert "How long do refunds take?" in shown["text"] and "supportbot_feedback_up" in buttons(shown)
    assert stored_answers(bot, "C1", ts) == [shown["text"]] and len(bot.generator.prompts) == 1
    reply = bot.service.store.reply(body["event_id"])
    assert (reply.state, reply.ts) == (DONE, shown["ts"])  # a rating on the new message finds the answer


def test_an_answer_whose_placeholder_was_deleted_is_posted_as_a_new_message_at_once(start_bot):
    # Slack's message_not_found is not worth trying again: the event failed at once and the thread had no answer.
    bot = start_bot(update_interval=60)
    bot.double.refuse["chat.update"] = "message_not_found"
    body = mention("How long do refunds take?")
    post_event(bot.url, body)
    ts = body["event"]["ts"]
    bot.double.wait_for(lambda: bot.service.store.event_status(body["event_id"]) == ANSWERED)
    (shown,) = bot.double.thread_messages("C1", ts)
    assert "How long do refunds take?" in shown["text"] and "supportbot_feedback_up" in buttons(shown)
    assert len(bot.double.calls_to("chat.update")) == 1  # not tried again: Slack said it never will


def test_an_answer_slack_will_neither_edit_in_nor_post_is_marked_undelivered_and_its_thread_logged(start_bot, caplog):
    # Marked failed like an answered-with-apology event, with only "giving up" in the log: nothing said which thread to follow up.
    bot = start_bot(update_interval=60, max_rate_limit_retries=0, claim_lease=0.6)
    bot.double.rate_limit["chat.update"] = 1000
    body = mention("How long do refunds take?")
    ts = body["event"]["ts"]
    with caplog.at_level(logging.WARNING, logger="supportbot"):
        post_event(bot.url, body)
        bot.double.wait_for(lambda: any(call.method == "chat.update" and call.limited for call in bot.double.calls))
        bot.double.server_errors["chat.postMessage"] = 1  # the placeholder is up; posting the answer anew fails
        bot.double.wait_for(lambda: bot.service.store.event_status(body["event_id"]) == UNDELIVERED)
    (placeholder,) = bot.double.thread_messages("C1", ts)
    assert placeholder["text"] == bot.manager.message("slack.working", "en")
    reply = bot.service.store.reply(body["event_id"])
    assert reply.state == FINAL and "How long do refunds take?" in reply.text  # what the customer never saw, for a person to send
    lines = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert any(f"channel C1, thread {ts}" in line and "new message" in line for line in lines)
    assert any(f"channel C1, thread {ts}" in line and UNDELIVERED in line for line in lines)
    assert not [line for line in lines if "refunds" in line or BOT_TOKEN in line]


def test_an_event_slack_keeps_refusing_is_given_up_after_its_tries(tmp_path):
    store = SlackStore(tmp_path / "conversations.sqlite3")
    store.claim_event("Ev1", {"event_id": "Ev1"}, owner="a", lease=30)
    for _ in range(3):
        assert store.retry_later("Ev1", "a", first_delay=0, max_tries=3)
        assert store.adopt_orphans("a", lease=30, limit=5) == ["Ev1"]  # any instance may take it again, this one too
    assert not store.retry_later("Ev1", "a", first_delay=0, max_tries=3)
    store.close()


def test_burst_of_20_mentions_all_answered_or_told_busy_none_lost(start_bot):
    bot = start_bot(generator=QuestionEchoGenerator(delay=0.1), workers=2, queue_size=4)  # ~1 s an answer: the burst overflows
    bodies = [mention(f"Question number {i} about refunds?", channel=f"C{i}") for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda body: post_event(bot.url, body), bodies))
    assert all(status == 200 for status, _ in results)
    assert max(seconds for _, seconds in results) < 3.0  # Slack's ack deadline
    busy = bot.service.config.busy_message
    outcomes = [final_text(bot, body["event"]["channel"], body["event"]["ts"]) for body in bodies]
    for i, text in enumerate(outcomes):
        assert text == busy or f"Question number {i} about refunds?" in text
        assert len(bot.double.thread_messages(f"C{i}", bodies[i]["event"]["ts"])) == 1
    assert busy in outcomes and any(text != busy for text in outcomes)
    refused = f'supportbot_refused_requests_total{{channel="slack",reason="busy"}} {float(outcomes.count(busy))}'
    assert refused in bot.manager.metrics.exposition()[0].decode()
    # The status is set just after the final edit reaches Slack; nothing is left queued.
    bot.double.wait_for(lambda: {bot.service.store.event_status(body["event_id"]) for body in bodies} <= {ANSWERED, BUSY})


def test_event_accepted_before_a_stop_is_answered_at_the_next_start(start_bot, slack_double, isolated_data_dir):
    body = mention("How long do refunds take?")
    store = SlackStore(isolated_data_dir / "conversations.sqlite3")
    assert store.claim_event(body["event_id"], body, owner="crashed-instance", lease=0)  # accepted (acked), then the process died
    store.close()
    bot = start_bot()
    assert "How long do refunds take?" in final_text(bot, "C1", body["event"]["ts"])
    bot.double.wait_for(lambda: bot.service.store.event_status(body["event_id"]) == ANSWERED)


def test_reply_posted_before_a_crash_is_reused_not_posted_twice(start_bot, slack_double, isolated_data_dir):
    body = mention("How long do refunds take?")
    ts = body["event"]["ts"]
    store = SlackStore(isolated_data_dir / "conversations.sqlite3")
    store.claim_event(body["event_id"], body, owner="crashed-instance", lease=0)
    store.record_reply(body["event_id"], "C1", ts, f"C1:{ts}", "Looking into it…")
    store.close()
    # The post reached Slack, but the process died before it could note the message's ts.
    slack_double._answer("chat.postMessage", {"channel": "C1", "thread_ts": ts, "text": "Looking into it…", "metadata": reply_metadata(body["event_id"])})
    bot = start_bot()
    assert "How long do refunds take?" in final_text(bot, "C1", ts)
    assert len(slack_double.calls_to("chat.postMessage")) == 1  # the one from before the crash


def test_final_answer_recorded_before_a_crash_is_shown_without_generating_again(start_bot, slack_double, isolated_data_dir):
    body = mention("How long do refunds take?")
    ts = body["event"]["ts"]
    store = SlackStore(isolated_data_dir / "conversations.sqlite3")
    store.claim_event(body["event_id"], body, owner="crashed-instance", lease=0)
    store.record_reply(body["event_id"], "C1", ts, f"C1:{ts}", "Looking into it…")
    store.reply_posted(body["event_id"], "1800000000.000999")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Refunds take 5 days."}}]
    store.record_final(body["event_id"], "Refunds take 5 days.", blocks)
    store.close()
    bot = start_bot()
    update = slack_double.wait_for(lambda: slack_double.calls_to("chat.update"))
    assert update[0]["ts"] == "1800000000.000999" and update[0]["text"] == "Refunds take 5 days."
    assert slack_double.calls_to("chat.postMessage") == [] and bot.generator.prompts == []


def test_stop_finishes_answers_in_progress_and_hands_back_the_queue(start_bot, caplog):
    bot = start_bot(generator=QuestionEchoGenerator(delay=0.05), workers=1, queue_size=10)
    bodies = [mention(f"Question {i} about shipping?", channel=f"C{i}") for i in range(4)]
    for body in bodies:
        post_event(bot.url, body)
    bot.double.wait_for(lambda: bot.generator.prompts)
    with caplog.at_level(logging.INFO, logger="supportbot"):
        bot.service.stop(grace=10)
    assert "Question 0 about shipping?" in final_text(bot, "C0", bodies[0]["event"]["ts"])
    assert "queued event(s) not started" in caplog.text
    assert QUEUED in {bot.service.store.event_status(body["event_id"]) for body in bodies[1:]}  # handed back, still owed
    restarted = start_bot(generator=QuestionEchoGenerator())
    for i, body in enumerate(bodies):
        assert f"Question {i} about shipping?" in final_text(restarted, f"C{i}", body["event"]["ts"])
        assert len(restarted.double.thread_messages(f"C{i}", body["event"]["ts"])) == 1
