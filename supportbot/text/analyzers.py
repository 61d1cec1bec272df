"""Words for BM25 and for the answer metrics, in text with spaces (English) and without (Chinese).

Text is cut into runs by script. A run of Han characters is Chinese: it is folded from Traditional
to Simplified (OpenCC's t2s, so 退貨 finds 退货) and segmented into words by rjieba (the jieba
algorithm and dictionary, in Rust). A run that also holds kana is Japanese, for which no segmenter
ships here: it becomes overlapping character pairs, as Lucene's CJK analyzer does. Everything else
is split on \\w+ with English stop words and reduced to its Snowball stem, exactly as before this
module existed, so an English index keeps its terms and scores. One analyzer therefore serves an
index that holds both languages, and a question that mixes them ("Klarna可以分期吗").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import opencc

from supportbot.errors import ConfigError

_WORD = re.compile(r"\w+", re.UNICODE)
# Function words that carry no topic; short on purpose, so that "not" or "how" stay out of it.
STOPWORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "is", "are", "was", "were", "be",
        "been", "it", "its", "i", "my", "me", "we", "our", "you", "your", "do", "does", "did", "can", "could",
        "would", "should", "will", "with", "at", "by", "from", "this", "that", "these", "those", "as", "if",
        "so", "there", "their", "them", "then"
    }
)
# The same for Chinese (after folding to Simplified): particles, pronouns, "please"; 怎么/如何 ("how") stay.
CHINESE_STOPWORDS = frozenset(
    {
        "的", "了", "吗", "呢", "吧", "啊", "呀", "么", "是", "在", "和", "与", "及", "或", "我", "你", "您", "我们", "你们", "他",
        "她", "它", "这", "那", "这个", "那个", "也", "都", "就", "把", "被", "给", "请", "请问", "一下"
    }
)

# Character ranges (for a regex class) of Han ideographs (Chinese, and Japanese kanji) and of Japanese kana.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
KANA = "\u3040-\u30ff"
_CJK_RUN = re.compile(f"[{HAN}{KANA}]+")
_HAS_KANA = re.compile(f"[{KANA}]")
_HAS_HAN = re.compile(f"[{HAN}]")
_CJK_CHARACTER_OR_REST = re.compile(f"[{HAN}{KANA}]|[^{HAN}{KANA}]+")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = re.compile(r"[^\w\s]")

Analyzer = Callable[[str], list[str]]
_TRADITIONAL_TO_SIMPLIFIED = opencc.OpenCC("t2s")  # ~15 ms with the import; read-only once made


def tokenize(text: str) -> list[str]:
    """Lowercased \\w+ words without English stop words (no stemming)."""
    return [word for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


def snowball_words(stemmer_language: str) -> Analyzer:
    """`tokenize`, then each word's Snowball stem ('' keeps words as they are)."""
    if not stemmer_language:
        return tokenize
    import snowballstemmer

    if stemmer_language not in snowballstemmer.algorithms():
        raise ConfigError(
            f"retrieval.bm25_stemmer: no Snowball stemmer for {stemmer_language!r} "
            f"(choose one of {', '.join(sorted(snowballstemmer.algorithms()))}, or \"\" for none)"
        )
    stem = lru_cache(maxsize=100_000)(snowballstemmer.stemmer(stemmer_language).stemWord)
    return lambda text: [stem(word) for word in tokenize(text)]


_NAME_RUN = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+){1,3}\b")


def initialisms(text: str) -> list[str]:
    """The initials of each run of two to four capitalised words, lowercased ("United Kingdom" -> "uk"): the
    abbreviation a customer types for a name a page spells out ("ship to the UK" for "| United Kingdom | ...")."""
    return ["".join(word[0] for word in run.split()).lower() for run in _NAME_RUN.findall(text)]


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


def has_han(text: str) -> bool:
    return _HAS_HAN.search(text) is not None


def to_simplified(text: str) -> str:
    """Traditional Chinese characters and phrases in `text` as Simplified (OpenCC t2s); other text is unchanged."""
    return _TRADITIONAL_TO_SIMPLIFIED.convert(text)


def character_pairs(run: str) -> list[str]:
    """Overlapping pairs of characters (one character alone stays itself): words for text no segmenter knows."""
    return [run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)]


class TextAnalyzer:
    """Text to BM25 terms in any mix of English-like and CJK text (see the module docstring)."""

    def __init__(self, stemmer_language: str = "english") -> None:
        self.words = snowball_words(stemmer_language)

    def cjk_words(self, run: str) -> list[str]:
        if _HAS_KANA.search(run):
            return character_pairs(run)
        import rjieba

        # Search mode adds the parts of long words (分期付款 also gives 分期, 付款), as jieba's own search index does.
        return [word for word in rjieba.cut_for_search(to_simplified(run)) if word not in CHINESE_STOPWORDS]

    def __call__(self, text: str) -> list[str]:
        if not has_cjk(text):
            return self.words(text)  # the English path, unchanged
        terms: list[str] = []
        position = 0
        for run in _CJK_RUN.finditer(text):
            terms += self.words(text[position : run.start()])
            terms += self.cjk_words(run.group())
            position = run.end()
        return terms + self.words(text[position:])


def metric_words(text: str) -> list[str]:
    """Words as answer metrics compare them: SQuAD's normalisation, and each CJK character a word of its own.

    Chinese has no spaces, so split on whitespace a Chinese answer is one "word"; character-level
    ROUGE and F1 are what Chinese summarisation and QA benchmarks (LCSTS, DuReader, CMRC) report.
    Traditional characters are folded to Simplified first, so a Traditional answer can match a
    Simplified reference. Text without CJK characters gives exactly SQuAD's normalised words.
    """
    if has_han(text):
        text = to_simplified(text)
    words = _ARTICLES.sub(" ", _PUNCTUATION.sub(" ", text.lower())).split()
    if not has_cjk(text):
        return words
    return [piece for word in words for piece in _CJK_CHARACTER_OR_REST.findall(word)]
