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
