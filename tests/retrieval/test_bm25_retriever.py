import pytest

from supportbot.errors import ConfigError
from supportbot.retrieval.bm25 import BM25Retriever
from supportbot.retrieval.documents import Chunk
from supportbot.text.analyzers import tokenize


def test_tokenize_lowercases_and_drops_function_words():
    assert tokenize("How do I reset THE password?") == ["how", "reset", "password"]


def test_question_words_outweigh_the_same_words_deep_in_an_answer():
    faq = Chunk("1", "faq#1", "Gift cards", "faq.jsonl", "They never expire.", question="Do gift cards expire?")
    page = Chunk("2", "page", "Promotions", "p.md", "Promotions change weekly. " * 5 + "Gift cards can be bought online.")
    retriever = BM25Retriever([page, faq], top_k=2)
    assert [hit.chunk.doc_id for hit in retriever.search("gift cards", 2)] == ["faq#1", "page"]


def test_query_without_shared_words_returns_nothing():
    retriever = BM25Retriever([Chunk("1", "d", "Returns", "p", "Send it back.")], top_k=3)
    assert retriever.retrieve("shipping abroad") == []


def test_stemming_matches_other_forms_of_a_word():
    archive = Chunk("1", "faq#archive", "Archive", "faq.jsonl", "Use the All Mail label.", question="Where do archived emails go?")
    other = Chunk("2", "faq#labels", "Labels", "faq.jsonl", "Create one under Settings.", question="How do I create a label?")
    stemmed = BM25Retriever([archive, other], top_k=2)
    assert [hit.chunk.doc_id for hit in stemmed.retrieve("archiving an email")] == ["faq#archive"]
    unstemmed = BM25Retriever([archive, other], top_k=2, stemmer_language="")
    assert unstemmed.retrieve("archiving an email") == []


def test_unknown_stemmer_language_names_the_choices():
    with pytest.raises(ConfigError, match=r"retrieval.bm25_stemmer: no Snowball stemmer for 'klingon' \(choose one of .*english"):
        BM25Retriever([], top_k=1, stemmer_language="klingon")


def _chinese_chunks():
    return [
        Chunk("1", "zh/returns.md", "退货政策", "zh/returns.md", "大多数商品可以在签收后30天内申请退货，商品须未使用并保留原包装。"),
        Chunk("2", "zh/shipping.md", "配送方式", "zh/shipping.md", "标准配送需要5到7个工作日，订单满50美元免运费。"),
        Chunk("3", "en/returns.md", "Return policy", "en/returns.md", "Most items can be returned within 30 days of delivery."),
    ]


def test_chinese_chunk_is_found_by_a_word_inside_a_sentence():
    retriever = BM25Retriever(_chinese_chunks(), top_k=3)
    assert [hit.chunk.doc_id for hit in retriever.retrieve("原包装")] == ["zh/returns.md"]
    assert retriever.retrieve("免运费吗")[0].chunk.doc_id == "zh/shipping.md"


def test_traditional_question_finds_simplified_chunk_and_one_index_holds_both_languages():
    retriever = BM25Retriever(_chinese_chunks(), top_k=3)
    assert [hit.chunk.doc_id for hit in retriever.retrieve("如何申請退貨")] == ["zh/returns.md"]
    assert [hit.chunk.doc_id for hit in retriever.retrieve("returned items")] == ["en/returns.md"]


def test_english_index_scores_exactly_as_with_the_english_only_analyzer(sample_index_dir, monkeypatch):
    """The sample index's BM25 scores equal those of BM25 built on the Snowball-only analyzer this one replaced."""
    import numpy as np

    from supportbot.retrieval import bm25
    from supportbot.retrieval.index_store import load_index
    from supportbot.text.analyzers import snowball_words

    chunks = load_index(sample_index_dir).chunks
    multilingual = BM25Retriever(chunks, top_k=4)
    monkeypatch.setattr(bm25, "TextAnalyzer", snowball_words)
    english_only = BM25Retriever(chunks, top_k=4)
    for question in ("How long do refunds take?", "Can I pay with Klarna?", "cast iron seasoning", "Do gift cards expire?"):
        assert np.array_equal(multilingual.scores(question), english_only.scores(question))
        assert multilingual.scores(question).max() > 0
