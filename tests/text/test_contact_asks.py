"""Which questions ask how to reach the company by email or phone."""

from __future__ import annotations

import pytest

from supportbot.text.contact_asks import asked_contact


@pytest.mark.parametrize(
    "question, contact",
    [
        ("What's the support email?", "email"),
        ("what is your e-mail address", "email"),
        ("Can I email you about a return?", "email"),
        ("Can I call you?", "phone"),
        ("What’s your phone number?", "phone"),
        ("Is there a customer service hotline?", "phone"),
        ("How do I email customer support?", "email"),
        ("你们的邮箱是什么？", "email"),
        ("客服电话是多少？", "phone"),
    ],
)
def test_a_question_asking_for_a_way_to_reach_the_company(question, contact):
    assert asked_contact(question) == contact


@pytest.mark.parametrize(
    "question",
    [
        "How do I change my email?",
        "I didn't get the confirmation email",
        "How do I unsubscribe from your marketing emails?",
        "Can I pay over the phone?",
        "can I call someone on Sunday",  # asks when, of no one named: the docs' hours answer it as any question
        "How long do refunds take?",
        "我的邮箱怎么修改？",
        "I'd like to send an email with a delay, does gmail support this?",  # "support" as a verb: not the company
    ],
)
def test_a_question_about_the_customers_own_email_or_anything_else_asks_for_none(question):
    assert asked_contact(question) is None
