"""A request for a person that gives its reason beside it is still a request; a person named beside a question, or
a request about a subject, is not."""

from __future__ import annotations

import pytest

from supportbot.text.small_talk import asks_for_person, only_asks_for_person


@pytest.mark.parametrize(
    "message",
    [
        "I was charged twice, I want to talk to a human",  # the bot answered these itself: no person was told
        "charged twice. can I talk to a person?",
        "my order is late, let me speak to someone please",
        "请帮我转人工，订单5521没到",
        "订单没到。我要找人工客服",
        "Hi, can I talk to someone?",
        "No, I want to talk to a person",
        "My package was damaged.\nCan I speak to an agent",
    ],
)
def test_a_request_for_a_person_beside_its_reason_asks_for_one(message):
    assert asks_for_person(message)
    assert not only_asks_for_person(message)  # the reason is the customer's question, for the gaps report


@pytest.mark.parametrize(
    "message",
    [
        "Can I talk to someone about returns?",  # one clause about a subject: the help center may answer it
        "Do you have a person I can call?",
        "Where is my order, support?",  # whom the question is for, not a request
        "Hello support, where is my order?",
        "客服，我的订单呢？",
        "I don't want to talk to a person, just tell me the refund policy",
        "Thanks, customer service was great",
        "How do I contact support? I need help",
    ],
)
def test_a_question_about_or_to_a_person_is_not_a_request_for_one(message):
    assert not asks_for_person(message)
