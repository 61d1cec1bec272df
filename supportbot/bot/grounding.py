"""Check each sentence of an answer against the sources before a customer sees it.

A sentence is shown only when one statement of the sources (a sentence of the text the model was
given, among those that answer the question) supports it:
- every figure it states (amounts, durations, counts, percentages, dates, times, codes; see
  text/figures.py) is stated in that statement, or was written by the customer (their order
  number is not invented when the answer repeats it);
- every name it uses (capitalised or all-caps words: a product, a policy, a place) appears in
  that source's text or in what the customer wrote, and every phrase it quotes or sets in bold (a
  button, a menu item) appears there word for word;
- what it states figures about is what that statement states them about: a sentence whose first
  content word (in English mostly its subject) is missing from the statement, while another
  statement that has it states other figures, has moved them to something else ("Express shipping
  takes 3-5 business days and costs $6" on "Standard shipping takes 3-5 business days and costs
  $6", beside "Express shipping takes 1-2 business days and costs $15");
- what it bounds from above (under, up to, within, before ...) or from below (over, at least, after
  ...), that statement bounds the same way: "free on orders under $50" is not supported by "free on
  orders over $50", nor "after 30 days" by "within 30 days";
- a time window it states is counted from what that statement counts it from: "30 days of purchase"
  is not supported by "30 days of the delivery date" (text/figures.counted_from);
- where that statement is one case of a list of cases set under labels ("**US orders:** we provide a
  free prepaid return label." beside "**Canada, UK, and EU orders:** you pay ..."), it names its case
  (a word of the label that the other labels lack): without it, a rule for US orders reads as a rule
  for every order. That the customer named the case is not enough ("I'm not in the US");
- where that statement holds under a condition ("if", "unless", "provided", "as long as", "only
  when", "when you", "except"), it keeps the condition (a word of it): "Original shipping charges are refunded." is not
  supported by "... refunded only if the item arrived damaged";
- it makes nothing a must ("must", "required") that statement doesn't, and states as fact nothing
  that statement says only may be so ("may", "usually", "most"): "You must use a tracked service"
  is not supported by "We recommend using a tracked service";
- where that statement is in parts that each state figures ("8 am - 8 pm ET on weekdays and 9 am -
  5 pm ET on weekends"), its figures and words come from one part: "open 8 am - 8 pm ET on weekends"
  mixes two;
- where that statement opens with a word that qualifies the next ("Unused items", "Standard
  shipping", "Opened pillows"), it does not keep the thing and drop the qualifier: "Items can be
  returned within 14 days" says of every item what the source says of unused ones;
- it holds no word that a word of that statement turns around with a negative prefix, nor the other
  way: "Gift cards are refundable." is not supported by "Gift cards are non-refundable.", nor
  "if the item arrived undamaged" by "if the item arrived damaged";
- it speaks of all or any of something ("You can return anything within 14 days"), or of one alone
  ("Chat is the only way to reach us"), only where that statement does too: a sentence that drops
  the source's "unused items" for "anything", or its "fastest" for "only", reads the same words and
  means more;
- both are negated or neither is ("you can" is not supported by "you can't"), and their negations
  apply to the same thing: "there is no warranty for cookware" is not supported by "cookware has a
  warranty, but not against misuse" (the words after each negation, to the end of its clause), and what it denies
  that statement does not grant in a clause of its own: "you cannot use a promo code and a reward on the same
  order" is not supported by "Rewards aren't promo codes, so you can use a reward and a promo code on the same order";
- where that statement holds for one case (a label, a condition), a condition the sentence adds ("If you paid with a
  gift card, ...") is named by that statement, its title or its FAQ question: the rule for Klarna is not the rule
  for gift cards;
- a "Yes" that opens it answers the customer's question, which only a statement that itself
  opens with "Yes" does (an FAQ answer); a true statement after a wrong "Yes" misleads;
- and the two say the same thing: the share of the sentence's content words found in the
  statement (bot.grounding_min_overlap) and their embedding similarity (bot.grounding_min_similarity).
Words are compared first; only statements that pass are embedded, so a check costs milliseconds. Chinese is read
in the analyzer's words (rjieba's, as BM25 reads it), its negations (不, 没有, 无法 ...) included; a sentence in a script
the embedder doesn't read has no meaningful similarity, so its statement must hold all its content words instead.

The bot's own words are not claims about the company: a sentence made only of conversation words
("Is there anything else I can help with?", "Would you like me to connect you with a person?"), or
one that only repeats what the customer said ("Your tracking says delivered but it's not there"),
is shown without a citation, and only before a supported claim. Anything else that is not
supported is dropped, however plausible.
How the bars were chosen: docs/answers.md and benchmarks/grounding.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np

from supportbot.bot.prompt import ANSWER_MARK, PASSAGE_BREAK, QUESTION_MARK, Source, source_statements
from supportbot.retrieval.documents import ScoredChunk
from supportbot.text.analyzers import HAN, KANA
from supportbot.text.figures import Figure, counted_from, extract_figures, figures_match
from supportbot.text.sentences import is_table_row, row_headers, split_sentences

MAX_CACHED_VECTORS = 50_000  # about 75 MB of 384-dimensional vectors
# A sentence in a script the embedder doesn't read (Chinese, with the English all-MiniLM-L6-v2) is compared by words
# alone, so its statement must hold all its content words: what its similarity would have added, no word may.
UNREAD_MIN_OVERLAP = 1.0

# Words of the conversation itself: a sentence made only of these states nothing about the company.
CONVERSATION_WORDS = frozenset(
    {
        "hi", "hello", "hey", "thanks", "thank", "welcome", "sure", "certainly", "course", "glad", "happy", "help",
        "helps", "helping", "assist", "assistance", "sorry", "apologize", "apologise", "inconvenience", "hope",
        "anything", "else", "question", "questions", "let", "know", "like", "would", "please", "feel", "free",
        "connect", "connecting", "person", "people", "human", "agent", "team", "support", "colleague", "someone",
        "reach", "here", "chat", "today", "great", "good", "ok", "okay", "understand", "understood", "absolutely",
        "information", "answer", "find", "sources", "source", "cover", "covers", "covered", "unfortunately",
        "afraid", "unable", "able", "can't", "cannot", "don't", "exactly", "detail", "details", "specific", "more",
        "ask", "asking", "check", "further", "need", "needs", "morning", "afternoon", "evening", "day", "wonderful",
        "nice", "well", "best", "regards", "talk", "speak", "contact", "center", "centre",
    }
)
# Snowball's English stop word list: words that carry no claim, left out of the overlap measure.
FUNCTION_WORDS = frozenset(
    {
        "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself",
        "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself", "they",
        "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that", "these", "those",
        "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does", "did",
        "doing", "would", "should", "could", "ought", "i'm", "you're", "he's", "she's", "it's", "we're", "they're",
        "i've", "you've", "we've", "they've", "i'd", "you'd", "he'd", "she'd", "we'd", "they'd", "i'll", "you'll",
        "he'll", "she'll", "we'll", "they'll", "let's", "that's", "who's", "what's", "here's", "there's", "when's",
        "where's", "why's", "how's", "a", "an", "the", "and", "but", "if", "or", "because", "as", "until", "while",
        "of", "at", "by", "for", "with", "about", "against", "between", "into", "through", "during", "before",
        "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again",
        "further", "then", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both", "each",
        "few", "more", "most", "other", "some", "such", "only", "own", "same", "so", "than", "too", "very", "will",
        "just", "can", "may", "might", "must", "also", "yes",
    }
)
# The same for Chinese, as the analyzer segments it (its own stop words, 的 吗 我 ..., are left out already): words
# that ask, allow or converse, so "我可以钱吗？" holds one content word (钱), not three.
CHINESE_CONVERSATION_WORDS = frozenset(
    {
        "您好", "你好", "谢谢", "感谢", "多谢", "帮助", "帮忙", "帮", "协助", "抱歉", "对不起", "不好意思", "希望", "问题", "请问",
        "可以", "能", "能够", "会", "要", "想", "需要", "有", "没有", "什么", "怎么", "怎么样", "如何", "哪些", "哪里", "为什么",
        "告诉", "知道", "了解", "客服", "联系", "还有", "其他", "其它", "随时", "如果", "那么", "但是", "因为", "所以", "以及",
        "或者", "关于", "一个", "这样", "这是", "例子", "确实", "谢谢您", "感谢您", "提问", "咨询",
    }
)  # fmt: skip
# Chinese negations as the analyzer segments them ("不能退货": 不能, 退货); 不同, 不过, 无论, 非常 ... are other words.
CHINESE_NEGATIONS = frozenset(
    {
        "不", "不能", "不可", "不可以", "不会", "不要", "不用", "不必", "不得", "不再", "不是", "不予", "不支持", "不接受", "不提供",
        "没", "没有", "未", "无", "无法", "无需", "无须", "别", "勿", "禁止", "非", "并非",
    }
)  # fmt: skip
_CJK_RUN = re.compile(f"[{HAN}{KANA}]+")
# A sentence and its support must agree on whether something is so: "you can put it in the dishwasher"
# is not supported by "never put it in the dishwasher", however many words they share.
NEGATIONS = frozenset({"not", "no", "never", "cannot", "none", "nothing", "nobody", "neither", "nor", "without", "unable"})
# Words that make a statement about all or any of something: the sources must make it too. (Function or conversation
# words otherwise, so the overlap measure cannot see one added; negated ones, "never", "nothing", are NEGATIONS'.)
# "Only" speaks of all the others, none of which: "Chat is the only way to reach us." on "Chat is the fastest way".
UNIVERSALS = frozenset(
    {
        "all", "any", "anything", "anyone", "anybody", "anywhere", "anytime", "every", "everything", "everyone",
        "everybody", "everywhere", "always", "whatever", "whenever", "wherever", "whichever", "only", "solely",
        "exclusively",
    }
)
# Words that bound an amount, a time or an event from above or from below: a sentence and its support must bound
# alike ("under $50" / "over $50" share every content word and figure). Function words otherwise, so the overlap
# measure cannot see them.
BOUNDS = {
    "above": re.compile(
        r"\b(?:under|below|less than|fewer than|at most|or less|or fewer|up to|within|no more than|before|prior to|until)\b",
        re.IGNORECASE,
    ),
    "below": re.compile(
        r"\b(?:over|above|more than|greater than|at least|or more|exceeding|after|later than|beyond)\b", re.IGNORECASE
    ),
}
# Words that say when without saying of what: "30 days of the delivery date" is "30 days of delivery".
COUNTED_FROM_GENERIC = ("date", "day", "time", "moment")
# A label that opens a statement ("**US orders:** we provide ...", "Monday to Friday: 9 am - 6 pm ET"): up to five
# words before a colon, with text after it. Labels that name no case of anything are not scopes (GENERIC_LABELS).
_LABEL = re.compile(r"^(?:\*\*)?([^:*\n]{2,40}?)(?:\*\*)?:(?:\*\*)?\s+\S")
GENERIC_LABELS = frozenset(
    {
        "note", "nb", "tip", "tips", "hint", "important", "warning", "caution", "update", "updated", "edit", "example",
        "examples", "e.g", "answer", "question", "q", "a", "step", "steps", "source", "ps", "p.s", "summary", "result",
        "solution", "fix", "workaround", "alternative", "alternatively", "also", "otherwise", "then", "so", "but",
        "and", "or", "yes", "no", "why", "how", "what", "here", "like this", "for example", "for instance", "see",
    }
)  # fmt: skip
# How sure or binding a statement is: a sentence may not make a must of what its statement recommends or allows
# ("You must use a tracked service" for "We recommend using a tracked service"), nor a fact of what it says may be
# so ("Klarna will run a credit check" for "Klarna may run a soft credit check"). Function words otherwise.
FUTURE_WORDS = frozenset({"will", "won", "going"})  # as plain_words reads "will", "won't", "going to"
OBLIGATIONS = re.compile(r"\b(?:must|required|requires|require|mandatory|have to|has to|need to|needs to)\b", re.IGNORECASE)
_HEDGE_WORDS = "may|might|could|usually|typically|generally|often|sometimes|most|some cases|possibly"
HEDGES = re.compile(rf"\b(?:{_HEDGE_WORDS})\b", re.IGNORECASE)  # what a statement may hedge with
CLAIM_HEDGES = re.compile(rf"\b(?:{_HEDGE_WORDS}|can)\b", re.IGNORECASE)  # and a sentence it supports: "can" too
# Prefixes that turn a word around ("non-refundable", "undamaged", "unavailable", "invalid", "disabled").
NEGATIVE_PREFIXES = ("non", "un", "dis", "in", "im", "il", "ir")
_PLAIN_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_OPENING_YES = re.compile(r"^\W*yes\b", re.IGNORECASE)
_ONLY_YES = re.compile(r"\W*yes\W*", re.IGNORECASE)
_QUESTION = re.compile(
    r"\?|^\W*(?:can|could|do|does|did|is|are|was|were|will|would|should|may|how|what|when|where|why|who|which)\b",
    re.IGNORECASE | re.MULTILINE,
)
_CITATION = re.compile(r"\s*(?:\[(?:\d+\s*(?:,\s*|-\s*)?)+\]|\((?:source|sources)\s*\d+(?:\s*,\s*\d+)*\))", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def strip_citations(sentence: str) -> str:
    """The sentence without the citation markers a model wrote ("[1]", "[1, 2]", "(source 2)")."""
    return _CITATION.sub("", sentence).strip()


def _negation(word: str) -> bool:
    word = word.lower().replace("’", "'")
    return word in NEGATIONS or word.endswith("n't") or word in CHINESE_NEGATIONS


def _words_at(sentence: str) -> list[tuple[str, int]]:
    """Each word of a sentence with where it ends: English words, and Chinese ones as rjieba segments them."""
    found = [(match.group(), match.end()) for match in _WORD.finditer(sentence)]
    for run in _CJK_RUN.finditer(sentence):
        import rjieba

        position = run.start()
        for word in rjieba.cut(run.group()):
            position += len(word)
            found.append((word, position))
    return sorted(found, key=lambda pair: pair[1])


def is_negated(sentence: str) -> bool:
    return any(_negation(word) for word, _ in _words_at(sentence))


_BOUND_BEFORE = re.compile(rf"(?:{BOUNDS['above'].pattern}|{BOUNDS['below'].pattern})\s*$", re.IGNORECASE)


def bounded_amounts(sentence: str) -> list[Figure]:
    """The amounts and counts a sentence bounds, a bound word right before each ("free on orders over $50": $50;
    "up to 3 items": 3). Durations are left out: "within 5-7 days" and "takes 5-7 days" say the same."""
    found = []
    for figure in extract_figures(sentence):
        at = sentence.find(figure.text)
        if (figure.kind == "amount" or (figure.kind == "number" and not figure.unit)) and at > 0 and _BOUND_BEFORE.search(sentence[:at]):
            found.append(figure)
    return found


def bounds_in(sentence: str) -> frozenset[str]:
    """How the sentence bounds what it states: "above" (under, up to, within, before ...), "below" (over, at least,
    after ...), both or neither."""
    return frozenset(side for side, words in BOUNDS.items() if words.search(sentence))


def label_of(statement: str) -> str:
    """The label that opens a statement ("US orders" for "**US orders:** we provide ..."), or ""."""
    match = _LABEL.match(statement)
    if match is None or len(match.group(1).split()) > 5 or match.group(1).strip().lower() in GENERIC_LABELS:
        return ""
    return match.group(1).strip()


def plain_words(sentence: str) -> frozenset[str]:
    """The sentence's words as written, lowercased, hyphens dropped ("non-refundable" -> "nonrefundable")."""
    return frozenset(word.replace("-", "") for word in _PLAIN_WORD.findall(sentence.lower()))


