"""Two `supportbot slack` processes on one PostgreSQL store: each event answered once, conversations
continued across instances, and a killed instance's event answered by the other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from instances import BotProcess, OpenAIDouble, echo_answer, instance_env
from slack_double import mention, post_event
from slack_helpers import final_text

from supportbot.store import ConversationStore


@pytest.mark.slow
def test_two_instances_share_events_and_conversations_and_take_over_from_a_killed_one(postgres_url, slack_double, sample_index_dir):
    slack = SimpleNamespace(double=slack_double)
    with OpenAIDouble(echo_answer(delay_s=0.2)) as model:
        env = instance_env(slack_double.api_url, postgres_url, sample_index_dir, model.base_url, slack_claim_lease="2")
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(lambda _: BotProcess(env), range(2))
        try:
            # One event reaches both instances (Slack retried it; the balancer sent the retry to the other one).
            body = mention("How long do refunds take?")
            ts = body["event"]["ts"]
            with ThreadPoolExecutor(2) as pool:
                statuses = list(pool.map(lambda call: post_event(*call)[0], [(first.url, body), (second.url, body, 1)]))
            assert statuses == [200, 200]
            assert "How long do refunds take?" in final_text(slack, "C1", ts)
            # The follow-up reaches the other instance, which continues the same conversation.
            post_event(second.url, mention("And for gift cards?", thread_ts=ts))
            assert "with 2 earlier messages" in final_text(slack, "C1", ts, index=1)
            assert len(slack_double.thread_messages("C1", ts)) == 2  # one reply each, never twice

            # An instance dies mid-answer: the other takes the event over once its claim runs out.
            body = mention("Do you ship to Norway?", channel="C2")
            ts = body["event"]["ts"]
            post_event(first.url, body)
            slack_double.wait_for(lambda: slack_double.thread_messages("C2", ts))  # the placeholder is up: it is answering
            first.kill()
            assert "Do you ship to Norway?" in final_text(slack, "C2", ts)
            assert len(slack_double.thread_messages("C2", ts)) == 1  # the same message, finished by the survivor
            assert any("taking over 1 accepted event" in line for line in second.log)
        finally:
            first.kill()
            second.stop()
    store = ConversationStore(postgres_url)
    assert [m.role for m in store.messages("slack", f"C2:{ts}")] == ["user", "assistant"]  # the question stored once
    store.close()
