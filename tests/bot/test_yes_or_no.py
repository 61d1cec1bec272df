"""An answer's opening "Yes" or "No" (bot/yes_or_no.py): a Markdown "Q: ..." / "A: No. ..." page answers a yes/no
question with its yes or no, as an FAQ entry does, and without it where the customer asked no yes/no question."""

from __future__ import annotations

import pytest

from supportbot.bot.yes_or_no import is_bare_yes_or_no, section_question, without_yes_or_no
from supportbot.retrieval.documents import Chunk

FAQ_PAGE = """# Frequently asked questions

Q: Can I share my account with a colleague?
A: No. Each user needs their own seat. Add seats under **Settings > Team**.

Q: What's the maximum file size I can upload?
A: 50 GB per file on paid plans and 2 GB on Free.

Q: Can I pay by invoice?
A: Yes. Annual plans can be paid by invoice from **Settings > Billing**.

Q: Do you have a status page?
A: Yes, see https://status.example.com for live status and incident history.
"""


class TestQuestionAndAnswerPages:
    def test_a_yes_or_no_question_gets_the_pages_no(self, answer_from_page):
        # It got "Each user needs their own seat. ...": the explanation without the answer.
        answer = answer_from_page("faq.md", FAQ_PAGE, "Can I share my account with a colleague?")
        assert answer.startswith("No. Each user needs their own seat.")

    def test_a_bare_yes_is_quoted_with_the_sentence_after_it(self, answer_from_page):
        answer = answer_from_page("faq.md", FAQ_PAGE, "Is it possible to pay by invoice?")
        assert answer.startswith("Yes. Annual plans can be paid by invoice")

    @pytest.mark.parametrize(
        ("question", "opening"),
        [("how do I pay by invoice?", "Annual plans"), ("where can I check your status page?", "See https")],
    )
    def test_a_question_that_is_not_yes_or_no_gets_the_answer_without_it(self, answer_from_page, question, opening):
        answer = answer_from_page("faq.md", FAQ_PAGE, question)
        assert answer.startswith(opening)


class TestSectionQuestion:
    def test_a_heading_that_asks_is_the_question_its_answer_says_yes_or_no_to(self):
        chunk = Chunk(
            "faq.md::1",
            "faq.md",
            "FAQ",
            "faq.md",
            "No. Each user needs their own seat.",
            headings=("Can I share my account?",),
        )
        assert section_question(chunk) == "Can I share my account?"

    @pytest.mark.parametrize(
        ("headings", "question"),
        [(("Refunds",), ""), ((), ""), (("Billing", "**Can I pay later?**"), "**Can I pay later?**")],
    )
    def test_a_heading_that_names_a_topic_asks_nothing(self, headings, question):
        assert (
            section_question(Chunk("p.md::0", "p.md", "Help", "p.md", "Yes, with Klarna.", headings=headings))
            == question
        )

    def test_an_faq_entrys_question_is_no_heading(self):
        chunk = Chunk(
            "faq.jsonl#1::0", "faq.jsonl#1", "Can I?", "faq.jsonl", "Yes.", headings=("Can I?",), question="Can I?"
        )
        assert section_question(chunk) == ""

    @pytest.mark.parametrize(
        ("sentence", "bare"),
        [("Yes.", True), ("No", True), ("**No.**", True), ("No, only in the US.", False), ("Nope.", False)],
    )
    def test_a_bare_yes_or_no_answers_with_the_sentence_after_it(self, sentence, bare):
        assert is_bare_yes_or_no(sentence) is bare


class TestNoAsAWordOfTheSentence:
    """"No" before a word is that word's ("No refunds are given ..."): taking it for an answer's "No" said the opposite."""

    PAGE = "# Final sale\n\nNo refunds are given on final sale items. Final sale items are marked on their product page.\n"

    def test_a_sentence_opening_with_no_keeps_it(self, answer_from_page):
        answer = answer_from_page("final-sale.md", self.PAGE, "Do you give refunds on final sale items?")
        assert "No refunds are given on final sale items." in answer
        assert "Refunds are given on final sale items." not in answer

    @pytest.mark.parametrize(
        ("text", "quoted"),
        [
            ("No refunds are given after 30 days.", "No refunds are given after 30 days."),
            ("No fee applies to exchanges.", "No fee applies to exchanges."),
            ("No, gift cards can't be returned.", "Gift cards can't be returned."),
            ("No. Each user needs their own seat.", "Each user needs their own seat."),
            ("Yes you can pay by invoice.", "You can pay by invoice."),
        ],
    )
    def test_only_an_answers_no_is_left_out_of_a_sentence_quoted_alone(self, text, quoted):
        assert without_yes_or_no(text) == quoted