def turns_around(words: frozenset[str], other: frozenset[str]) -> bool:
    """Whether a word of `words` is a word of `other` with a negative prefix ("undamaged" for "damaged"), where
    `other` lacks that word and `words` the one without the prefix (a statement naming both, "damaged" and
    "undamaged" items, turns neither around). The rest must be 4 letters or more ("unit" is not "un" + "it")."""
    for word in words - other:
        for prefix in NEGATIVE_PREFIXES:
            rest = word[len(prefix) :]
            if word.startswith(prefix) and len(rest) >= 4 and rest in other and rest not in words:
                return True
    return False


def is_universal(sentence: str) -> bool:
    """Whether the sentence speaks of all or any of something ("anything", "every order", "always")."""
    return any(word.lower() in UNIVERSALS for word in _WORD.findall(sentence))


# Where what a negation applies to ends: the clause ("not misuse or normal wear, which ..." / "... but ...").
_CLAUSE_END = re.compile(r"[,;:.!?()，；：。！？、（）]|\b(?:but|unless|except|although|though|because|while|whereas|so)\b", re.IGNORECASE)


# Words that open a condition the rest of a statement holds under ("refunded only if the item arrived damaged").
_CONDITION = re.compile(r"\b(?:if|unless|provided|as long as|only when|when you|except)\b", re.IGNORECASE)


