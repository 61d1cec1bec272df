"""`finetune eval`'s faithfulness: answers checked against the sources their prompt held, as `eval answers` checks them."""

from __future__ import annotations

from supportbot.app import create_grounding_checker
from supportbot.config import Config
from supportbot.finetune.evaluate import AnswerTask, faithfulness_rates

SOURCES = [{"id": "returns/refund-timing.md", "text": "Refunds go back to your original payment method within 5-7 business days."}]
QUESTION = [{"role": "system", "content": "Sources: ..."}, {"role": "user", "content": "How long do refunds take for order LG-204871?"}]


def test_a_figure_no_source_states_counts_and_one_the_customer_wrote_does_not(embedder):
    checker = create_grounding_checker(Config(), embedder)
    task = AnswerTask(QUESTION, "Within 5-7 business days.", SOURCES)
    answers = [
        "Refunds go back to your original payment method within 5-7 business days.",
        "Refunds take 2-3 business days.",
        "Your refund for LG-204871 goes back within 5-7 business days.",
    ]
    unsupported, supported = faithfulness_rates(answers, [task] * 3, checker)
    assert unsupported == 1 / 3
    assert 0 < supported < 1  # the invented figure's sentence is not supported; the copied one is


def test_without_sources_there_is_no_faithfulness_figure(embedder):
    checker = create_grounding_checker(Config(), embedder)
    assert faithfulness_rates(["It takes 3 days."], [AnswerTask(QUESTION, "5-7 days", [])], checker) == (None, None)
