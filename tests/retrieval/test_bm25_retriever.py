import pytest

from supportbot.errors import ConfigError
from supportbot.retrieval.bm25 import BM25Retriever, tokenize
from supportbot.retrieval.documents import Chunk


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