def _rest_of_clause(sentence: str, position: int) -> str:
    """The sentence from `position` to the end of its clause (_CLAUSE_END)."""
    rest = sentence[position:]
    end = _CLAUSE_END.search(rest)
    return rest[: end.start()] if end else rest


_AND = re.compile(r"\band\b", re.IGNORECASE)


def conditions_in(sentence: str) -> list[str]:
    """The conditions a sentence states, each from its word to the end of its clause ("the item arrived damaged")."""
    return [_rest_of_clause(sentence, match.end()) for match in _CONDITION.finditer(sentence)]


# Where a part of a statement ends, each with figures of its own ("8 am - 8 pm ET on weekdays and 9 am - 5 pm ET on
# weekends"; "takes 5-7 business days and costs $5.95, or is free on orders over $50").
_PART_END = re.compile(r"[,;]|\b(?:and|but|or|while|whereas)\b", re.IGNORECASE)


def figure_parts(statement: str) -> tuple[str, list[tuple[str, list[Figure]]]]:
    """What a statement says before its first figure (what all its parts are about: "Live chat is open"), and its
    parts that state figures, each with its figures."""
    first = re.search(r"\d", statement)
    if first is None:
        return statement, []
    parts = [(part, figures) for part in _PART_END.split(statement) if (figures := extract_figures(part))]
    if sorted(f.text for _, figures in parts for f in figures) != sorted(f.text for f in extract_figures(statement)):
        return statement, []  # a cut ran through a figure ("Thursday, December 24, 2026"): no parts to tell apart
    return statement[: first.start()], parts


def denied_text(sentence: str) -> str:
    """The words each negation applies to: from it to the end of its clause ("can't be returned", "not misuse")."""
    return " ".join(_rest_of_clause(sentence, end) for word, end in _words_at(sentence) if _negation(word))


def clauses_of(sentence: str) -> list[str]:
    """The sentence cut at the ends of its clauses (_CLAUSE_END): "Rewards aren't promo codes", "you can use ..."."""
    return [clause for clause in _CLAUSE_END.split(sentence) if clause and clause.strip()]


