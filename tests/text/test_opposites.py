import pytest

from supportbot.text.opposites import asks_the_opposite, negated_differently


@pytest.mark.parametrize(
    ("question", "other", "opposite"),
    [
        ("how do I turn off two step verification?", "How do I turn on two-step verification?", True),
        ("How do I turn it off?", "Change or turn off two-step verification", False),
        ("Can I switch text alerts on?", "How do I turn off text alerts?", True),
        ("how do I unsubscribe?", "How do I subscribe to the newsletter?", True),
        ("How do I stop getting marketing emails?", "How do I unsubscribe?", False),
        ("I want to disable SMS codes", "How do I enable SMS codes?", True),
        ("How do I remove a saved card?", "How do I add a card to my account?", True),
        ("Can I add an item to my order?", "Can I add or remove items after ordering?", False),
        ("I can't log in", "Why was I logged out?", True),
        ("What shipping options in Canada?", "How do I opt out of emails?", False),  # "options in" is not opting in
        ("My phone has no signal in the basement", "How do I sign out everywhere?", False),
        ("I signed up for rewards in March", "How do I sign out everywhere?", False),
        ("Why is my card blocked?", "How do I unlock my account?", False),  # "block" is not "lock"
        ("如何关闭两步验证？", "How do I turn on two-step verification?", False),
    ],
)
def test_questions_asking_for_an_action_and_its_undoing_are_told_apart(question, other, opposite):
    assert asks_the_opposite(question, other) is opposite


@pytest.mark.parametrize(
    ("question", "other", "differently"),
    [
        ("can I order without an account?", "Do I need an account to place an order?", True),
        ("Can’t I cancel after an hour?", "Can I cancel my order?", True),
        ("Is it true you don't ship to PO boxes?", "Can you ship a rug to my PO box?", True),
        ("Do I have to make an account?", "Do I need an account to place an order?", False),
        ("Why didn't my code work?", "My promo code isn't working", False),
        ("Can I get the notes app?", "Do you offer free shipping?", False),  # "notes" is not "not"
    ],
)
def test_a_negated_question_is_told_from_one_that_is_not(question, other, differently):
    assert negated_differently(question, other) is differently
