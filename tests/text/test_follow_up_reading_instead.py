import pytest

from supportbot.text.follow_up_reading import follow_up_reading


def _shared_letters(phrases, text):
    """A stand-in for embedding similarity where the model is not what is under test."""
    return [len(set(p.lower()) & set(text.lower())) / len(set(p.lower()) | set(text.lower())) for p in phrases]


@pytest.mark.parametrize(
    ("conversation", "text", "instead"),
    [
        (["How long do refunds take?", "and for exchanges?"], "How long do refunds take for exchanges?", "How long do exchanges take?"),
        (["Do you ship to Canada?", "and to the UK?"], "Do you ship to the UK?", ""),  # the preposition is there: replaced
        (["How long do refunds take?", "and exchanges?"], "How long do exchanges take?", ""),
    ],
)
def test_a_preposition_the_question_before_lacks_also_offers_the_subject_in_its_place(conversation, text, instead):
    reading = follow_up_reading(conversation[-1], conversation[:-1], _shared_letters)
    assert (reading.text, reading.instead) == (text, instead)
    assert reading.about == ("exchanges" if instead else "")