def without_negations(text: str) -> str:
    """The text with its negations left out: what a negated clause says is not so ("use a promo code and a reward")."""
    import rjieba

    text = _WORD.sub(lambda match: " " if _negation(match.group()) else match.group(), text)
    return _CJK_RUN.sub(lambda match: " ".join(word for word in rjieba.cut(match.group()) if not _negation(word)), text)


def statements_in_context(source: Source) -> list[tuple[str, str]]:
    """source_statements(source), each with what it is read under: the source's title, and an FAQ answer's question."""
    found = []
    for passage in source.text.split(PASSAGE_BREAK):
        question = passage.partition(f"\n{ANSWER_MARK}")[0].removeprefix(QUESTION_MARK) if passage.startswith(QUESTION_MARK) else ""
        found += [(statement, f"{source.title} {question}") for statement in source_statements(replace(source, text=passage))]
    return found


_QUOTED = re.compile(r"[\"“”]([^\"“”]{2,80})[\"“”]|\*\*([^*]{2,80})\*\*")


def quoted_in(sentence: str) -> list[str]:
    """Phrases in quotes or bold: button labels, menu items, names a customer will look for word for word."""
    return [(a or b).strip().lower() for a, b in _QUOTED.findall(sentence)]


def _as_written(text: str) -> str:
    """Text without bold marks and with single spaces: how a quoted phrase is looked up, on both sides."""
    return " ".join(text.replace("*", "").split())


def names_in(sentence: str) -> list[str]:
    """What names something: capitalised words not opening the sentence, all-caps words anywhere.

    Capitalised words in a row are one name ("Order Tracking page" names a page that must exist as such).
    """
    names: list[str] = []
    previous_end = -1
    for number, match in enumerate(_WORD.finditer(sentence)):
        word = match.group(0).rstrip("'’")
        if word == "I" or word.lower() in CONVERSATION_WORDS:
            continue
        is_acronym = len(word) >= 2 and word.isupper()
        if is_acronym or (number > 0 and word[0].isupper() and not _follows_colon(sentence, match.start())):
            if names and sentence[previous_end : match.start()] == " ":
                names[-1] += " " + word
            else:
                names.append(word)
            previous_end = match.start() + len(word)
    return names


def _follows_colon(sentence: str, position: int) -> bool:
    """A capital after ':' or a quote opens a clause (or a UI label), it doesn't make a name."""
    before = sentence[:position].rstrip()
    return before.endswith((":", '"', "“", "(", "-", "–", ">"))


@dataclass(frozen=True)
class SourceSentence:
    """A sentence of a source as given to the model, and where it came from."""

    text: str
    number: int  # the Source number the answer cites
    chunk_id: str
    position: int  # index within its chunk's sentences
    context: str = ""  # where it stands: the FAQ question, or the page title and section headings
    chunk_order: int = 0  # its chunk's place in the document (Chunk.order)
    table_header: str = ""  # a table row's header row ("Method | Days | Cost"; the header row's is itself)


@dataclass
class Evidence:
    """What an answer may state: its sources statement by statement, and what the customer wrote."""

    statements: list[str]
    numbers: list[int]  # the Source number of each statement
    terms: list[frozenset[str]]
    figures: list[list[Figure]]
    negated: list[bool]
    denied: list[frozenset[str]]  # content words under each statement's negations (denied_text)
    universal: list[bool]  # the statement speaks of all or any of something (is_universal)
    bounds: list[frozenset[str]]  # how each statement bounds what it states (bounds_in)
    words: list[frozenset[str]]  # each statement's words as written (plain_words)
    scopes: list[frozenset[str]]  # words naming the case a labelled statement is stated for (GroundingChecker._scopes)
    conditions: list[list[frozenset[str]]]  # each statement's conditions, by the words only they hold (_conditions)
    condition_figures: list[list[tuple[frozenset[str], list[Figure]]]]  # its conditions that state figures (_conditions)
    qualified: list[tuple[frozenset[str], str]]  # a statement's opening word and the word it qualifies (_qualified)
    parts: list[list[tuple[list[Figure], frozenset[str]]]]  # parts with figures: theirs, and words of their own (_parts)
    obliges: list[bool]  # the statement makes something a must (OBLIGATIONS)
    hedged: list[bool]  # the statement says something may be so, or usually is (HEDGES)
    bounded: list[list[Figure]]  # the amounts and counts each statement bounds (bounded_amounts)
    affirmed: list[bool]  # the statement opens with "Yes", or follows a "Yes." of its own
    answers_question: list[bool]  # statements that may support a claim (those that answer the question)
    source_text: dict[int, str]  # lowercased title and text of each source, where names are looked up
    customer_text: str
    customer_figures: list[Figure] = field(default_factory=list)
    customer_terms: frozenset[str] = frozenset()  # content words of what the customer wrote
    customer_asked: bool = False  # the customer's messages hold a question
    granted: list[list[frozenset[str]]] = field(default_factory=list)  # content words of each un-negated clause
    withheld: list[list[frozenset[str]]] = field(default_factory=list)  # and of each negated one, its negations left out
    context_terms: list[frozenset[str]] = field(default_factory=list)  # a statement's words, its title's and FAQ question's


@dataclass(frozen=True)
class Claim:
    """What a sentence states that a supporting statement must state too."""

    figures: list[Figure]
    names: list[str]
    quoted: list[str]
    negated: bool
    denied: frozenset[str]  # content words under its negations
    universal: bool  # it speaks of all or any of something
    yes: bool  # it opens with "Yes"
    subject: str = ""  # its first content word as analysed: what it is about, in English mostly
    bounds: frozenset[str] = frozenset()  # how it bounds what it states (bounds_in)
    words: frozenset[str] = frozenset()  # its words as written (plain_words)
    counted_from: frozenset[str] = frozenset()  # content words of what its durations are counted from (counted_from)
    terms: frozenset[str] = frozenset()  # its content words as analysed (GroundingChecker.content_terms)
    obliges: bool = False  # it makes something a must (OBLIGATIONS)
    hedged: bool = False  # it says something may be so, or can (CLAIM_HEDGES)
    bounded: tuple[Figure, ...] = ()  # the amounts and counts it bounds (bounded_amounts)
    phrases: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = ()  # two content words in a row (GroundingChecker._phrases)
    negated_clauses: tuple[frozenset[str], ...] = ()  # each negated clause's content words, its negations left out
    conditions: tuple[frozenset[str], ...] = ()  # the conditions it states, by the words only they hold (_conditions)


