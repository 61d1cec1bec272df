"""Control characters in a customer's message are not stored, and the words they stood between stay apart."""

from __future__ import annotations

from web_helpers import ask, new_session


def asked(web_bot, client_address: str, question: str) -> tuple[str, dict]:
    """What the store kept of `question`, and the answer's supportbot metadata."""
    with web_bot.client(client_address) as client:
        answer = ask(client, question, new_session(client)).json()["supportbot"]
    (stored,) = [m.content for m in web_bot.manager.messages("web", answer["conversation_id"]) if m.role == "user"]
    return stored, answer


def test_a_nul_between_two_words_leaves_them_two_words(web_bot, client_address):
    stored, _ = asked(web_bot, client_address, "How long does a refund\u0000take?")
    assert stored == "How long does a refund take?"  # it was "refundtake"


def test_a_title_escape_sequence_goes_whole_and_the_question_after_it_is_answered(web_bot, client_address):
    stored, answer = asked(web_bot, client_address, "\x1b]0;pwned\x07How long do refunds take?")
    assert stored == "How long do refunds take?"  # it was "pwnedHow long do refunds take?"
    assert answer["kind"] != "fallback"


def test_a_colour_sequence_inside_a_question_goes_whole(web_bot, client_address):
    stored, _ = asked(web_bot, client_address, "How long do \x1b[31mrefunds\x1b[0m take?")
    assert stored == "How long do refunds take?"  # it was "How long do [31mrefunds[0m take?" less its ESCs
