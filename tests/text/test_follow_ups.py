import pytest

from supportbot.text.follow_ups import refers_back


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