@dataclass(frozen=True)
class SentenceCheck:
    """The verdict on one answer sentence."""

    text: str  # the sentence without the model's own citation markers
    supported: bool
    claim: bool  # False: the bot's own words, shown without a citation
    sources: tuple[int, ...] = ()  # numbers of the sources that support it
    similarity: float = 0.0
    overlap: float = 0.0
    reason: str = ""


def source_sentences(grouped: Sequence[tuple[Source, Sequence[ScoredChunk]]]) -> list[SourceSentence]:
    """Every sentence of the retrieved chunks, read with its FAQ question or headings (FAQ questions are not statements)."""
    sentences = []
    for source, hits in grouped:
        for hit in hits:
            chunk = hit.chunk
            context = chunk.question or " > ".join(part for part in (chunk.title, *chunk.headings) if part)
            headers = row_headers(chunk.text)  # a table row is read under its table's header row ("Method | Days | Cost")
            for position, text in enumerate(split_sentences(chunk.text)):
                row = is_table_row(text)
                header = headers.get(text, "") if row else ""
                where = f"{context} > {header}" if header and header != text and any(char.isalnum() for char in header) else context
                sentences.append(
                    SourceSentence(text, source.number, chunk.chunk_id, position, where.strip(" >"), chunk.order, header if row else "")
                )
    return sentences


def _affirms(pairs: Sequence[tuple[str, int]], index: int) -> bool:
    """An FAQ answer's "Yes." stands for the sentence after it as much as for itself."""
    statement, number = pairs[index]
    if _OPENING_YES.match(statement):
        return True
    previous, previous_number = pairs[index - 1] if index else ("", 0)
    return previous_number == number and bool(_ONLY_YES.fullmatch(previous))


def _opposes(claim: Claim, negated: bool, denied: frozenset[str]) -> bool:
    """Whether the statement cannot support the claim for its negations: one is negated and the other not, or the
    words their negations apply to have nothing in common ("there is no warranty for cookware" against "a
    warranty, but not against misuse"). A bare "No." applies to no word of its own and agrees with any negation.
    """
    if claim.negated != negated:
        return True
    return bool(claim.denied and denied) and not claim.denied & denied


def _says_yes_to_what_it_denies(claim: Claim, index: int, evidence: Evidence) -> bool:
    """Whether statement `index` grants, in a clause without a negation, what a negated clause of the claim denies
    (all of that clause's words the statement has, two at least), and denies it in none of its own negated clauses:
    "you cannot use a promo code and a reward on the same order" on "Rewards aren't promo codes, so you can use a
    reward and a promo code on the same order" (both are negated, but not about the same thing)."""
    if not evidence.granted:
        return False
    for denied in claim.negated_clauses:
        said = denied & evidence.terms[index]
        granted = any(said <= clause for clause in evidence.granted[index])
        if len(said) >= 2 and granted and not any(said <= clause for clause in evidence.withheld[index]):
            return True
    return False


def _figures_of_something_else(claim: Claim, index: int, evidence: Evidence) -> bool:
    """Whether the claim states statement `index`'s figures about something else: its subject is not in that
    statement, and another statement that has it states figures the claim does not (see the module docstring)."""
    if not claim.figures or not claim.subject or claim.subject in evidence.terms[index]:
        return False
    return any(
        other != index and claim.subject in terms and figures and not all(figures_match(figure, figures) for figure in claim.figures)
        for other, (terms, figures) in enumerate(zip(evidence.terms, evidence.figures, strict=True))
    )


def _home_parts(claim: Claim, parts: Sequence[tuple[list[Figure], frozenset[str]]]) -> list[int]:
    """The parts of a statement (GroundingChecker._parts) that hold every figure the claim states; none without figures."""
    if not claim.figures:
        return []
    return [i for i, (figures, _) in enumerate(parts) if all(figures_match(figure, figures) for figure in claim.figures)]


def _mixes_parts(claim: Claim, parts: Sequence[tuple[list[Figure], frozenset[str]]]) -> bool:
    """Whether the claim states the figures of one part of a statement with a word only another part holds: "Live
    chat is open 8 am - 8 pm ET on weekends." on "... 8 am - 8 pm ET on weekdays and 9 am - 5 pm ET on weekends"."""
    home = _home_parts(claim, parts)
    if not home:
        return False
    own = frozenset().union(*(parts[i][1] for i in home))
    others = [words for i, (figures, words) in enumerate(parts) if i not in home and not all(figures_match(f, claim.figures) for f in figures)]
    return bool((frozenset().union(*others) - own) & claim.terms)  # a part whose figures the claim states too is its own


def _joins_parts(claim: Claim, parts: Sequence[tuple[list[Figure], frozenset[str]]]) -> bool:
    """Whether the claim joins figures of two parts of a statement, one of them only in part: "On a 12-month contract
    there's a $99 setup fee." on "On a 12-month contract there's a $60 setup fee, and on a monthly rolling plan the
    setup fee is $99" (the 12 of one part with the $99 of the other). A claim may join whole parts ("takes 2-3
    business days and costs $12.95")."""
    if len(parts) < 2 or _home_parts(claim, parts):
        return False
    stated = [figures for figures, _ in parts if any(figures_match(figure, claim.figures) for figure in figures)]
    whole = [figures for figures in stated if all(figures_match(figure, claim.figures) for figure in figures)]
    return len(stated) >= 2 and any(
        not any(figures_match(figure, figures) for figures in whole)
        for figure in claim.figures
        if any(figures_match(figure, figures) for figures in stated)
    )


def _drops_its_part(claim: Claim, parts: Sequence[tuple[list[Figure], frozenset[str]]]) -> bool:
    """Whether the claim states the figures of one part of a statement without the words that tell that part from
    the others: "Our chat team is available 9 am to 5 pm ET." on "... 8 am to 8 pm ET Monday to Friday and 9 am to
    5 pm ET on weekends" (the hours of the weekend, told as the hours). Figures and units don't tell parts apart."""
    home = _home_parts(claim, parts)
    if len(home) != 1:
        return False
    others = frozenset().union(*(words for i, (_, words) in enumerate(parts) if i != home[0]))
    telling = {word for word in parts[home[0]][1] - others if not any(c.isdigit() for c in word)}
    return bool(telling) and not telling & claim.terms


