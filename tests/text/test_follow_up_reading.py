import pytest

from supportbot.text.follow_up_reading import follow_up_reading
from supportbot.text.follow_ups import names_its_subject, names_nothing, new_subject
from supportbot.text.other_script_words import other_script_words


def _shared_letters(phrases, text):
    """A stand-in for embedding similarity where the model is not what is under test."""
    return [len(set(p.lower()) & set(text.lower())) / len(set(p.lower()) | set(text.lower())) for p in phrases]


@pytest.mark.parametrize(
    ("question", "moved_to"),
    [
        ("and exchanges?", ("", "exchanges")),
        ("What about shipping?", ("", "shipping")),
        ("and to the UK?", ("to", "the UK")),
        ("how about for gift cards?", ("for", "gift cards")),
        ("or Apple Pay too?", ("", "Apple Pay")),
        ("And if I paid with a gift card?", None),  # a condition on the same subject
        ("and how fast is expedited?", None),  # a question of its own
        ("what about it?", None),
        ("Is there a student discount?", None),
    ],
)
def test_a_follow_up_that_moves_to_a_new_subject_is_found(question, moved_to):
    assert new_subject(question) == moved_to


@pytest.mark.parametrize(
    ("question", "nothing"),
    [("how much?", True), ("How long is it?", True), ("and when?", True), ("How much is standard shipping?", False), ("Refunds?", False)],
)
def test_a_question_that_names_nothing_is_found_and_names_no_subject(question, nothing):
    assert names_nothing(question) is nothing
    if nothing:
        assert not names_its_subject(question)


@pytest.mark.parametrize(
    ("conversation", "continues", "text"),
    [
        (["How long do refunds take?", "and for gift cards?"], "How long do refunds take?", "How long do refunds take for gift cards?"),
        (["Do you ship to Canada?", "and to the UK?"], "Do you ship to Canada?", "Do you ship to the UK?"),
        (
            ["How much is standard shipping?", "and how fast is expedited?", "and for overnight?"],
            "How much is standard shipping?\nand how fast is expedited?",  # all that was asked is asked again
            "How much is standard shipping?\nand how fast is expedited for overnight?",
        ),
        (
            ["How long do refunds take?", "what about shipping?", "how long does that take?", "and how much does it cost?"],
            "what about shipping?",  # the last question that named a subject, in its own words
            "what about shipping?\nand how much does it cost?",
        ),
        (["Is there a warranty on the blender?", "how long is it?"], "Is there a warranty on the blender?", "how long is the warranty on the blender?"),
        (["Is there a warranty on the blender?", "how much?"], "Is there a warranty on the blender?", "how much is the warranty on the blender?"),
    ],
)
def test_a_follow_up_is_read_with_the_most_recent_subject(conversation, continues, text):
    reading = follow_up_reading(conversation[-1], conversation[:-1], _shared_letters)
    assert (reading.continues, reading.text) == (continues, text)


@pytest.mark.parametrize(
    ("question", "words"),
    [("请问 refund 要多久", ["refund"]), ("Klarna可以分期吗", ["Klarna"]), ("退款要多久？", []), ("How long do refunds take?", [])],
)
def test_words_in_another_script_than_the_question_are_found(question, words):
    assert other_script_words(question) == words
