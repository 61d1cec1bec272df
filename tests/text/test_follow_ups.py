import pytest

from supportbot.text.follow_ups import refers_back, subject_is_a_pronoun


@pytest.mark.parametrize(
    ("question", "points_back"),
    [
        ("How long is that link good for?", True),
        ("how long does it take to get there?", True),
        ("Is the new one shipped for free?", True),
        ("And if I checked out as a guest?", True),
        ("What if I lose my phone?", True),
        ("How do I check the balance on mine?", True),
        ("Will I still get emails about my orders?", True),
        ("Can I get a refund in cash?", False),
        ("Is there a student discount?", False),  # "there" that points at nothing
        ("Why are there two charges on my card for one order?", False),
        ("Do you offer gift wrapping?", False),
    ],
)
def test_words_pointing_back_at_the_conversation_are_found(question, points_back):
    assert refers_back(question) is points_back


@pytest.mark.parametrize(
    ("question", "about_nothing_alone"),
    [
        ("do they expire?", True),
        ("Is it free?", True),
        ("and how long does it take?", True),
        ("Is it possible to pay with PayPal?", False),  # "it" that stands for nothing said before
        ("How do I do this in gmail?", False),  # the subject is "I"; "this" is the object
        ("What if I lose my phone?", False),
    ],
)
def test_a_question_whose_subject_is_only_a_pronoun_is_found(question, about_nothing_alone):
    assert subject_is_a_pronoun(question) is about_nothing_alone