def _denied_elsewhere(claim: Claim, index: int, evidence: Evidence, overlaps: Sequence[float], min_overlap: float) -> str:
    """Why statement `index` cannot support an affirmative claim whose word it lacks another statement denies: "Gift
    cards can be exchanged for cash." shares all but "exchanged" with "Treat your gift card like cash.", and "Gift
    cards are final sale and can't be returned or exchanged." says no to that word. "" otherwise."""
    added = claim.terms - evidence.terms[index]
    if claim.negated or not added:
        return ""
    for other, overlap in enumerate(overlaps):
        if other != index and overlap >= min_overlap and evidence.negated[other] and added & evidence.denied[other]:
            return f"another statement of the source denies what it adds ({', '.join(sorted(added & evidence.denied[other]))})"
    return ""


class GroundingChecker:
    """Decides, sentence by sentence, whether the sources support what an answer says."""

    def __init__(
        self,
        embed: Callable[[Sequence[str]], np.ndarray],
        analyze: Callable[[str], list[str]],
        min_overlap: float,
        min_similarity: float,
        reads: Callable[[str], bool] | None = None,
    ) -> None:
        """`embed`: texts to normalised vectors, one row each (batched: a question's sources come at once).

        `min_overlap` and `min_similarity`: bot.grounding_min_overlap and bot.grounding_min_similarity; `reads`:
        whether `embed` reads a text (None: every text), see retrieval.embedding_languages.
        """
        self.embed = embed
        self.reads = reads or (lambda text: True)
        self.analyze = analyze
        self.min_overlap = min_overlap
        self.min_similarity = min_similarity
        self._vectors: dict[str, np.ndarray] = {}
        self._generic_when = frozenset(self.content_terms(" ".join(COUNTED_FROM_GENERIC)))  # as claims' words are read

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The embeddings of sentences, one row each; source sentences recur across questions, so they are kept."""
        missing = list(dict.fromkeys(text for text in texts if text not in self._vectors))
        if missing:
            if len(self._vectors) + len(missing) > MAX_CACHED_VECTORS:
                self._vectors.clear()
            self._vectors.update(zip(missing, self.embed(missing)))
        return np.stack([self._vectors[text] for text in texts]) if texts else np.zeros((0, 0), dtype=np.float32)

    def vector(self, text: str) -> np.ndarray:
        return self.vectors([text])[0]

    def evidence(
        self, sources: Sequence[Source], customer_messages: Sequence[str], answering: Collection[str] | None = None
    ) -> Evidence:
        """The sources as the model was given them (`Source.text`), statement by statement.

        With `answering`, only those statements may support a claim: a true sentence that does not answer the
        question ("duties are collected on delivery" to "who pays for return shipping?") misleads as much as a
        false one. Without it, any statement may (that is how eval measures support).
        """
        in_context = [(statement, source.number, context) for source in sources for statement, context in statements_in_context(source)]
        pairs = [(statement, number) for statement, number, _ in in_context]
        customer_text = "\n".join(customer_messages)
        conditions = [self._conditions(statement) for statement, _ in pairs]
        return Evidence(
            [statement for statement, _ in pairs],
            [number for _, number in pairs],
            [self._statement_terms(statement) for statement, _ in pairs],
            [extract_figures(statement) for statement, _ in pairs],
            [is_negated(statement) for statement, _ in pairs],
            [frozenset(self.content_terms(denied_text(statement))) for statement, _ in pairs],
            [is_universal(statement) for statement, _ in pairs],
            [bounds_in(statement) for statement, _ in pairs],
            [plain_words(statement) for statement, _ in pairs],
            self._scopes(pairs),
            [words for words, _ in conditions],
            [figures for _, figures in conditions],
            [self._qualified(statement) for statement, _ in pairs],
            [self._parts(statement) for statement, _ in pairs],
            [bool(OBLIGATIONS.search(statement)) for statement, _ in pairs],
            [bool(HEDGES.search(statement)) for statement, _ in pairs],
            [bounded_amounts(statement) for statement, _ in pairs],
            [_affirms(pairs, index) for index in range(len(pairs))],
            [answering is None or statement in answering for statement, _ in pairs],
            {source.number: f"{source.title} {source.text}".lower() for source in sources},
            customer_text,
            extract_figures(customer_text),
            frozenset(self.content_terms(customer_text)),
            bool(_QUESTION.search(customer_text)),
            [[frozenset(self.content_terms(clause)) for clause in clauses_of(statement) if not is_negated(clause)] for statement, _ in pairs],
            [[self._denied_words(clause) for clause in clauses_of(statement) if is_negated(clause)] for statement, _ in pairs],
            [self._statement_terms(statement) | self.content_terms(context) for statement, _, context in in_context],
        )

    def _label_terms(self, label: str) -> frozenset[str]:
        """A label's content words, and its all-caps ones lowercased ("US", which reads as the pronoun otherwise)."""
        return frozenset(self.content_terms(label)) | {word.lower() for word in _WORD.findall(label) if len(word) >= 2 and word.isupper()}

    def _scopes(self, pairs: Sequence[tuple[str, int]]) -> list[frozenset[str]]:
        """For each statement that is one case among labelled cases of its source, the words of its label that no
        other label of that source has ("us" for "US orders" beside "Canada, UK, and EU orders"); empty otherwise."""
        labels = [label_of(statement) for statement, _ in pairs]
        terms = [self._label_terms(label) if label else frozenset() for label in labels]
        scopes = []
        for index, (label, (_, number)) in enumerate(zip(labels, pairs, strict=True)):
            others = [terms[j] for j, (_, n) in enumerate(pairs) if n == number and labels[j] and labels[j] != label]
            scopes.append(terms[index] - frozenset().union(*others) if label and others else frozenset())
        return scopes

    def _outside(self, statement: str, conditions: Sequence[str]) -> set[str]:
        """The content words of a statement outside its conditions: what it says whatever holds."""
        rest = statement
        for condition in conditions:
            rest = rest.replace(condition, " ")
        return self.content_terms(rest)

    def _conditions(self, statement: str) -> tuple[list[frozenset[str]], list[tuple[frozenset[str], list[Figure]]]]:
        """The conditions of a statement (conditions_in), each by its content words that the rest of the statement
        lacks, and one for each part joined by "and", all of which must hold: "provided they are unused and in their
        original packaging" gives {unused} and {original, packaging}. Parts joined by "or" are one condition (either
        holds: "unless the item arrived damaged or wrong").

        Second, the conditions that state figures, each by its words and its figures (its thresholds): "if it uses
        more than 10 TB in a calendar month for 3 months in a row" gives {use, 10, tb, calendar, month, 3, row} and
        10 TB, 3 months."""
        conditions = conditions_in(statement)
        outside = self._outside(statement, conditions)
        parts = [part for condition in conditions for part in _AND.split(condition)]
        return (
            [words for part in parts if (words := frozenset(self.content_terms(part) - outside))],
            [(frozenset(self.content_terms(c) - outside), figures) for c in conditions if (figures := extract_figures(c))],
        )

    def _qualified(self, statement: str) -> tuple[frozenset[str], str]:
        """A statement that opens with two content words in a row, the first qualifying the second ("Unused items
        can be returned ...", "Standard shipping takes ...", "Opened pillows are final sale"): the first as analysed
        and the second as written, lowercased (a verb after a noun, "Our warehouse ships orders", is then seldom
        the claim's word too: "Orders ship ..."). Empty otherwise, and when the statement names the second word
        again (of another kind); function words before the first are passed over.
        """
        words = list(_WORD.finditer(statement))
        first = next((i for i, match in enumerate(words) if match.group().lower() not in FUNCTION_WORDS), None)
        if first is None or first + 1 >= len(words):
            return frozenset(), ""
        one, two = words[first], words[first + 1]
        qualifier = frozenset(self.content_terms(one.group()))
        if not qualifier or not self.content_terms(two.group()) or statement[one.end() : two.start()].strip(" -"):
            return frozenset(), ""
        if any(word.group().lower() == two.group().lower() for word in words[first + 2 :]):
            return frozenset(), ""  # "Canada orders take ..., while UK orders take ...": of two kinds, each named
        return qualifier, two.group().lower()

    def _parts(self, statement: str) -> list[tuple[list[Figure], frozenset[str]]]:
        """A statement's parts that state figures, when there are two or more: each part's figures, and its words
        that what comes before the first figure does not hold ("8 am - 8 pm ET on weekdays": weekdays, 8, am ...)."""
        before, parts = figure_parts(statement)
        if len(parts) < 2:
            return []
        shared = self.content_terms(before)
        return [(figures, frozenset(self.content_terms(part) - shared)) for part, figures in parts]

    def _denied_words(self, clause: str) -> frozenset[str]:
        """A negated clause's content words, its negations left out: what it says is not so."""
        return frozenset(self.content_terms(without_negations(clause)))

    def _statement_terms(self, statement: str) -> frozenset[str]:
        """All of a source statement's words count as support, read both ways a claim's words are read: a sentence
        copied word for word then always shares all of them ("youtube.com/watch?v=zJOS0sV2a24" gives "24" too)."""
        return frozenset(self.analyze(statement)) | self.content_terms(statement)

    def content_terms(self, text: str) -> set[str]:
        """The words a claim is made of, as the analyzer reduces them; function and conversation words left out.

        Chinese, which has no spaces, is read in the analyzer's words (rjieba's, as BM25 reads it): without them a
        Chinese sentence held no content word, and anything it said passed for the bot's own words."""
        words = [word.lower() for word in _WORD.findall(text)]
        kept = " ".join(word for word in words if word.replace("’", "'") not in FUNCTION_WORDS and word not in CONVERSATION_WORDS)
        numbers = " ".join(re.findall(r"\d+(?:[.,]\d+)*", text))
        terms = set(self.analyze(f"{kept} {numbers}"))
        if runs := _CJK_RUN.findall(text):
            terms |= {term for term in self.analyze(" ".join(runs)) if term not in CHINESE_CONVERSATION_WORDS}
        return terms

    @staticmethod
    def _restates_customer(terms: set[str], claim: Claim, evidence: Evidence) -> bool:
        """Only what the customer told us, back at them: no answer in it, and nothing to check.

        Never after a question: "I can ship a 9-foot rug to your PO box" uses only the words of "Can you ship a
        9 foot rug to my PO box?" and answers it. Nor when it tells what will be, or must, where the customer told
        what was: "You will be charged twice." on "Charged twice" is a prediction the sources must make.
        """
        return (
            not evidence.customer_asked
            and bool(terms)
            and terms - NEGATIONS <= evidence.customer_terms  # which denial ("no", "not") is compared below
            and not claim.yes
            and claim.negated == is_negated(evidence.customer_text)
            and all(figures_match(figure, evidence.customer_figures) for figure in claim.figures)
            and (not claim.obliges or bool(OBLIGATIONS.search(evidence.customer_text)))
            and (not claim.words & FUTURE_WORDS or bool(plain_words(evidence.customer_text) & FUTURE_WORDS))
        )

    def _phrases(self, text: str) -> tuple[tuple[str, frozenset[str], frozenset[str]], ...]:
        """Each two content words in a row, with nothing but a space between them ("store credit"), as written and as
        each is analysed: a term of two words that no source uses is a thing the sentence adds."""
        words = list(_WORD.finditer(text))
        phrases = []
        for one, two in pairwise(words):
            first, second = self.content_terms(one.group()), self.content_terms(two.group())
            if first and second and text[one.end() : two.start()] == " ":
                phrases.append((f"{one.group()} {two.group()}", frozenset(first), frozenset(second)))
        return tuple(phrases)

    def is_claim(self, sentence: str) -> bool:
        """False for the bot's own words: no figure, no name, and only conversation words."""
        if extract_figures(sentence) or names_in(sentence):
            return True
        words = [w.lower().strip("'’") for w in _WORD.findall(sentence)]
        content = [w for w in words if w not in CONVERSATION_WORDS and self.analyze(w)]
        return bool(content) or bool(_CJK_RUN.search(sentence) and self.content_terms(" ".join(_CJK_RUN.findall(sentence))))

    def check(self, sentence: str, evidence: Evidence) -> SentenceCheck:
        """Supported when one statement shares enough of its words, its figures, names and negation, and its meaning.

        Words are compared first (cheap); only the statements that pass are embedded and compared by meaning.
        """
        text = strip_citations(sentence)
        if not self.is_claim(text):
            return SentenceCheck(text, supported=True, claim=False)
        terms = self.content_terms(text)
        denied = frozenset(self.content_terms(denied_text(text)))
        claim = Claim(
            extract_figures(text),
            names_in(text),
            quoted_in(text),
            is_negated(text),
            denied,
            is_universal(text),
            bool(_OPENING_YES.match(text)),
            next((term for word in _WORD.findall(text) for term in sorted(self.content_terms(word))), ""),
            bounds_in(text),
            plain_words(text),
            frozenset(self.content_terms(" ".join(counted_from(text)))) - self._generic_when,
            frozenset(terms),
            bool(OBLIGATIONS.search(text)),
            bool(CLAIM_HEDGES.search(text)),
            tuple(bounded_amounts(text)),
            self._phrases(text),
            tuple(self._denied_words(clause) for clause in clauses_of(text) if is_negated(clause)),
            tuple(self._conditions(text)[0]),
        )
        if self._restates_customer(terms, claim, evidence):
            return SentenceCheck(text, supported=True, claim=False)
        overlaps = [len(terms & statement_terms) / len(terms) if terms else 1.0 for statement_terms in evidence.terms]
        read = self.reads(text)
        best = SentenceCheck(text, supported=False, claim=True, reason="no source states it")
        for index in sorted(range(len(overlaps)), key=lambda i: -overlaps[i]):
            overlap = overlaps[index]
            if overlap < self.min_overlap:
                break
            if not evidence.answers_question[index]:
                continue
            number = evidence.numbers[index]
            reason = self._contradiction(claim, index, evidence) or _denied_elsewhere(claim, index, evidence, overlaps, self.min_overlap)
            if reason or not read:  # words alone: the embedder's similarity says nothing of text it doesn't read
                similarity = 0.0
                supported = not reason and overlap >= UNREAD_MIN_OVERLAP
                reason = reason or f"weak support (overlap {overlap:.2f}, in words the embedder doesn't read)"
            else:
                similarity = float(self.vector(text) @ self.vector(evidence.statements[index]))
                supported = similarity >= self.min_similarity
                reason = f"weak support (similarity {similarity:.2f})"
            if supported:
                return SentenceCheck(text, True, True, (number,), similarity, overlap)
            if best.reason == "no source states it":
                best = SentenceCheck(text, False, True, (), similarity, overlap, reason)
        if best.reason == "no source states it" and overlaps:
            best = SentenceCheck(text, False, True, (), 0.0, max(overlaps), f"weak support (overlap {max(overlaps):.2f})")
        return best

    def _contradiction(self, claim: Claim, index: int, evidence: Evidence) -> str:
        """Why statement `index` cannot support the sentence, or "" when nothing stands against it."""
        known = evidence.figures[index] + evidence.customer_figures
        missing = [figure.text for figure in claim.figures if not figures_match(figure, known)]
        if missing:
            return f"figures not in the source: {', '.join(missing)}"
        haystack = evidence.source_text.get(evidence.numbers[index], "") + " " + evidence.customer_text.lower()
        unknown = [name for name in claim.names if name.lower() not in haystack]
        written = _as_written(haystack)
        unknown += [f'"{phrase}"' for phrase in claim.quoted if _as_written(phrase) not in written]
        if unknown:
            return f"names not in the source: {', '.join(unknown)}"
        if _opposes(claim, evidence.negated[index], evidence.denied[index]):
            return "the source says the opposite (negation)"
        if _says_yes_to_what_it_denies(claim, index, evidence):
            return "the source says the opposite (it grants what the sentence denies)"
        if claim.universal and not evidence.universal[index]:
            return "the source doesn't say all, any or only"
        if turns_around(claim.words, evidence.words[index]) or turns_around(evidence.words[index], claim.words):
            return "the source says the opposite (a word with a negative prefix)"
        if not claim.bounds <= evidence.bounds[index]:
            return "the source bounds it the other way (over/under, before/after)"
        unbounded = [f.text for f in claim.figures if not figures_match(f, list(claim.bounded))
                     and any(figures_match(f, [bounded]) for bounded in evidence.bounded[index])]
        if unbounded:
            return f"the source bounds {', '.join(unbounded)} (over, under, at least ...), the sentence does not"
        if "free" in claim.words and "free" not in evidence.words[index] and any(f.kind == "amount" for f in evidence.figures[index]):
            return "the source gives it a price, and doesn't say free"
        known_terms = evidence.terms[index] | evidence.customer_terms
        added = [phrase for phrase, first, second in claim.phrases if not (first | second) & known_terms]
        if added:
            return f"it adds what the source doesn't name: {', '.join(repr(phrase) for phrase in added)}"
        if not claim.counted_from <= evidence.terms[index]:
            return "the source counts the time from something else"
        scope = evidence.scopes[index]
        if scope and not scope & (claim.terms | claim.words):
            return "the source states it for one case only, which it doesn't name"
        if any(not condition & claim.terms for condition in evidence.conditions[index]):
            return "the source states it under a condition the sentence leaves out"
        # A rule stated for one case (under a label, or a condition of its own) is not the rule under another: "If you
        # paid with a gift card, Klarna updates your payment plan" on "**Klarna:** Klarna updates ...". A rule for
        # every case holds under any ("If you paid with a gift card, the refund goes to your original payment method").
        context = evidence.context_terms[index] if evidence.context_terms else evidence.terms[index]
        one_case = bool(scope or evidence.conditions[index])
        if one_case and any(not condition & context for condition in claim.conditions):
            return "it states it under a condition the source doesn't name, and the source states it for one case"
        if any(words & claim.terms and not all(figures_match(f, claim.figures) for f in figures) for words, figures in evidence.condition_figures[index]):
            return "it keeps the source's condition but leaves out one of its figures"
        if claim.obliges and not evidence.obliges[index]:
            return "the source doesn't make it a must"
        if evidence.hedged[index] and not claim.hedged:
            return "the source only says it may be so"
        if _mixes_parts(claim, evidence.parts[index]):
            return "its figures are one part of the statement's, its words another's"
        if _joins_parts(claim, evidence.parts[index]):
            return "its figures are from two parts of the statement, one of them only in part"
        if _drops_its_part(claim, evidence.parts[index]):
            return "its figures are one part of the statement's, and it leaves out which"
        qualifier, qualified = evidence.qualified[index]
        if qualified in claim.words and not qualifier & claim.terms:
            return "the source says it of some of them only (a qualifier left out)"
        if _figures_of_something_else(claim, index, evidence):
            return f"its figures are another statement's, about {claim.subject!r}"
        if claim.yes and not evidence.affirmed[index]:
            return "the source doesn't answer yes"
        return ""
