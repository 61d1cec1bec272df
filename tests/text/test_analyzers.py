"""Words for BM25: English as before, Chinese segmented and folded to Simplified, both in one text."""

from __future__ import annotations

from supportbot.text.analyzers import TextAnalyzer, initialisms, snowball_words, tokenize


class TestTextAnalyzer:
    def test_english_text_gives_exactly_the_stemmed_words_of_before(self):
        text = "How do I archive THE returned orders? Refunds take 5-7 days (incl. weekends)."
        assert TextAnalyzer("english")(text) == snowball_words("english")(text)
        assert TextAnalyzer("")(text) == tokenize(text)

    def test_chinese_is_cut_into_words_without_particles(self):
        assert TextAnalyzer()("如何申请退货，我的订单还没有到") == ["如何", "申请", "退货", "订单", "还", "没有", "到"]

    def test_traditional_characters_become_their_simplified_words(self):
        analyze = TextAnalyzer()
        assert analyze("退貨與退款") == analyze("退货与退款") == ["退货", "退款"]

    def test_mixed_text_keeps_english_words_and_chinese_words(self):
        assert TextAnalyzer()("Klarna可以分期付款吗? returns") == ["klarna", "可以", "分期", "付款", "分期付款", "return"]

    def test_japanese_becomes_character_pairs(self):
        assert TextAnalyzer()("返品の方法") == ["返品", "品の", "の方", "方法"]


def test_names_spelled_out_give_the_initials_customers_type():
    text = "| United Kingdom | 10-15 business days | We ship to the European Union. In the US, Standard shipping"
    assert initialisms(text) == ["uk", "eu"]  # "In the US" and "Standard" alone are no names of two words
