"""False sentences the bundled model wrote to customers (issue #12) that the grounding check let through: a "no"
where the source says yes, a rule moved under a condition the source never states, and Chinese sentences, which
were not checked at all. The real checker, embedder, retriever and sample help centers; the chat model is a double
that writes the false sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import EchoGenerator, grounding_checker

from supportbot.app import create_grounding_checker, retriever_for_index
from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.prompt import Source
from supportbot.config import Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore

DOCS = Path(__file__).resolve().parents[2] / "supportbot" / "sample_data"
REWARDS = "Rewards aren't promo codes, so you can use a reward and a promo code on the same order."
WHERE_REFUNDS_GO = (
    "Refunds always go back to the payment method used for the order:\n\n"
    "- **Credit or debit card:** credited to the same card.\n"
    "- **Larkspur gift card:** credited back to the gift card.\n"
    "- **Klarna:** Klarna updates your payment plan and refunds any installments you've already paid, according to their terms."
)
GIFT_CARD_REFUNDS = "If you return an item you paid for with a gift card, the refund goes back to the same gift card."
EXCHANGES_ZH = "如果您需要**同一件商品的其他尺寸或颜色**，可以免费换货。每件商品只能换货一次。\n\n- 在签收后 30 天内申请换货。\n- 商品须未使用并保留原包装。"
FINAL_SALE_ZH = "以下商品属于最终销售，不能退货也不能换货：清仓商品、个性化定制或刻字商品、礼品卡，以及出于卫生原因已拆封的床垫褥和枕头。"


def _page(number: int, title: str, text: str) -> Source:
    return Source(number, f"page-{number}.md", title, f"page-{number}.md", "", 0.9, text=text)


def _check(embedder, sources: list[Source], customer: str, sentence: str):
    checker = grounding_checker(embedder)
    return checker.check(sentence, checker.evidence(sources, [customer]))


class TestNegatedAgainstGranted:
    """A sentence that says no is not supported by a statement that says yes to the same thing, though the
    statement holds a negation of its own about something else."""

    @pytest.mark.parametrize(
        ("sentence", "supported"),
        [
            ("No, you cannot use a promo code and a reward on the same order.", False),
            ("You can't combine a reward with a promo code on the same order.", False),
            ("Rewards aren't promo codes.", True),  # what the source does deny
        ],
    )
    def test_no_is_not_supported_by_a_statement_that_grants_it(self, embedder, sentence, supported):
        check = _check(embedder, [_page(1, "Larkspur Rewards", REWARDS)], "Can I use a promo code and a reward on the same order?", sentence)
        assert check.supported is supported, check

    def test_a_denial_beside_a_grant_of_something_else_is_still_supported(self, embedder):
        source = "Gift cards are final sale and can't be returned, but you can return other unused items within 30 days."
        check = _check(embedder, [_page(1, "Returns", source)], "Can I return a gift card?", "Gift cards can't be returned.")
        assert "grants" not in check.reason, check  # the other items' 30 days are not what the sentence denies


class TestConditionsTheSentenceAdds:
    """A sentence that states something under a condition ("If you paid with a gift card, ...") is supported only by
    a statement that names that condition: the rule for Klarna is not the rule for gift cards."""

    SOURCES = (_page(1, "Refund timing", WHERE_REFUNDS_GO), _page(2, "Gift cards", GIFT_CARD_REFUNDS))

    @pytest.mark.parametrize(
        ("sentence", "supported"),
        [
            ("If you paid with a gift card, Klarna will update your payment plan and refund any installments you've already paid.", False),
            ("If you paid with a gift card, Klarna updates your payment plan and refunds any installments you've already paid.", False),
            ("If you paid with a gift card, the refund goes back to the same gift card.", True),
            ("If you paid with Klarna, Klarna updates your payment plan and refunds any installments you've already paid.", True),
        ],
    )
    def test_a_condition_no_statement_names_is_not_supported(self, embedder, sentence, supported):
        # The customer naming the condition is not the source stating the rule under it.
        check = _check(embedder, list(self.SOURCES), "I paid with Klarna. What if I paid with a gift card instead?", sentence)
        assert check.supported is supported, check

    def test_a_rule_for_every_case_holds_under_the_condition_the_sentence_names(self, embedder):
        # Written by the bundled model and labelled supported (benchmarks/data/grounding_labels.jsonl).
        source = "Refunds go back to your original payment method within 5-7 business days after our warehouse receives your return."
        sentence = "If you paid with a gift card, the refund is issued to your original payment method within 5-7 business days after our warehouse receives your return."
        check = _check(embedder, [_page(1, "Return policy", source)], "And what if I paid with a gift card?", sentence)
        assert "condition" not in check.reason, check


class TestChineseSentences:
    """Chinese is checked in the analyzer's words, as English is: a sentence is the bot's own words only when it holds
    none but conversation words, and a claim needs a statement that holds its words and its negation."""

    @pytest.mark.parametrize(
        ("sentence", "supported"),
        [
            ("我可以钱吗？", False),  # the model's garbage, shown uncited after a claim
            ("这是一个确实的例子，但是在 1 小时内取消订单和重新下单。", False),  # its one figure was its one checked word
            ("换货需要支付运费。", False),
            ("最终销售商品可以换货。", False),  # the source says 不能
            ("在签收后 30 天内申请换货。", True),
            ("每件商品只能换货一次。", True),
            ("最终销售商品不能换货。", True),
        ],
    )
    def test_a_chinese_sentence_is_checked_against_the_sources(self, embedder, sentence, supported):
        sources = [_page(1, "换货", EXCHANGES_ZH), _page(2, "常见问题", FINAL_SALE_ZH)]
        check = _check(embedder, sources, "换货要钱吗？", sentence)
        assert check.claim, check
        assert check.supported is supported, check

    @pytest.mark.parametrize("sentence", ["谢谢您的提问！", "请问还有什么可以帮您？"])
    def test_chinese_conversation_words_are_the_bot_s_own(self, embedder, sentence):
        check = _check(embedder, [_page(1, "换货", EXCHANGES_ZH)], "换货要钱吗？", sentence)
        assert check.supported and not check.claim, check


@pytest.fixture
def grounded_bot(embedder, tmp_path: Path):
    """The grounded bot over an index, its model a double that writes `answer`."""

    def build(index_dir: Path, answer: str) -> DialogueManager:
        config = Config()
        retriever = retriever_for_index(config, load_index(index_dir), embedder)
        store = ConversationStore(tmp_path / "conversations.sqlite3")
        checker = create_grounding_checker(config, embedder)
        return DialogueManager(retriever, EchoGenerator(answer=answer), store, config.bot, GenerationSettings(max_new_tokens=96), 4, checker)

    return build


class TestCustomersNeverReadThem:
    """The fuzzer's cases end to end: the customer does not read the false sentence."""

    def test_a_no_where_the_rewards_page_says_yes(self, grounded_bot, sample_index_dir):
        bot = grounded_bot(sample_index_dir, "No, you cannot use a promo code and a reward on the same order. [1]")
        text = bot.reply("console", "c1", "Can I use a promo code and a reward on the same order?").text()
        assert "cannot" not in text, text

    def test_garbage_after_a_true_chinese_sentence(self, grounded_bot, sample_zh_index_dir):
        bot = grounded_bot(sample_zh_index_dir, "在签收后 30 天内申请换货。 [1] 我可以钱吗？")
        text = bot.reply("console", "c1", "换货要钱吗？").text()
        assert "我可以钱吗" not in text, text
