"""Grounded and extractive answers with the real retriever, embedder and checker; the chat model is a double
that says exactly what a test needs it to (a wrong figure, nothing, a citation alone)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from fakes import EchoGenerator, grounding_checker

from supportbot.app import retriever_for_index
from supportbot.bot.citations import MARKER, cited_numbers
from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.extractive import (
    ExtractiveAnswerer,
    about_something_else,
    leads_in,
    leans_back,
    place_in_list,
)
from supportbot.bot.grounding import strip_citations
from supportbot.bot.prompt import Source, group_sources
from supportbot.bot.reply import AnswerKind
from supportbot.bot.yes_or_no import asks_yes_or_no
from supportbot.config import BotConfig, Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.documents import Chunk, ScoredChunk
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore
from supportbot.text.sentences import split_sentences

REFUNDS = "How long do refunds take?"
RIGHT = "Refunds are issued to your original payment method within 5-7 business days after our warehouse receives your return."


@pytest.fixture
def manager_for(sample_index_dir, embedder, tmp_path: Path):
    index = load_index(sample_index_dir)
    checker = grounding_checker(embedder)

    def build(
        answer: str = RIGHT, mode: str = "grounded", retrieval: str = "dense", **generator_options
    ) -> tuple[DialogueManager, EchoGenerator]:
        generator = EchoGenerator(answer=answer, **generator_options)
        retriever = DenseRetriever(index, embedder, top_k=4, min_score=0.35) if retrieval == "dense" else retriever_for_index(Config(), index, embedder)
        store = ConversationStore(tmp_path / "conversations.sqlite3")
        bot = BotConfig(answer_mode=mode)
        return DialogueManager(retriever, generator, store, bot, GenerationSettings(max_new_tokens=64), 4, checker), generator

    return build


def _sources_by_number(reply):
    return {source.number: source for source in reply.sources}


class TestGroundedMode:
    def test_an_invented_refund_window_never_reaches_the_customer(self, manager_for):
        manager, _ = manager_for(RIGHT + " Refunds take 2-3 business days after we get your return. " + RIGHT)
        reply = manager.reply("console", "c1", REFUNDS)
        text = reply.text()
        assert "2-3" not in text and text.count("5-7 business days") == 1  # stopped at the invented one
        assert reply.kind == AnswerKind.GROUNDED and reply.dropped_sentences == 1

    def test_an_invented_window_told_in_words_never_reaches_the_customer(self, manager_for):
        manager, _ = manager_for(RIGHT.replace("5-7 business days", "a month") + " " + RIGHT)
        text = manager.reply("console", "c1", REFUNDS).text()
        assert "a month" not in text and "5-7 business days" in text

    def test_a_model_that_starts_with_an_invention_is_stopped_and_the_sources_quoted(self, manager_for):
        manager, _ = manager_for("Refunds take 2-3 business days after we get your return. " + RIGHT)
        reply = manager.reply("console", "c1", REFUNDS)
        text = reply.text()
        assert "2-3" not in text and "5-7 business days" in text
        assert reply.kind == AnswerKind.EXTRACTIVE and reply.dropped_sentences == 1

    def test_each_citation_names_the_source_that_states_the_sentence(self, manager_for):
        manager, _ = manager_for(RIGHT + " Is there anything else I can help you with?")
        reply = manager.reply("console", "c1", REFUNDS)
        text = reply.text()
        [number] = cited_numbers(text)
        assert text.endswith(f"[{number}] Is there anything else I can help you with?")
        assert "5-7 business days" in _sources_by_number(reply)[number].text
        assert [s.number for s in reply.cited_sources()] == [number]

    def test_a_table_the_model_copies_is_shown_as_a_table(self, manager_for):
        # The model's header row was dropped as a claim no source states, so the answer fell back to the sources; its
        # delimiter row has no words, and its rows were shown without one, as lines of pipes.
        table = "| Destination | Delivery time | Shipping cost |\n| --- | --- | --- |\n| United Kingdom | 10-15 business days | $19.95 |"
        manager, _ = manager_for(table, retrieval="hybrid")
        reply = manager.reply("console", "c1", "how much does it cost to ship to the UK?")
        assert reply.kind == AnswerKind.GROUNDED and reply.text() == table[:-2] + " [1] |", reply.text()

    def test_text_appears_sentence_by_sentence_as_each_passes(self, manager_for):
        manager, _ = manager_for(RIGHT + " Original shipping charges are not refunded.", delay=0.01)
        pieces = list(manager.reply("console", "c1", REFUNDS))
        assert len(pieces) >= 2 and pieces[0] == RIGHT

    @pytest.mark.parametrize(
        "model_says",
        ["Refunds take 2-3 business days. They come with a return shipping fee from HDS.", "", "[1]", "5-7", "Sure!"],
        ids=["all-invented", "empty", "only-a-citation", "only-a-number", "only-pleasantries"],
    )
    def test_when_nothing_supported_survives_the_answer_is_extractive(self, manager_for, model_says):
        manager, _ = manager_for(model_says)
        reply = manager.reply("console", "c1", REFUNDS)
        text = reply.text()
        assert reply.kind == AnswerKind.EXTRACTIVE and "5-7 business days" in text
        assert "HDS" not in text and "2-3" not in text and not text.startswith("Sure")

    def test_a_yes_the_sources_dont_give_is_not_shown(self, manager_for):
        # Opened pillows are final sale: a "Yes" in front of the true sentence about unopened ones answers wrongly.
        manager, _ = manager_for("Yes, unopened mattress toppers and pillows in their original sealed packaging can be returned within 30 days.")
        reply = manager.reply("console", "c1", "Can I return a pillow I opened?")
        text = reply.text()
        assert not text.startswith("Yes") and reply.kind == AnswerKind.EXTRACTIVE and reply.dropped_sentences == 1

    @pytest.mark.parametrize(
        "model_says",
        ["You can return anything within 30 days of the delivery date.", "Every item can be returned within 30 days of the delivery date."],
    )
    def test_a_rule_for_some_items_is_never_shown_as_a_rule_for_all(self, manager_for, model_says):
        # The policy's words, less "provided they are unused and in their original packaging": the check reads the same
        # words and figures, and the customer reads that a used item can go back.
        manager, _ = manager_for(model_says)
        reply = manager.reply("console", "c1", "How long do I have to return something?")
        text = reply.text()
        assert model_says not in text and "30 days" in text and reply.dropped_sentences == 1, text

    def test_one_way_is_never_shown_as_the_only_way(self, manager_for):
        # "Chat is the fastest way to reach us.": the same words but one, and the customer reads that email and phone
        # are not there.
        manager, _ = manager_for("Chat is the only way to reach us.")
        reply = manager.reply("console", "c1", "What is the best way to contact you?")
        assert "only way" not in reply.text() and reply.dropped_sentences == 1, reply.text()

    @pytest.mark.parametrize(
        "model_says",
        [
            "Your tracking says delivered but the package is not here.",
            "The tracking says delivered but there's no package.",  # "no" where the customer wrote "not": the same denial
        ],
    )
    def test_repeating_the_customer_is_not_an_answer(self, manager_for, model_says):
        manager, _ = manager_for(model_says)
        reply = manager.reply("console", "c1", "The tracking says my package was delivered but it's not here")
        text = reply.text()
        assert reply.kind == AnswerKind.EXTRACTIVE and reply.dropped_sentences == 0
        assert model_says not in text and reply.cited_sources()

    def test_a_true_sentence_beside_the_question_is_not_the_answer(self, manager_for):
        # The sources say it, about duties, and it ranks fourth for the question: the model stated it instead of the rates.
        manager, _ = manager_for("The amount is set by Canadian customs, so we can't tell you the exact figure in advance.")
        reply = manager.reply("console", "c1", "How much is shipping to Canada?")
        text = reply.text()
        assert "Canadian customs" not in text and "$14.95" in text and reply.kind == AnswerKind.EXTRACTIVE, text

    def test_the_customers_words_told_as_what_will_happen_are_checked(self, manager_for):
        # Only the customer's words, but a prediction: an authorization hold drops off, and they are charged once.
        manager, _ = manager_for("You will be charged twice.")
        reply = manager.reply("console", "c1", "Charged twice")
        assert "will be charged twice" not in reply.text() and reply.dropped_sentences == 1, reply.text()

    def test_a_question_turned_into_a_statement_is_an_answer_and_is_checked(self, manager_for):
        # Rugs over 8 feet can't ship to PO boxes: these are the customer's words, and the wrong answer.
        manager, _ = manager_for("Sure, I can ship a 9 foot rug to your PO box.")
        reply = manager.reply("console", "c1", "Can you ship a 9 foot rug to my PO box?")
        text = reply.text()
        assert "I can ship" not in text and reply.dropped_sentences == 1

    def test_a_question_the_docs_do_not_answer_is_declined_without_asking_the_model(self, manager_for):
        manager, generator = manager_for()
        reply = manager.reply("console", "c1", "Do you have a physical store in Chicago I can visit?")
        assert reply.text() == "I'm sorry, I don't have an answer to that in our help center." and reply.kind == AnswerKind.FALLBACK
        assert generator.prompts == []

    def test_the_grounded_answer_is_stored_with_the_sources_it_cites(self, manager_for, tmp_path):
        manager, _ = manager_for()
        reply = manager.reply("console", "c1", REFUNDS)
        reply.text()
        stored = manager.store.messages("console", "c1")[-1]
        assert stored.kind == "grounded" and [s["number"] for s in stored.sources] == cited_numbers(stored.content)


def _assert_in_order(text: str, *pieces: str) -> None:
    """Each piece is in the answer, each after the one before it."""
    places = [text.find(piece) for piece in pieces]
    assert 0 <= places[0] and all(a < b for a, b in pairwise(places)), (places, text)


def _extractive_answer(manager_for, question: str) -> str:
    """The answer, with its citations, to `question` asked first in a conversation, in extractive mode."""
    manager, _ = manager_for(mode="extractive")
    return manager.reply("console", "c1", question).text()


class TestExtractiveMode:
    @pytest.mark.parametrize("question", [REFUNDS, "Can I pay with Klarna?", "How do I get rid of rust on my cast iron pan?"])
    def test_every_sentence_is_a_sentence_of_the_source_it_cites(self, manager_for, question):
        manager, generator = manager_for(mode="extractive")
        reply = manager.reply("console", "c1", question)
        text = reply.text()
        assert reply.kind == AnswerKind.EXTRACTIVE and generator.prompts == []
        sources = _sources_by_number(reply)
        # Each run of sentences ends with the marker of the source they are quoted from.
        for run, number in zip(MARKER.split(text)[::2], cited_numbers(text) or [None]):
            for sentence in split_sentences(strip_citations(run)):
                assert sentence in sources[number].text, (sentence, number)

    def test_an_faq_match_is_answered_with_the_faq_answer(self, manager_for):
        text = _extractive_answer(manager_for, "Do gift cards expire?")
        assert strip_citations(text) == "Larkspur gift cards never expire. You can check your balance anytime at larkspurgoods.com/giftcard."

    def test_an_faq_entry_that_asks_something_else_is_not_the_answer(self, manager_for):
        # Retrieval puts the FAQ's "How do I turn on two-step verification?" first; the guide's section
        # "Change or turn off two-step verification" is what answers.
        manager, _ = manager_for(mode="extractive")
        reply = manager.reply("console", "c1", "how do I turn off two step verification?")
        text = strip_citations(reply.text())
        assert "choose an authenticator app or SMS" not in text, text
        # The short list item that answers, under its lead-in and the sentence the lead-in leans on.
        assert "Go to **Account > Security**. From there you can:\n- Turn off two-step verification" in text, text
        assert [source.url for source in reply.cited_sources()] == ["https://help.larkspurgoods.com/account/two-step-verification"]

    def test_the_refund_window_is_what_the_answer_says_first(self, manager_for):
        # "Inspection takes up to 2 business days of that time." ranks high for this question, and means nothing alone.
        text = strip_citations(_extractive_answer(manager_for, REFUNDS))
        assert "5-7 business days" in split_sentences(text)[0], text

    def test_a_lead_in_never_ends_the_answer(self, manager_for):
        # The page: "Once an order has shipped, we can't change the address. Some options:" and then a list.
        text = strip_citations(_extractive_answer(manager_for, "Can I change my shipping address after ordering?"))
        assert "can't change the address" in text and not text.rstrip().endswith(":"), text

    def test_a_list_item_is_quoted_under_its_lead_in(self, manager_for):
        # The warranty's "This warranty does not cover:" list: "- Normal wear and tear ..." alone reads as if covered.
        text = _extractive_answer(manager_for, "Does the warranty cover scratches?")
        assert text.find("This warranty does not cover:\n- Normal wear and tear, including scratches") >= 0, text

    def test_a_later_sentence_of_a_list_item_is_not_quoted_without_the_item(self, manager_for):
        # "- **UK and EU:** ... You won't be asked to pay anything ...": not for a parcel to Toronto.
        text = _extractive_answer(manager_for, "Will I have to pay customs fees when my order arrives in Toronto?")
        assert "collected by the carrier on delivery" in text and "You won't be asked to pay anything" not in text, text

    def test_one_step_of_a_procedure_brings_the_procedure(self, manager_for):
        text = _extractive_answer(manager_for, "I want to return my order")
        steps = ["- Go to larkspurgoods.com/returns.", "- Enter your order number", "- Select the items", "- Submit the return."]
        places = [text.find(step) for step in steps]
        assert 0 <= places[0] and places == sorted(places), text

    def test_a_full_list_item_under_a_lead_in_that_leans_back_is_quoted_alone(self, manager_for):
        # "Damage reports need to be made within 14 days of delivery. After that:" and then the warranty's item.
        text = strip_citations(_extractive_answer(manager_for, "How long is the warranty on cookware?"))
        assert "1-year limited warranty" in text and "After that:" not in text, text

    def test_a_sentence_pointing_back_at_a_list_brings_the_whole_list(self, manager_for):
        text = _extractive_answer(manager_for, "How do I contact you?")
        _assert_in_order(text, "Monday to Friday", "Saturday and Sunday", "Outside these hours")

    def test_an_example_is_quoted_with_the_list_it_illustrates(self, manager_for):
        # The page: "- **Earn 1 point for every $1 you spend.**" ... then "For example, a $120 order earns 120 points."
        text = _extractive_answer(manager_for, "How many points do I get for a $120 order?")
        _assert_in_order(text, "- **Earn 1 point for every $1 you spend.**\n", "For example, a $120 order")

    def test_the_sentence_that_carries_the_best_ones_thought_on_is_quoted_with_it(self, manager_for):
        # "You don't need to delete your account to stop marketing emails. Turn them off under ...": the how is next.
        text = strip_citations(_extractive_answer(manager_for, "I don't want marketing emails anymore"))
        assert "Turn them off under **Account > Notifications**" in text, text

    def test_a_list_items_second_sentence_stays_on_its_line(self, manager_for):
        # "- The items in your cart aren't excluded. Many codes don't apply to clearance items." in a checklist.
        text = strip_citations(_extractive_answer(manager_for, "my promo code isn't working"))
        assert "- The items in your cart aren't excluded. Many codes don't apply to clearance items.\n- " in text, text

    def test_an_instruction_about_something_named_before_is_quoted_with_it(self, manager_for):
        # "Small rust spots are normal and easy to fix. Scrub them away with steel wool, ...": "them" is the rust.
        text = _extractive_answer(manager_for, "How do I get rust off my cast iron pan?")
        _assert_in_order(text, "Small rust spots", "Scrub them away")

    def test_a_short_list_under_a_lead_in_is_quoted_whole(self, manager_for):
        # "For a short time, your bank may show both:" above "- A **pending** amount ..." and "- A **posted** charge ...".
        text = _extractive_answer(manager_for, "what is an authorization hold?")
        _assert_in_order(text, "may show both:\n", "- A **pending** amount", "- A **posted** charge")

    def test_what_happens_next_is_quoted_after_what_it_follows(self, manager_for):
        # "If you return an item, we let Klarna know ... Klarna then updates your payment plan:" and its two lines.
        # Alone, the lead-in and its list told a customer who missed a payment that future payments get reduced.
        text = _extractive_answer(manager_for, "what happens if I miss a klarna payment?")
        _assert_in_order(text, "If you return an item", "Klarna then updates", "- Future payments are reduced")

    def test_a_sentence_pointing_ahead_is_not_quoted_without_what_it_points_at(self, manager_for):
        # "Here's how that time breaks down and what to expect." introduces the numbered timeline under the next heading.
        text = _extractive_answer(manager_for, "what is the refund timeline?")
        assert "5-7 business days" in text and "Here's how that time breaks down" not in text, text

    def test_a_question_in_the_sources_is_never_the_answer(self, manager_for):
        # The page opens "Forgot your password? You can reset it yourself ..."; the question answers nothing.
        text = strip_citations(_extractive_answer(manager_for, "password reset"))
        assert text and not text.rstrip().endswith("?") and "Forgot your password?" not in text, text

    def test_an_example_is_quoted_under_what_it_is_an_example_of(self, manager_for):
        # "An exchange swaps an item for the same product in a different variant. For example:" and three example lines.
        text = _extractive_answer(manager_for, "can I exchange a rug for a bigger size?")
        _assert_in_order(text, "An exchange swaps an item for the same product", "- A 5 x 7 ft rug for the same rug")

    def test_a_pair_of_cases_is_quoted_whole(self, manager_for):
        # "Return shipping": "- **US orders:** we provide a free prepaid return label." then the Canada, UK and EU line.
        text = _extractive_answer(manager_for, "do I have to pay for return shipping?")
        _assert_in_order(text, "- **US orders:** we provide a free prepaid return label.", "- **Canada, UK, and EU orders:**")

    def test_a_list_that_opens_its_section_is_quoted_whole_like_numbered_steps(self, manager_for):
        # The warranty PDF's "4. How to make a claim": contact support, give the order number, send a photo.
        text = _extractive_answer(manager_for, "how do I make a warranty claim?")
        _assert_in_order(text, "- Contact Larkspur Support", "- Provide your order number", "- Provide a photo")

    def test_a_step_ranked_second_brings_its_procedure_only_when_the_question_asks_how(self, manager_for):
        # "Choose **Klarna** as your payment method." is step 2 of "How to pay with Klarna": a yes/no question gets it alone.
        text = _extractive_answer(manager_for, "Can I pay with Klarna?")
        assert "$35 to $1,000" in text and "Sign in to Klarna" not in text, text

    def test_a_sources_sentences_keep_the_documents_order(self, manager_for):
        text = _extractive_answer(manager_for, "If I delete my account can I change my mind later?")
        _assert_in_order(text, "30 days to change your mind", "After 30 days, the deletion is permanent")


    def test_an_faqs_yes_or_no_is_left_out_when_it_answers_the_question_turned_around(self, manager_for):
        # The FAQ "Do I need an account to place an order?" opens "No, guest checkout is available.": a "no" to this one.
        turned = strip_citations(_extractive_answer(manager_for, "can I order without an account?"))
        assert turned.startswith("Guest checkout is available."), turned
        same_way = strip_citations(_extractive_answer(manager_for, "Do I need an account to order?"))
        assert same_way.startswith("No, guest checkout is available."), same_way

    def test_an_faqs_yes_or_no_is_left_out_when_the_customer_asked_no_yes_no_question(self, manager_for):
        # The FAQ "Can I cancel my order?" opens "Yes, within 1 hour ...": no answer to a customer who is past the hour.
        told = strip_citations(_extractive_answer(manager_for, "I ordered two hours ago and the button to cancel is gone"))
        assert told.startswith("Within 1 hour of placing it"), told
        asked = strip_citations(_extractive_answer(manager_for, "Can I cancel my order?"))
        assert asked.startswith("Yes, within 1 hour of placing it"), asked

    def test_a_sentence_pointing_at_a_table_below_is_quoted_with_the_table(self, manager_for):
        # "Place your order by the dates below for delivery by ..." opens the page; the table is in the next chunk.
        text = strip_citations(_extractive_answer(manager_for, "what's the last day to order for Christmas delivery?"))
        _assert_in_order(text, "by the dates below", "Shipping method | Delivery time | Cost | Order by", "Monday, December 14, 2026")

    def test_a_question_about_a_whole_table_gets_every_row(self, manager_for):
        # "What shipping options do you have?" was answered with the Standard row of the three-row rates table.
        manager, _ = manager_for(mode="extractive", retrieval="hybrid")
        text = strip_citations(manager.reply("console", "c1", "What shipping options do you have?").text())
        _assert_in_order(text, "| Method", "| Standard ", "| Expedited ", "| Overnight ")

    @pytest.mark.parametrize(
        ("question", "row", "other_row"),
        [("How much does it cost to ship to the UK?", "| United Kingdom ", "| Canada "), ("What does Overnight shipping cost?", "$24.95", "| Expedited ")],
    )
    def test_a_question_naming_one_row_gets_that_row(self, manager_for, question, row, other_row):
        text = strip_citations(_extractive_answer(manager_for, question))
        assert row in text and other_row not in text, text

    def test_what_a_quoted_list_says_is_not_quoted_again_from_another_source(self, manager_for):
        # The return policy lists the final-sale items; the FAQ says the same in one sentence.
        text = strip_citations(_extractive_answer(manager_for, "Can I return a sale item?"))
        assert text.count("Gift cards") + text.count("gift cards") == 1, text

    def test_a_place_the_customer_abbreviates_is_found_spelled_out(self, manager_for):
        # "UK": the shipping table's row says "United Kingdom"; the US rates share more of the question's other words,
        # and were quoted second: they are about another place than the one the customer named.
        text = strip_citations(_extractive_answer(manager_for, "how much does it cost to ship to the UK?"))
        assert "| United Kingdom | 10-15 business days | $19.95 |" in text and "In the US" not in text, text

    @pytest.mark.parametrize(
        ("question", "answer"),
        [("How long does shipping to Canada take?", "7-12 business days"), ("How long does delivery to the EU take?", "10-15 business days")],
    )
    def test_an_faq_answer_that_covers_another_place_is_not_the_answer(self, manager_for, question, answer):
        # The default retrieval ranks "How much is shipping and how long does it take?" first; its answer opens "In the
        # US, ..." and was the whole answer, while the rates table and another FAQ entry name the customer's place.
        manager, _ = manager_for(mode="extractive", retrieval="hybrid")
        text = strip_citations(manager.reply("console", "c1", question).text())
        assert answer in text and "In the US" not in text and "5-7 business days" not in text, text

    def test_an_faq_answer_that_covers_another_place_stays_where_no_source_names_the_customers(self, manager_for):
        # Nothing names Texas: the FAQ answer, which says whom it covers, is still the best there is.
        manager, _ = manager_for(mode="extractive", retrieval="hybrid")
        text = strip_citations(manager.reply("console", "c1", "How long does shipping to Texas take?").text())
        assert text.startswith("In the US, Standard shipping takes 5-7 business days"), text

    def test_a_sentence_in_bold_ranks_by_its_words_not_its_marks(self, manager_for):
        # "**Every 100 points becomes a $5 reward.**": MiniLM rates it 0.51 with its marks, 0.57 without (read as shown).
        text = strip_citations(_extractive_answer(manager_for, "how many points do I need for a reward?"))
        assert "Every 100 points becomes a $5 reward." in text, text

    def test_a_rare_name_the_model_reads_poorly_is_found_by_its_words(self, manager_for):
        # MiniLM scores the payment page 0.31 for this question, under retrieval.min_score; the page holds both rare words.
        manager, _ = manager_for(mode="extractive", retrieval="hybrid")
        text = strip_citations(manager.reply("console", "c1", "Do you take American Express?").text())
        assert "accepts the following payment methods" in text and "- American Express" in text, text


class TestContactAskedFor:
    """A line that gives an address or a number says little else, and the embedder scores it under the bar."""

    @pytest.mark.parametrize(
        "question, contact",
        [
            ("What's the support email?", "**support@larkspurgoods.com**"),
            ("Can I call you?", "**1-800-555-0142**"),
            ("What's your phone number?", "**1-800-555-0142**"),
        ],
    )
    @pytest.mark.parametrize("mode", ["extractive", "grounded"])
    def test_a_question_asking_for_an_email_address_or_phone_number_gets_the_line_that_gives_it(self, manager_for, question, contact, mode):
        manager, _ = manager_for(mode=mode, retrieval="hybrid")
        reply = manager.reply("console", "c1", question)
        text = reply.text()
        assert reply.kind != AnswerKind.FALLBACK and contact in text, text
        assert [source.url for source in reply.cited_sources()] == ["https://help.larkspurgoods.com/contact"], text

    def test_the_email_line_is_the_one_under_the_contact_page_s_email_heading(self, manager_for):
        # "Add support@larkspurgoods.com to your contacts, then request the confirmation again" (changing your email)
        # scores higher than the contact page's line by itself.
        text = strip_citations(_extractive_answer_hybrid(manager_for, "What's the support email?"))
        assert text.startswith("Write to **support@larkspurgoods.com**."), text

    @pytest.mark.parametrize("question", ["What's the email address of your CEO?", "What's the phone number of the Toronto store?"])
    def test_one_asking_for_someone_the_docs_do_not_name_is_declined(self, manager_for, question):
        manager, _ = manager_for(mode="extractive", retrieval="hybrid")
        assert manager.reply("console", "c1", question).kind == AnswerKind.FALLBACK


def _extractive_answer_hybrid(manager_for, question: str) -> str:
    manager, _ = manager_for(mode="extractive", retrieval="hybrid")
    return manager.reply("console", "c1", question).text()


class TestDeveloperDocs:
    """A developer help center (tests/data/api-docs): code blocks and short sections named by their headings."""

    @pytest.fixture
    def api_manager(self, api_docs_index_dir, embedder, tmp_path: Path):
        index = load_index(api_docs_index_dir)
        store = ConversationStore(tmp_path / "conversations.sqlite3")
        return DialogueManager(
            retriever_for_index(Config(), index, embedder), EchoGenerator(answer=RIGHT), store, BotConfig(answer_mode="extractive"),
            GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder),
        )

    def test_a_code_block_is_quoted_whole_as_code_under_its_lead_in(self, api_manager):
        # Its lines were split at "orders." and joined, or set as a list item; "# list your orders" read as a heading.
        text = api_manager.reply("console", "c1", "how do I send my API key?").text()
        code = '```bash\n# list your orders. Any key works in the sandbox.\ncurl https://api.larkspur.example/v1/orders \\\n'
        assert "Send the key in the `Authorization` header:\n\n" + code in text, text
        assert ' \\\n  -H "Authorization: Bearer YOUR_API_KEY"\n```' in text and "- ```" not in text, text  # indented as written

    @pytest.mark.parametrize(
        ("question", "ending"),
        [
            ("how do I remove a webhook?", "larkspur webhooks delete WEBHOOK_ID \\\n  --confirm\n```\n[1]"),
            ("which API versions are supported?", "| v2 | No end date yet [1] |"),
        ],
    )
    def test_an_faq_answer_ending_in_code_or_a_table_has_its_marker_after_the_code_or_in_the_last_cell(self, api_manager, question, ending):
        # " [1]" went after the closing fence (read as code, and the block left open) or after the closing pipe.
        text = api_manager.reply("console", "c1", question).text()
        assert text.endswith(ending), text

    def test_the_code_of_a_step_is_quoted_with_every_step(self, api_manager):
        # tests/data/api-docs/cli.md indents a step's code under it, as MkDocs wants: the code was no code block (its
        # fence stood in four spaces), its comment a heading, and the steps after it were left out.
        text = api_manager.reply("console", "c1", "how do I install the command-line tool?").text()
        code = "```bash\nsudo dpkg -i larkspur-cli.deb\n# check that it works\nlarkspur --version\n```"
        assert "- Open a terminal in the folder you saved it to and run:\n\n" + code + "\n\n- Sign in with `larkspur login`" in text, text
        assert text.startswith("- Download the package for your system"), text

    def test_a_row_of_an_html_table_without_a_header_row_is_quoted_as_a_table(self, api_manager):
        # tests/data/api-docs/regions.html: its rows were shown with their pipes, a Markdown table needing a header.
        text = api_manager.reply("console", "c1", "what is the base URL for accounts in the European Union?").text()
        assert "\n\n|  |  |\n| --- | --- |\n| European Union | eu.api.larkspur.example [1] |" in text, text

    def test_a_row_of_a_compact_table_is_quoted_as_a_table_with_the_pipe_its_cell_holds(self, api_manager):
        # tests/data/api-docs/filters.md writes "|`gt`|Later dates ...|": its rows were prose, no answer was found.
        text = api_manager.reply("console", "c1", "how do I filter for orders that are shipped or delivered?").text()
        assert text.startswith("| Operator | What it matches | Example |\n| --- | --- | --- |\n"), text
        assert "| `\\|` | Either of two conditions | `status eq shipped \\| status eq delivered` [1] |" in text, text

    def test_a_row_of_a_table_without_edge_pipes_is_quoted_as_a_table_under_its_header(self, api_manager):
        # tests/data/api-docs/errors.md writes its table as GitHub allows, "409 Conflict | The order has ...": the row
        # was read as a sentence and quoted alone, with nothing to say what "409 Conflict" is.
        text = api_manager.reply("console", "c1", "what does a 409 error mean?").text()
        assert text.startswith("| Status | What it means |\n| --- | --- |\n| 409 Conflict | The order has already shipped"), text

    def test_a_short_question_naming_a_section_is_answered_from_it(self, api_manager):
        reply = api_manager.reply("console", "c1", "what's the rate limit?")
        assert reply.kind == AnswerKind.EXTRACTIVE and "600 requests a minute" in reply.text(), reply.text()


class TestFollowUpOrNewSubject:
    """A question is read with the previous one only when it follows up on it: a new subject gets its own answer."""

    def _second_answer(self, manager_for, first: str, second: str):
        manager, _ = manager_for(mode="extractive")
        manager.reply("console", "c1", first).text()
        reply = manager.reply("console", "c1", second)
        return reply, strip_citations(reply.text())

    def test_a_new_subject_is_answered_about_the_new_subject(self, manager_for):
        reply, text = self._second_answer(manager_for, "What's your warranty on cookware?", "I want to cancel my order")
        assert reply.kind == AnswerKind.EXTRACTIVE and "within 1 hour" in text.lower() and "warranty" not in text, text

    def test_a_new_subject_the_docs_do_not_answer_is_declined(self, manager_for):
        first = "The tracking says my package was delivered but it's not here"
        reply, text = self._second_answer(manager_for, first, "Can I reserve something online and pick it up in a store?")
        assert reply.kind == AnswerKind.FALLBACK, text  # not the missing-package advice again

    def test_a_follow_up_is_not_answered_with_the_first_answer_again(self, manager_for):
        # Read with the first question, the FAQ entry that answered it comes first again; its whole answer was the reply.
        manager, _ = manager_for(mode="extractive")
        first = strip_citations(manager.reply("console", "c1", "How do I turn on two-step verification?").text())
        reply = manager.reply("console", "c1", "What if I lose my phone?")
        assert reply.kind == AnswerKind.EXTRACTIVE and strip_citations(reply.text()) != first, first

    @pytest.mark.parametrize("mode", ["extractive", "grounded"])
    def test_an_faqs_yes_is_not_the_answer_to_a_follow_up(self, manager_for, mode):
        # The FAQ's "Yes, exchanges ... are free, and each item can be exchanged once." says yes to "Can I exchange
        # sheets for a different size?", not to "Can I do that more than once?" (no). The model copied it whole.
        copied = "Yes, exchanges for the same item in a different size or color are free, and each item can be exchanged once."
        manager, generator = manager_for(copied, mode=mode)
        manager.reply("console", "c1", "Can I exchange sheets for a different size?").text()
        reply = manager.reply("console", "c1", "Can I do that more than once?")
        text = strip_citations(reply.text())
        assert "each item can be exchanged once" in text and not text.lower().startswith("yes"), text
        if mode == "grounded":  # the model is shown the entry without its "Yes"
            sources = generator.prompts[-1][0]["content"]
            assert "Exchanges for the same item" in sources and "Yes, exchanges" not in sources, sources

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            ("How do I turn off two-step verification?", "Can I get a refund in cash?"),
            ("Can I pay with Klarna?", "Do you offer gift wrapping?"),
            ("Do you ship to Canada?", "Do you price match Amazon?"),
            ("Can I put my cast iron pan in the dishwasher?", "Are you hiring at the warehouse?"),
            ("how much does it cost to ship to the UK?", "how long does delivery to the EU take?"),  # not the UK's row
            ("How long do refunds take?", "Can I pay with Klarna?"),  # got the Klarna page's refund timing
        ],
    )
    def test_a_question_naming_its_own_subject_does_not_ride_on_the_previous_sources(self, manager_for, first, second):
        # Read with the previous question, its sources match better than its own, poor, ones: that was not enough.
        manager, _ = manager_for(mode="extractive")
        alone = strip_citations(manager.reply("console", "alone", second).text())
        _, text = self._second_answer(manager_for, first, second)
        assert text == alone, text

    @pytest.mark.parametrize(
        ("first", "follow_up", "expected"),
        [
            ("How much is standard shipping?", "and how fast is expedited?", "Expedited takes 2-3 business days"),
            ("Can I pay with Klarna?", "Is there a minimum order for it?", "$35"),
            ("Can I exchange an item for a different color?", "Is the new one shipped for free?", "exchange"),
            ("Can I cancel my order?", "What if it's been more than an hour?", "After 1 hour the order is in fulfillment"),
            ("How does Larkspur Rewards work?", "Do the points expire?", "expire"),
            ("Can I pay with Klarna?", "who decides if I'm approved?", "decides whether to approve"),
            # Alone, "do they expire?" matches "Larkspur gift cards never expire." better than any reading of the two.
            ("how many do I need for a reward?", "do they expire?", "12 months"),  # of points, not gift cards
        ],
        ids=["ellipsis", "pronoun", "the-new-one", "what-if", "no-word-pointing-back", "own-words-find-nothing", "pronoun-subject"],
    )
    def test_a_follow_up_is_answered_with_the_previous_question_in_mind(self, manager_for, first, follow_up, expected):
        reply, text = self._second_answer(manager_for, first, follow_up)
        assert reply.kind == AnswerKind.EXTRACTIVE and expected in text, text

    def test_a_follow_up_whose_words_alone_find_a_page_the_model_does_not_is_still_a_follow_up(self, manager_for):
        # Alone, "who decides if I'm approved?" finds the Klarna page by its keywords only (hybrid retrieval), and
        # its best sentence is under the bar for the question alone: it was declined.
        manager, _ = manager_for(mode="extractive", retrieval="hybrid")
        manager.reply("console", "c1", "Can I pay with Klarna?").text()
        reply = manager.reply("console", "c1", "who decides if I'm approved?")
        assert reply.kind == AnswerKind.EXTRACTIVE and "decides whether to approve" in reply.text(), reply.text()


def _hit(chunk_id: str, text: str, title: str, question: str = "") -> ScoredChunk:
    doc_id = chunk_id.partition("::")[0]
    return ScoredChunk(Chunk(chunk_id, doc_id, title, doc_id, text, question=question), 0.9)


class TestQuotedSentences:
    """Which source sentences an extractive answer quotes, on hand-made sources with the real embedder."""

    def test_a_sentence_that_leans_on_the_one_before_is_quoted_with_it(self, embedder):
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        page = "Refunds go back to your card within 5-7 business days after we receive your return. Inspection takes up to 2 business days of that time."
        ranking = answerer.rank("How long does the inspection of my return take?", group_sources([_hit("refunds.md::0", page, "Refund timing")]))
        assert strip_citations(answerer.answer(ranking)) == page
        # A grounded answer's prompt holds what its fallback quotes, even when only the best sentence would fit.
        (source,) = answerer.evidence(ranking, count=1)
        assert all(sentence in source.text for sentence in split_sentences(page))

    def test_a_lead_in_is_quoted_with_what_it_leads_into(self, embedder):
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        page = "For the first hour after checkout, you can update the address yourself:\n\n1. Go to Account > Orders and choose Edit address."
        ranking = answerer.rank("How do I update my address in the first hour after checkout?", group_sources([_hit("address.md::0", page, "Address")]))
        assert strip_citations(answerer.answer(ranking)).endswith("choose Edit address.")

    def test_the_same_statement_in_two_sources_is_quoted_once(self, embedder):
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        hits = [
            _hit("rates.md::0", "Standard shipping is free on US orders over $50.", "Shipping rates"),
            _hit("faq.md::0", "US orders over $50 ship free with Standard shipping.", "Shipping questions"),
        ]
        answer = answerer.answer(answerer.rank("Is shipping free on orders over $50?", group_sources(hits)))
        assert len(cited_numbers(answer)) == 1 and len(split_sentences(strip_citations(answer))) == 1

    def test_sources_with_nothing_to_quote_answer_nothing_even_with_no_bar(self, embedder):
        answerer = ExtractiveAnswerer(grounding_checker(embedder), min_relevance=0.0)
        ranking = answerer.rank("Which cards do you take?", group_sources([_hit("cards.md::0", "- Visa\n- Mastercard", "Cards")]))
        assert not answerer.answers(ranking)

    def test_a_question_that_asks_what_a_heading_names_is_answered_from_its_section(self, embedder):
        # all-MiniLM-L6-v2 reads "what's the rate limit?" 0.46 against the sentence under its headings, under the 0.5
        # bar, and 0.87 against the section's heading "Rate limits": the customer asks what the section is about.
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        text = "You can make up to 600 requests a minute. Past that, requests get a `429 Too Many Requests` response."
        chunk = Chunk("api-auth.md::1", "api-auth.md", "Authenticating API requests", "api-auth.md", text, headings=("Rate limits",))
        sources = group_sources([ScoredChunk(chunk, 0.9)])
        asked = answerer.rank("what's the rate limit?", sources)
        assert asked.relevance < 0.5 and answerer.answers(asked)
        assert strip_citations(answerer.answer(asked)).startswith("You can make up to 600 requests a minute."), answerer.answer(asked)
        other = answerer.rank("Who is the CEO of Larkspur Goods?", sources)  # the heading names nothing it asks
        assert not answerer.answers(other)

    def test_a_short_list_item_is_quoted_under_its_lead_in_and_never_alone(self, embedder):
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        page = "Card payments are processed securely. We accept these cards:\n\n- Visa\n- Mastercard\n- American Express"
        answer = strip_citations(answerer.answer(answerer.rank("Do you take American Express?", group_sources([_hit("cards.md::0", page, "Cards")]))))
        assert "We accept these cards:\n- American Express" in answer, answer
        # The same items with nothing introducing them say nothing on their own: never an answer.
        bare = "- Visa\n- Mastercard\n- American Express\n\nCard payments are processed securely."
        answer = strip_citations(answerer.answer(answerer.rank("Do you take American Express?", group_sources([_hit("cards.md::0", bare, "Cards")]))))
        assert answer == "Card payments are processed securely.", answer

    def test_the_sources_own_pleasantries_are_never_quoted_as_the_answer(self, embedder):
        # "Sorry about that!" read under "My order arrived broken" ranked first for "my order never arrived".
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        page = "Sorry about that! Report it to support within 14 days of delivery and we'll ship a free replacement."
        ranking = answerer.rank("My order arrived broken, what now?", group_sources([_hit("damaged.md::0", page, "My order arrived broken")]))
        assert [sentence.text for sentence in ranking.sentences] == [split_sentences(page)[1]]

    def test_a_list_item_is_quoted_under_the_sentence_right_above_its_list(self, embedder):
        # The hours alone don't say what they are the hours of: the sentence above the list does, colon or not.
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        page = "Call 1-800-555-0142.\n\n- Monday to Friday: 9 am - 6 pm ET, except public holidays\n- Phone support is closed on weekends."
        ranking = answerer.rank("What time can I call on weekdays?", group_sources([_hit("contact.md::0", page, "Contact us > Phone")]))
        assert strip_citations(answerer.answer(ranking)).startswith("Call 1-800-555-0142.\n- Monday to Friday"), answerer.answer(ranking)

    def test_a_sentence_pointing_back_at_a_list_brings_what_the_list_is_about(self, embedder):
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        page = (
            "Click the Chat with us button on any page.\n\n- Monday to Friday: 8 am - 8 pm ET\n- Saturday and Sunday: 9 am - 5 pm ET\n\n"
            "Outside these hours, you can leave a message in the chat window and we'll reply by email."
        )
        ranking = answerer.rank("Can I leave a message outside chat hours?", group_sources([_hit("contact.md::0", page, "Contact us > Live chat")]))
        assert strip_citations(answerer.answer(ranking)) == page.replace("\n\n- ", "\n- "), answerer.answer(ranking)

    def test_a_table_row_is_quoted_under_its_header_row(self, embedder):
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        page = (
            "| Destination | Delivery time | Shipping cost |\n|---|---|---|\n| Canada | 7-12 business days | $14.95 |\n"
            "| United Kingdom | 10-15 business days | $19.95 |"
        )
        ranking = answerer.rank("How much is shipping to the United Kingdom?", group_sources([_hit("intl.md::0", page, "International shipping")]))
        text = strip_citations(answerer.answer(ranking))
        assert "| Destination | Delivery time | Shipping cost |\n| --- | --- | --- |\n| United Kingdom | 10-15 business days | $19.95 |" in text, text

    def test_the_tail_of_a_sentence_the_chunker_cut_is_never_quoted(self, embedder):
        # A PDF's wrapped line ("... vary by state,") ended the chunk before; the whole sentence is in that chunk.
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        page = "province or country. Nothing in this warranty limits your rights under consumer law."
        ranking = answerer.rank("Does the warranty limit my rights in my province?", group_sources([_hit("warranty.pdf::4", page, "Limited Warranty")]))
        assert [sentence.text for sentence in ranking.sentences] == ["Nothing in this warranty limits your rights under consumer law."]

    def test_a_long_faq_answer_is_quoted_from_its_start(self, embedder):
        # The splitter cut the answer in two mid-sentence; the customer's words matched the later chunk best, which
        # opens with the sentence's tail (the chunks overlap). The FAQ answer is its first chunk, when that was
        # retrieved, as written: not set as a list item for ending without a full stop.
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        asked, entry = "how should I look after a cast iron pan so it doesn't rust?", "How do I care for my cast iron skillet?"
        opening = "Wash the skillet by hand with hot water and a stiff brush, then dry it on a warm burner. If rust appears, scrub"
        later = "rust appears, scrub it off with steel wool, rinse, dry and re-season it. Never put it in the dishwasher, where it rusts."
        hits = [_hit("faq.jsonl#7::1", later, entry, entry), _hit("faq.jsonl#7::0", opening, entry, entry)]
        assert strip_citations(answerer.answer(answerer.rank(asked, group_sources(hits)))) == opening
        # Without its start, the later chunk is no answer to quote whole: its sentences are ranked as a page's are.
        answer = strip_citations(answerer.answer(answerer.rank(asked, group_sources(hits[:1]))))
        assert answer == "Never put it in the dishwasher, where it rusts.", answer
        # An answer that itself opens in lower case is quoted whole all the same.
        lower = "from the Account page: click Security, then Two-step verification, and follow the steps."
        hits = [_hit("faq.jsonl#3::0", lower, "How do I turn on two-step verification?", "How do I turn on two-step verification?")]
        assert strip_citations(answerer.answer(answerer.rank("how do I turn on two-step verification?", group_sources(hits)))) == lower

    def test_a_lead_in_that_ranks_best_brings_its_whole_list(self, embedder):
        answerer = ExtractiveAnswerer(grounding_checker(embedder), 0.5)
        page = "Go to Account > Rewards to see:\n\n- Your current points balance\n- Available rewards\n- Your points history"
        ranking = answerer.rank("What can I see under Account > Rewards?", group_sources([_hit("rewards.md::0", page, "Rewards")]))
        assert ranking.sentences[ranking.best(1)[0]].text == "Go to Account > Rewards to see:"
        assert strip_citations(answerer.answer(ranking)) == page.replace("\n\n", "\n")

    @pytest.mark.parametrize(
        ("sentence", "leans"),
        [
            ("Inspection takes up to 2 business days of that time.", True),
            ("It appears when your order total is between $35 and $1,000.", True),
            ("This applies to clearance items too.", True),
            ("Outside these hours, you can leave a message in the chat window.", True),
            ("Refunds take 5-7 business days.", False),
            ("Items can be returned within 30 days of delivery.", False),
            ("Make sure that the item is unused.", False),
            ("Scrub them away with steel wool, rinse, dry, and re-season.", True),
            ("For example, a $120 order earns 120 points.", True),
            ("If it's still missing, contact support and we'll file a claim.", False),
        ],
    )
    def test_sentences_that_point_back_are_told_apart(self, sentence, leans):
        assert leans_back(sentence) is leans

    @pytest.mark.parametrize(
        ("question", "yes_or_no"),
        [
            ("Do gift cards expire?", True),
            ("I opened the pillow and don't like it, can I send it back", True),
            ("Isn't shipping free over $50?", True),
            ("how do I cancel my order?", False),
            ("I ordered two hours ago and the button to cancel is gone", False),
            ("What's your return policy?", False),
            ("礼品卡会过期吗？", True),  # not read: taken as one
        ],
    )
    def test_yes_no_questions_are_told_apart(self, question, yes_or_no):
        assert asks_yes_or_no(question) is yes_or_no

    @pytest.mark.parametrize(
        ("sentence", "leads"),
        [("Some options:", True), ("**Do this:**", True), ("步骤如下：", True), ("Refunds take 5-7 business days.", False), ("Call 1-800-555-0142.", False)],
    )
    def test_lead_ins_are_told_apart(self, sentence, leads):
        assert leads_in(sentence) is leads


def _faq_source(question: str, answer: str) -> Source:
    return Source(1, "faq.jsonl#7", question, "faq.jsonl", "", 0.9, text=f"Q: {question}\nA: {answer}")


def _check_on_faq(embedder, question: str, answer: str, sentence: str, customer: str | None = None):
    """The check of `sentence` against one FAQ entry, the customer having asked `customer` (the entry's question)."""
    checker = grounding_checker(embedder)
    return checker.check(sentence, checker.evidence([_faq_source(question, answer)], [customer or question]))


class TestSentencesCopiedFromASource:
    """The check accepts a sentence a source states word for word, whatever the sentence holds."""

    def test_the_first_answer_sentence_of_a_question_without_a_question_mark(self, embedder):
        checker = grounding_checker(embedder)
        sentence = "Press Ctrl + Shift + V to paste without the source formatting."
        question = "Gmail & Google Docs: Paste just the text, not the formatting (Firefox, Safari)"  # a StackFAQ title
        evidence = checker.evidence([_faq_source(question, f"{sentence} It works in Gmail.")], ["How?"])
        assert checker.check(sentence, evidence).supported

    @pytest.mark.parametrize(
        "sentence",
        [
            "Add #t=1m30s to a link such as youtube.com/watch?v=zJOS0sV2a24 to start the video there.",
            'Click the "View    comparison" button to see both versions.',
            'Search for "-f>@+?*<" to find that page.',
            "Every order over $50 ships free, and you won't be asked to pay anything on delivery.",
        ],
        ids=["ids-with-digits", "spaces-in-a-quoted-label", "asterisk-in-a-quoted-phrase", "words-for-all-or-any"],
    )
    def test_a_later_sentence_holding_links_ids_or_odd_quotes(self, embedder, sentence):
        check = _check_on_faq(embedder, "How do I do it?", f"It depends on the page. {sentence}", sentence)
        assert check.supported, check.reason


class TestNegations:
    """A negated sentence is supported only by a statement that denies the same thing."""

    WARRANTY = "Cookware and small appliances have a 1-year limited warranty against manufacturing defects, but not misuse or normal wear."

    @pytest.mark.parametrize(
        ("sentence", "supported"),
        [
            ("We offer a 1-year limited warranty against manufacturing defects, but we do not have any warranties for cookware.", False),
            ("Cookware has a 1-year limited warranty against manufacturing defects, but it does not cover misuse or normal wear.", True),
            ("Cookware and small appliances have a 1-year limited warranty against manufacturing defects.", False),  # as before
        ],
        ids=["denies-what-the-source-grants", "denies-what-the-source-denies", "leaves-out-the-source's-exception"],
    )
    def test_a_negation_must_apply_to_what_the_source_denies(self, embedder, sentence, supported):
        check = _check_on_faq(embedder, "Is cookware under warranty?", self.WARRANTY, sentence)
        assert check.supported is supported, check


class TestFiguresOfSomethingElse:
    """A sentence states a statement's figures only about what that statement states them about."""

    SHIPPING = (
        "Standard shipping takes 3-5 business days and costs $6, or is free on orders over $75. "
        "Express shipping takes 1-2 business days and costs $15. Express is not available for furniture."
    )

    @pytest.mark.parametrize(
        ("sentence", "supported"),
        [
            ("Express shipping takes 3-5 business days and costs $6.", False),  # the standard rates, moved to express
            ("Standard shipping takes 1-2 business days.", False),
            ("Express shipping takes 1-2 business days and costs $15.", True),
            ("Standard shipping is free on orders over $75.", True),
            ("Express is not available for furniture.", True),  # no figure: nothing to move
        ],
    )
    def test_figures_stay_with_what_the_source_states_them_about(self, embedder, sentence, supported):
        check = _check_on_faq(embedder, "How long does shipping take?", self.SHIPPING, sentence)
        assert check.supported is supported, check


class TestBounds:
    """A sentence bounds what it states (under/over, within/after, before/after) as its statement does."""

    @pytest.mark.parametrize(
        ("source", "sentence", "supported"),
        [
            ("Standard shipping is free on orders over $50.", "Standard shipping is free on orders under $50.", False),
            ("Standard shipping is free on orders over $50.", "Standard shipping is free on orders of $50 or less.", False),
            ("Standard shipping is free on orders over $50.", "Standard shipping is free on orders above $50.", True),
            ("Items can be returned within 30 days of the delivery date.", "Items can be returned after 30 days of the delivery date.", False),
            ("You can change the shipping address only before the order ships.", "You can change the shipping address after the order ships.", False),
            ("You can change the shipping address only before the order ships.", "You can change the shipping address before the order ships.", True),
        ],
    )
    def test_a_bound_turned_around_is_not_supported(self, embedder, source, sentence, supported):
        check = _check_on_faq(embedder, "What's the policy?", source, sentence)
        assert check.supported is supported, check


class TestWordsTurnedAround:
    """A word with a negative prefix ("non-refundable", "undamaged") is the opposite of the word without it."""

    @pytest.mark.parametrize(
        ("source", "sentence", "supported"),
        [
            ("Gift cards are non-refundable.", "Gift cards are refundable.", False),
            ("Unopened items can be returned within 30 days.", "Opened items can be returned within 30 days.", False),
            (
                "Original shipping charges are refunded only if the item arrived damaged.",
                "Original shipping charges are refunded if the item arrived undamaged.",
                False,
            ),
            ("Damaged items get a free replacement; undamaged ones get a refund.", "Damaged items get a free replacement.", True),
        ],
    )
    def test_a_word_turned_around_is_not_supported(self, embedder, source, sentence, supported):
        check = _check_on_faq(embedder, "What's the policy?", source, sentence)
        assert check.supported is supported, check


class TestCountedFrom:
    """A time window is counted from what its statement counts it from: the model's "30 days of purchase" is not
    the source's "30 days of the delivery date", figure and all words but one the same."""

    SOURCE = (
        "Items can be returned within 30 days of the delivery date. Refunds are issued within 5-7 business days after "
        "our warehouse receives the item."
    )

    @pytest.mark.parametrize(
        ("sentence", "supported"),
        [
            ("Items can be returned within 30 days of the purchase date.", False),
            ("You can return items within 30 days of purchase.", False),
            # Written by the bundled model for "How long do refunds take?" (benchmarks/data/grounding_labels.jsonl).
            ("In some cases, you may receive your refund within 5-7 business days of the original purchase date.", False),
            ("Refunds are issued within 5-7 business days after you ship the item.", False),
            ("Items can be returned within 30 days of delivery.", True),
            ("Items can be returned within 30 days from the date of delivery.", True),
            ("Refunds are issued within 5-7 business days after our warehouse receives the item.", True),
        ],
    )
    def test_a_window_counted_from_something_else_is_not_supported(self, embedder, sentence, supported):
        check = _check_on_faq(embedder, "How long do I have to return something?", self.SOURCE, sentence)
        assert check.supported is supported, check

    def test_a_date_is_what_it_is_the_date_of(self, embedder):
        # "30 days of the delivery date" is "30 days of delivery": "date" says when, not of what.
        source = "You can return unused items within 30 days of delivery."
        check = _check_on_faq(embedder, "How long do I have?", source, "You can return unused items within 30 days of the delivery date.")
        assert check.supported, check


class TestCasesUnderLabels:
    """A statement that is one case of a list of labelled cases holds for that case: a sentence must name it, or a
    rule for US orders reaches a customer in Canada as the rule."""

    DUTIES = (
        "How import duties and taxes are handled depends on where your order is going:\n\n"
        "- **Canada:** duties and taxes are **not** included at checkout. The carrier collects them on delivery.\n"
        "- **UK and EU:** duties and taxes are **prepaid** at checkout. You won't be asked to pay anything on delivery."
    )
    HOURS = "Call 1-800-555-0142.\n\n- **Monday to Friday:** phone support is open 9 am - 6 pm ET.\n- **Saturday and Sunday:** phone support is closed."
    LABELS = "Return shipping:\n\n- **US orders:** we provide a free prepaid return label.\n- **Canada, UK, and EU orders:** you pay for return shipping."

    @pytest.mark.parametrize(
        ("source", "customer", "sentence", "supported"),
        [
            (DUTIES, "Do I have to pay customs?", "Duties and taxes are not included at checkout.", False),
            (DUTIES, "Do I have to pay customs?", "Duties and taxes are prepaid at checkout.", False),
            (DUTIES, "Do I have to pay customs?", "For Canada, duties and taxes are not included at checkout.", True),
            (DUTIES, "Do I have to pay customs in Germany?", "In the UK and EU, duties and taxes are prepaid at checkout.", True),
            (HOURS, "When can I call?", "Phone support is open 9 am - 6 pm ET.", False),
            (HOURS, "When can I call?", "Phone support is open 9 am - 6 pm ET, Monday to Friday.", True),
            (LABELS, "Who pays for return shipping?", "We provide a free prepaid return label.", False),
            (LABELS, "Who pays for return shipping?", "You pay for return shipping.", False),
            (LABELS, "Who pays for return shipping?", "For US orders, we provide a free prepaid return label.", True),
            # The customer naming the case is not the sentence naming it: "I'm not in the US" names it too.
            (LABELS, "I'm not in the US, who pays for return shipping?", "We provide a free prepaid return label.", False),
        ],
    )
    def test_a_case_is_named_or_the_sentence_is_not_supported(self, embedder, source, customer, sentence, supported):
        check = _check_on_faq(embedder, "What does it cost?", source, sentence, customer)
        assert check.supported is supported, check

    def test_a_label_that_names_no_case_is_no_scope(self, embedder):
        source = "Note: exports include archived cards. Update: boards can be exported as CSV from the board menu."
        check = _check_on_faq(embedder, "Can I export a board?", source, "Boards can be exported as CSV from the board menu.")
        assert check.supported, check


RETURNABLE = "Items can be returned within 30 days of the delivery date, provided they are unused and in their original packaging."


FAIR_USE = "We only contact a home if it uses more than 10 TB in a calendar month for 3 months in a row."


class TestConditions:
    """A statement that holds under a condition ("only if", "unless", "provided", "as long as", "except") supports a
    sentence that keeps the condition; dropped, the rule reads as unconditional."""

    @pytest.mark.parametrize(
        ("source", "customer", "sentence", "supported"),
        [
            ("Original shipping charges are refunded only if the item arrived damaged.", "Do you refund shipping?", "Original shipping charges are refunded.", False),
            ("Original shipping charges are refunded only if the item arrived damaged.", "Do you refund shipping?", "We refund original shipping charges if the item arrived damaged.", True),
            # Nor is a condition the customer names kept ("I don't have the original packaging, can I return it?").
            ("Original shipping charges are refunded only if the item arrived damaged.", "My lamp arrived damaged, do you refund shipping?", "Original shipping charges are refunded.", False),
            ("Items can be returned within 30 days of the delivery date, provided they are unused.", "Can I return something?", "Items can be returned within 30 days of the delivery date.", False),
            ("Items can be returned within 30 days of the delivery date, provided they are unused.", "Can I return something?", "Unused items can be returned within 30 days of the delivery date.", True),
            ("Original shipping charges are not refunded unless the item arrived damaged.", "Do you refund shipping?", "Original shipping charges are not refunded.", False),
            ("Exchanges are free when you swap for the same item in a different size or color.", "Are exchanges free?", "Exchanges are free.", False),
            # A condition of two parts holds only with both: one kept is not enough.
            (RETURNABLE, "Can I return something?", "Items in their original packaging can be returned within 30 days of the delivery date.", False),
            (RETURNABLE, "Can I return something?", "You can return items within 30 days of delivery if they are unused and in the original packaging.", True),
            ("Exchanges are free when you swap for the same item in a different size.", "Are exchanges free?", "Exchanges for the same item in a different size are free.", True),
            # A condition kept keeps its figures: they are its thresholds.
            (FAIR_USE, "Is there a data cap?", "We contact a home that uses more than 10 TB in a calendar month.", False),
            (FAIR_USE, "Is there a data cap?", "We contact a home if it uses more than 10 TB in a calendar month for 3 months in a row.", True),
        ],
    )
    def test_a_condition_left_out_is_not_supported(self, embedder, source, customer, sentence, supported):
        check = _check_on_faq(embedder, "What's the policy?", source, sentence, customer)
        assert check.supported is supported, check


class TestQualifiers:
    """What a statement says of some things ("Unused items", "Standard shipping", "Opened pillows") is not said of
    all of them: a sentence that keeps the thing and drops the word qualifying it is not supported."""

    @pytest.mark.parametrize(
        ("source", "sentence", "supported"),
        [
            ("Unused items can be returned within 14 days for a full refund.", "Items can be returned within 14 days for a full refund.", False),
            ("Unused items can be returned within 14 days for a full refund.", "You can return items within 14 days for a full refund.", False),
            ("Unused items can be returned within 14 days for a full refund.", "You can return unused items within 14 days.", True),
            ("Standard shipping takes 5-7 business days.", "Shipping takes 5-7 business days.", False),
            ("Opened pillows are final sale for hygiene reasons.", "Pillows are final sale for hygiene reasons.", False),
            ("International orders take 10-15 business days to arrive.", "International orders arrive in 10-15 business days.", True),
            # A noun and its verb open a statement too: the verb is seldom the sentence's word as written.
            ("Our warehouse ships orders within 1 business day.", "Orders ship within 1 business day.", True),
        ],
    )
    def test_a_qualifier_left_out_is_not_supported(self, embedder, source, sentence, supported):
        check = _check_on_faq(embedder, "What's the policy?", source, sentence)
        assert check.supported is supported, check

    def test_a_statement_about_two_kinds_qualifies_neither_alone(self, embedder):
        # "Canada" opens the statement, yet a sentence about the UK orders it also names has left nothing out.
        source = "Canada orders take 7-12 business days, while UK orders take 10-15 business days."
        check = _check_on_faq(embedder, "What's the policy?", source, "UK orders take 10-15 business days.")
        assert "qualifier" not in check.reason, check


GIFT_CARDS = (
    "Gift cards are final sale and can't be returned or exchanged. Gift cards can't be redeemed for cash, except "
    "where required by law. Treat your gift card like cash."
)
SHIPPING = "Standard shipping is free on orders over $50. Expedited takes 2-3 business days for $12.95."


class TestWhatAnotherWordRulesOut:
    """A sentence that repeats a statement but for a word or two is not supported where that word is ruled out: a word
    another statement of the source denies, an amount's bound dropped, "free" for what the source prices."""

    @pytest.mark.parametrize(
        ("source", "customer", "sentence", "supported"),
        [
            # All but "exchanged" is in "Treat your gift card like cash.", and the source says no to exchanges.
            (GIFT_CARDS, "Can I get cash for a gift card?", "Gift cards can be exchanged for cash.", False),
            (GIFT_CARDS, "Can I get cash for a gift card?", "Treat your gift card like cash.", True),
            (GIFT_CARDS, "Can I get cash for a gift card?", "Gift cards can't be returned or exchanged.", True),
            (SHIPPING, "How much is shipping?", "Standard shipping is free on orders of $50.", False),  # $50 itself doesn't
            (SHIPPING, "How much is shipping?", "Standard shipping is free on orders over $50.", True),
            (SHIPPING, "How much is shipping?", "Expedited takes 2-3 business days and is free.", False),
            (SHIPPING, "How much is shipping?", "Expedited takes 2-3 business days for $12.95.", True),
        ],
    )
    def test_a_word_the_source_rules_out_is_not_supported(self, embedder, source, customer, sentence, supported):
        check = _check_on_faq(embedder, customer, source, sentence)
        assert check.supported is supported, check


class TestTermsAdded:
    """A sentence that copies a statement but adds a term of two words that neither the source nor the customer uses
    says something new."""

    @pytest.mark.parametrize(
        ("sentence", "supported"),
        [
            # Nine of its eleven words are the statement's (RIGHT): the overlap alone let "store credit" through.
            ("Refunds are issued as store credit within 5-7 business days after our warehouse receives your return.", False),
            ("Refunds are issued within 5-7 business days after our warehouse receives your return.", True),
            ("Your refund is issued to your original payment method within 5-7 business days after our warehouse receives your returned item.", True),
        ],
    )
    def test_a_term_no_source_uses_is_not_supported(self, embedder, sentence, supported):
        check = _check_on_faq(embedder, REFUNDS, RIGHT, sentence)
        assert check.supported is supported, check


class TestHowSureOrBinding:
    """A sentence makes no must of what its statement recommends, and no fact of what it says may be so."""

    @pytest.mark.parametrize(
        ("source", "sentence", "supported"),
        [
            ("We recommend using a tracked service for returns.", "You must use a tracked service for returns.", False),
            ("We recommend using a tracked service for returns.", "We recommend a tracked service for returns.", True),
            ("You must sign in to earn points.", "You must sign in to earn points on an order.", True),
            ("Klarna may run a soft credit check when you apply.", "Klarna will run a soft credit check when you apply.", False),
            ("Klarna may run a soft credit check when you apply.", "Klarna may run a soft credit check when you apply for it.", True),
            ("Most orders arrive within 5-7 business days.", "Orders arrive within 5-7 business days.", False),
        ],
    )
    def test_a_must_or_a_may_is_kept_as_the_source_has_it(self, embedder, source, sentence, supported):
        check = _check_on_faq(embedder, "What's the policy?", source, sentence)
        assert check.supported is supported, check


SETUP_FEES = "On a 12-month contract there's a $60 setup fee, and on a monthly rolling plan the setup fee is $99."


class TestPartsOfAStatement:
    """A statement in parts, each with its own figures, supports each part's figures with that part's words only."""

    @pytest.mark.parametrize(
        ("source", "sentence", "supported"),
        [
            ("Live chat is open 8 am - 8 pm ET on weekdays and 9 am - 5 pm ET on weekends.", "Live chat is open 8 am - 8 pm ET on weekends.", False),
            ("Live chat is open 8 am - 8 pm ET on weekdays and 9 am - 5 pm ET on weekends.", "On weekends, live chat is open 9 am - 5 pm ET.", True),
            ("Live chat is open 8 am - 8 pm ET on weekdays and 9 am - 5 pm ET on weekends.", "Live chat is open 8 am - 8 pm ET on weekdays.", True),
            ("Canada orders take 7-12 business days, while UK orders take 10-15 business days.", "UK orders take 7-12 business days.", False),
            ("Standard shipping takes 5-7 business days, or is free on orders over $50.", "Standard shipping takes 5-7 business days.", True),
            # Copied whole, whatever its commas cut: "Thursday, December 24, 2026" is one figure.
            ("Live chat is open 8 am - 8 pm ET on weekdays and 9 am - 5 pm ET on weekends.", "Live chat is open 8 am - 8 pm ET on weekdays and 9 am - 5 pm ET on weekends.", True),
            ("Order by the dates below for delivery by Thursday, December 24, 2026.", "Order by the dates below for delivery by Thursday, December 24, 2026.", True),
            # Figures joined from two parts are whole parts: not the 12 of one with the $99 of the other.
            (SETUP_FEES, "On a 12-month contract there's a $99 setup fee.", False),
            (SETUP_FEES, "On a 12-month contract there's a $60 setup fee.", True),
            (SETUP_FEES, "On a monthly rolling plan the setup fee is $99.", True),
            (SETUP_FEES, "There's a $60 setup fee on a 12-month contract, and on a monthly rolling plan the setup fee is $99.", True),
        ],
    )
    def test_one_parts_figures_with_another_parts_words_are_not_supported(self, embedder, source, sentence, supported):
        check = _check_on_faq(embedder, "What are your hours?", source, sentence)
        assert check.supported is supported, check

    @pytest.mark.parametrize(
        ("sentence", "supported"),
        [
            ("Our chat team is available 9 am to 5 pm ET.", False),  # the weekend's hours, told as the hours
            ("Our chat team is available 8 am to 8 pm ET.", False),
            ("Chat is available 8 am to 8 pm ET Monday to Friday.", True),
            ("Chat is open 9 am to 5 pm ET on weekends.", True),
        ],
    )
    def test_one_parts_figures_without_the_words_that_tell_it_apart_are_not_supported(self, embedder, sentence, supported):
        source = "Our chat team is available 8 am to 8 pm ET Monday to Friday and 9 am to 5 pm ET on weekends."
        check = _check_on_faq(embedder, "When is chat open?", source, sentence)
        assert check.supported is supported, check


def test_every_sentence_of_the_sample_docs_is_supported_by_its_own_chunk(sample_index_dir, embedder):
    # What a source states word for word is never an unsupported claim, whatever rule the check learns next: an
    # extractive answer quotes such sentences, and eval's supported_sentence_rate counts them.
    checker = grounding_checker(embedder)
    rejected = []
    for chunk in load_index(sample_index_dir).chunks:
        ((source, _),) = group_sources([ScoredChunk(chunk, 1.0)])
        evidence = checker.evidence([source], ["What does the help center say?"])
        for statement in evidence.statements:
            check = checker.check(statement, evidence)
            if not check.supported:
                rejected.append((chunk.chunk_id, statement, check.reason))
    assert not rejected, rejected[:5]


class TestBadSources:
    def test_a_source_without_sentence_boundaries_gets_an_answer_or_the_fallback(self, embedder, tmp_path: Path):
        from supportbot.app import create_index_builder
        from supportbot.config import Config

        docs = tmp_path / "docs"
        docs.mkdir()
        (docs / "table.md").write_text("# Rates\n\n| Method | Days | Cost |\n|---|---|---|\n| Standard | 5-7 | $5.95 |\n", encoding="utf-8")
        (docs / "line.txt").write_text("shipping " * 3000, encoding="utf-8")
        (docs / "code.md").write_text("# Config\n\n```\nrefund_days=5-7;shipping_fee=0;retries=3\n```\n", encoding="utf-8")
        (docs / "zh.md").write_text("# 退款\n\n退款将在5-7个工作日内退回到您的原支付方式。运费不予退还。\n", encoding="utf-8")
        create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
        retriever = DenseRetriever(load_index(tmp_path / "index"), embedder, top_k=4, min_score=0.2)
        for mode in ("grounded", "extractive"):
            manager = DialogueManager(
                retriever, EchoGenerator("Standard takes 9 days."), ConversationStore(tmp_path / "c.sqlite3"),
                BotConfig(answer_mode=mode), GenerationSettings(), 4, grounding_checker(embedder),
            )  # fmt: skip
            for question in ("How much is standard shipping?", "shipping", "What are the refund days?", "退款需要多长时间？"):
                reply = manager.reply("console", f"{mode}-{question}", question)
                text = reply.text()
                assert text.strip() and "9 days" not in text
                assert reply.kind in (AnswerKind.GROUNDED, AnswerKind.EXTRACTIVE, AnswerKind.FALLBACK)


class TestFaithfulnessMeasures:
    def test_an_invented_number_counts_in_generative_mode_and_not_in_grounded(self, manager_for):
        from supportbot.evaluation.answers import AnswerCase, evaluate_answers

        manager, _ = manager_for("Refunds take 2-3 business days. Is there anything else I can help with?", mode="generative")
        cases = [AnswerCase(REFUNDS, "Refunds take 5-7 business days after we receive your return.")]
        generative = evaluate_answers(manager, cases, show_progress=False).to_dict()
        assert generative["unsupported_number_rate"] == 1.0 and generative["supported_sentence_rate"] == 0.5
        manager.bot.answer_mode = "grounded"
        grounded = evaluate_answers(manager, cases, show_progress=False).to_dict()
        assert grounded["unsupported_number_rate"] == 0.0 and grounded["supported_sentence_rate"] == 1.0
        assert grounded["rouge_l"] > generative["rouge_l"]


@pytest.mark.parametrize(
    ("sentence", "place"),
    [
        ("The code hasn't expired.", "opens"),
        ("Many codes don't apply to clearance items.", "continues"),
        ("Check the following:", ""),
        ("Codes can't be combined.", "continues"),
    ],
)
def test_where_a_sentence_stands_in_a_list(sentence, place):
    chunk = (
        "Check the following:\n- The code hasn't expired.\n- The items aren't excluded. Many codes don't apply to clearance items.\n"
        "1. **One code per order.** Codes can't be combined."
    )
    assert place_in_list(chunk, sentence) == place


@pytest.mark.parametrize(
    ("question", "text", "elsewhere"),
    [
        ("how long does delivery to the EU take?", "In the US, Standard shipping takes 5-7 business days.", True),
        ("how much does it cost to ship to the UK?", "| United Kingdom | 10-15 business days | $19.95 |", False),  # initials
        ("Can I pay with Klarna?", "Klarna pay-in-4 is available on orders from $35 to $1,000.", False),
        ("Can I pay with Klarna?", "Your first payment is due at checkout.", False),  # names nothing else
        ("how much does it cost to ship to the uk?", "In the US, Standard shipping takes 5-7 business days.", False),  # no name asked
    ],
)
def test_a_sentence_about_something_other_than_what_the_customer_named(question, text, elsewhere):
    assert about_something_else(question, text) is elsewhere


INSTALL_PAGE = """---
title: Install the CLI
---
# Install the CLI

Follow these steps to install the Larkspur command-line tool on your computer.

1. Download the installer from the downloads page.
2. Open a terminal and run the installer:

   ```bash
   sh larkspur-install.sh --prefix /usr/local
   ```

3. Check the version to confirm it worked:

       larkspur --version

4. Sign in with your account email.
"""


class TestProcedureUnderAnIntroduction:
    """A numbered procedure under a sentence introducing it, a step's code fenced and another's indented."""

    def test_a_step_under_the_introduction_brings_every_step_and_each_steps_code(self, answer_from_page):
        # The answer was the introduction and step 1 alone; then step 3's command was left out (read as prose, and
        # too short to quote).
        text = answer_from_page("install.md", INSTALL_PAGE, "How do I install the CLI?")
        _assert_in_order(
            text,
            "Follow these steps to install",
            "- Download the installer",
            "- Open a terminal and run the installer:",
            "```bash\nsh larkspur-install.sh --prefix /usr/local\n```",
            "- Check the version to confirm it worked:",
            "```\nlarkspur --version\n```",
            "- Sign in with your account email.",
        )
