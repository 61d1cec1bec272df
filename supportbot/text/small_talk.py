"""What a message says besides a question: a greeting, thanks or goodbye, a request for a person, a "yes" or a "no".

Small talk is a message made entirely of these English words ("Hi", "hello there", "thanks so much!",
"good morning", "thanks, bye"), or a Chinese greeting, thanks or goodbye alone ("你好", "谢谢", "再见"); it
gets a friendly word instead of the fallback. A request for a person is a message made only of the words of
one ("talk to a human", "I want to speak to someone", "agent please", "转人工"), and a "yes" only of
agreement ("yes please connect me", "好的"): the dialogue manager hands the conversation over on either (a
"yes" only right after the bot offered a person). A request may come with its reason, in a sentence or clause of
its own ("I was charged twice, I want to talk to a human", "请帮我转人工，订单5521没到"): a message one of whose
clauses (split at . ! ? , ; and their Chinese forms, or a line break) is only a request that asks in so many words
("talk", "speak", "please", "转", "找"...) asks for a person; a person named alone beside a question ("Where is my
order, support?", "客服，我的订单呢？") is whom it is addressed to, not a request. A request about a subject in one
clause ("Can I talk to someone about returns?", "Do you have a person I can call?") is a question: the help center
may answer it, and the answer offers a person. Thanks is not a yes: "thanks", "ok thanks", "谢谢" after the
offer handed the customer to a person. A "no" ("no thanks", "nope, I'm good", "不用了，谢谢") right after the
offer is acknowledged. Anything else, "Can a person return an item?" included, is a question and goes to
retrieval.

Emoji say nothing here: "thanks 🙏", "hi :wave:" (Slack writes emoji as :name:) are small talk as
"thanks" and "hi" are; they were read as unknown words, so "thanks :pray:" in a Slack thread got the
fallback and paged the support team. A message of emoji alone is small talk when each is a thanks
("👍", "🙏", ":+1:") or each a wave ("👋"): a thumbs-up after an answer got the fallback and, in a Slack
thread, a person. Other emoji alone ("🤔") have no words: no small talk.
"""

from __future__ import annotations

import re
from typing import Literal

SmallTalk = Literal["greeting", "thanks", "goodbye"]

GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "howdy", "morning", "afternoon", "evening", "good", "greetings"})
THANKS = frozenset({"thanks", "thank", "thx", "ty", "cheers", "appreciate", "appreciated", "great", "perfect", "awesome", "ok", "okay"})
GOODBYES = frozenset({"bye", "goodbye", "byebye", "cya", "farewell", "later", "night", "goodnight", "ttyl"})
SEEING_OFF = frozenset({"see", "ya", "soon", "take", "care", "have", "nice", "day"})  # said with a goodbye, not one alone ("I see")
FILLERS = frozenset({"you", "so", "much", "very", "there", "again", "all", "for", "your", "the", "it", "a", "lot", "that", "help", "i", "oh", "and"})

# A request for a person names one, in words that ask for nothing else. "contact" is not among them: "How do I
# contact support?" is a question the help center's contact page answers.
PEOPLE = frozenset({
    "human", "humans", "person", "people", "someone", "somebody", "agent", "agents", "representative", "rep",
    "operator", "staff", "employee", "support", "service",
})
ASKING = frozenset({
    "talk", "speak", "chat", "connect", "transfer", "reach", "get", "put", "through", "want", "need", "like",
    "would", "i'd", "can", "could", "may", "please", "pls", "plz", "me", "to", "with", "an", "is", "real", "live",
    "actual", "customer", "team", "let", "now", "just", "from",
})
# Words that make a clause a request beside others ("..., I want to talk to a human"); a person named alone there
# ("..., support?") only says whom the message is for.
REQUESTING = frozenset({
    "talk", "speak", "chat", "connect", "transfer", "reach", "get", "put", "want", "need", "like", "i'd", "please", "pls",
    "plz", "let",
})
YES = frozenset({"yes", "yeah", "yep", "yup", "yea", "sure", "please", "ok", "okay", "absolutely", "definitely", "certainly", "course"})
AGREEING = frozenset({"go", "ahead", "do", "would", "be", "thanks", "thank", "great", "that's", "good"})
THANKING = frozenset({"thanks", "thank", "thx", "ty", "cheers", "appreciate", "appreciated"})  # thanks in so many words
NO = frozenset({"no", "nope", "nah"})
DECLINING = frozenset({
    "thanks", "thank", "thx", "i'm", "im", "good", "fine", "ok", "okay", "all", "that's", "need", "needed", "not", "now",
    "really", "right", "alright", "worries", "necessary",
})

# Slack's ":name:" (custom ones too: lower-case letters, digits, "_", "-", "+", "'"), a skin tone its own ":skin-tone-2:".
_SHORTCODE = re.compile(r":[a-z0-9_+'-]+:")
# Unicode's emoji blocks, with the joiner, variation selectors, keycap and tag characters that build sequences.
_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\u2190-\u21FF\u2300-\u23FF\u2600-\u27BF\u2B00-\u2BFF\u203C\u2049\u2122\u2139"
    "\u3030\u303D\u3297\u3299\u00A9\u00AE\u200D\u20E3\uFE0E\uFE0F\U000E0020-\U000E007F]"
)
# Emoji that say "thanks" or "hi" alone, as Unicode (variation selectors and skin tones dropped) and as Slack names them.
THANKS_EMOJI = frozenset({
    "👍", "🙏", "❤", "♥", "😊", "🙂", "😀", "😃", "😄", "😁", "👌", "💯", "🎉", "✅", "✔", "🥰", "😍", "👏", "🙌", "🤝",
    ":+1:", ":thumbsup:", ":pray:", ":heart:", ":blush:", ":slightly_smiling_face:", ":smile:", ":smiley:", ":grinning:",
    ":ok_hand:", ":100:", ":tada:", ":white_check_mark:", ":heavy_check_mark:", ":clap:", ":raised_hands:", ":handshake:",
})
GREETING_EMOJI = frozenset({"👋", ":wave:"})
_SKIN_AND_SELECTORS = re.compile("[\U0001F3FB-\U0001F3FF\uFE0E\uFE0F]|:skin-tone-[2-6]:")
_WORD = re.compile(r"[a-z']+")
_ONLY_LATIN_WORDS = re.compile(r"[A-Za-z'’\s!?.,:;)(-]+")
_PUNCTUATION = re.compile(r"[\s!?.,:;~()！？。，、：；～（）]+")
_ZH_GOODBYE = re.compile(r"(谢谢|多谢)?(再见|拜拜|回见)(啦|了)?")
_ZH_GREETING = re.compile(r"(你好|您好|大家好|嗨|哈喽|哈啰|早上好|上午好|中午好|下午好|晚上好|早安|早)(啊|呀)?")
_ZH_THANKS = re.compile(r"(好的|好|嗯嗯|嗯)?(非常|十分|太|真是|真的)?(谢谢|多谢|感谢|谢啦|谢了)+(你|您)?(的帮助|的帮忙)?(了|啦|啊|哈)?")
_ZH_PERSON = re.compile(
    r"(请|麻烦)?(你)?(帮我|给我)?(我)?(想|要|需要|希望)?(能|可以|能不能|可不可以)?(帮我)?(找|转|转接|联系|接通|和|跟|与)?(一下)?(一个|一位)?"
    r"(人工客服|人工服务|人工|真人客服|真人|客服人员|客服)(聊聊|聊|说话|谈谈|沟通|对话)?(一下)?(吧|吗|可以吗|好吗|行吗|谢谢)?"
)
# A person named with nothing asked of them ("客服", "人工吗"): in a message of several clauses, whom it is addressed to.
_ZH_PERSON_NAMED = re.compile(r"(人工客服|人工服务|人工|真人客服|真人|客服人员|客服)(吧|吗|呢|啊)?")
# Where a message's sentences and clauses part: each may be a request of its own beside a reason.
_CLAUSES = re.compile(r"[.!?,;。，！？；\n]+")
# 谢谢 only after agreement ("好的，谢谢"): alone it thanks, and handed the customer to a person.
_ZH_YES = re.compile(r"(是的|是|对的|对|好的|好啊|好吧|好|嗯嗯|嗯|要的|要|需要|可以|行|请|麻烦了|麻烦你了)+(帮我)?(转接|转)?(一下)?(吧|谢谢)?")
_ZH_NO = re.compile(
    r"(谢谢|多谢)?(嗯|哦)?(暂时|先|还是)?(不用了|不用|不需要了|不需要|不要了|不要|不了|没事了|没事|算了|不必了|不必)(吧|啦)?"
    r"(谢谢你|谢谢您|谢谢|多谢|谢啦)?"
)


def _without_emoji(message: str) -> str:
    return _EMOJI.sub(" ", _SHORTCODE.sub(" ", message))


def _words(message: str) -> set[str] | None:
    """The message's English words, emoji left out, or None when it holds anything but Latin letters and punctuation."""
    message = _without_emoji(message).strip()
    if message and not _ONLY_LATIN_WORDS.fullmatch(message):
        return None
    return set(_WORD.findall(message.lower().replace("’", "'")))


def _chinese(message: str) -> str:
    return _PUNCTUATION.sub("", _without_emoji(message))


def _emoji_only(message: str) -> SmallTalk | None:
    """"thanks" for a message of thanks emoji alone ("👍👍", ":pray:"), "greeting" for waves alone, else None."""
    said = "".join(_SKIN_AND_SELECTORS.sub("", message).split())
    emoji = _SHORTCODE.findall(said)
    emoji += list(_SHORTCODE.sub("", said))  # what is left, character by character
    if emoji and all(e in THANKS_EMOJI for e in emoji):
        return "thanks"
    if emoji and all(e in GREETING_EMOJI for e in emoji):
        return "greeting"
    return None


def small_talk(message: str) -> SmallTalk | None:
    """Whether `message` only greets, thanks or says goodbye, and which; None for anything to answer."""
    if (emoji := _emoji_only(message)) is not None:
        return emoji
    words = _words(message)
    if words is None:
        return _chinese_small_talk(_chinese(message))
    talk = GREETINGS | THANKS | GOODBYES
    if not words or not words <= talk | SEEING_OFF | FILLERS or not words & talk:
        return None
    if words & GOODBYES:
        return "goodbye"  # "thanks, bye" is a goodbye
    return "thanks" if words & THANKS else "greeting"


def _chinese_small_talk(message: str) -> SmallTalk | None:
    """"goodbye" for "谢谢，再见", "thanks" for "谢谢" or "非常感谢", "greeting" for "你好", else None."""
    for talk, said in (("goodbye", _ZH_GOODBYE), ("thanks", _ZH_THANKS), ("greeting", _ZH_GREETING)):
        if said.fullmatch(message):
            return talk
    return None


def only_asks_for_person(message: str) -> bool:
    """Whether `message` is only a request to talk to a person ("talk to a human", "agent please", "转人工"), with no
    reason or question beside it (the gaps report reads one beside it as the customer's question)."""
    words = _words(message)
    if words is None:
        return bool(_ZH_PERSON.fullmatch(_chinese(message)))
    return bool(words & PEOPLE) and words <= PEOPLE | ASKING | FILLERS


def _requests_a_person(clause: str) -> bool:
    """A clause that only asks for a person, in words that ask ("I want to talk to a human", "请帮我转人工"), not one
    that only names a person ("support team", "客服")."""
    if not only_asks_for_person(clause):
        return False
    words = _words(clause)
    if words is None:
        return not _ZH_PERSON_NAMED.fullmatch(_chinese(clause))
    return bool(words & REQUESTING)


def asks_for_person(message: str) -> bool:
    """Whether `message` asks to talk to a person: it is only that request, or one of its clauses is
    ("I was charged twice, I want to talk to a human", "charged twice. can I talk to a person?")."""
    if only_asks_for_person(message):
        return True
    clauses = [clause for clause in _CLAUSES.split(message) if clause.strip()]
    return len(clauses) > 1 and any(_requests_a_person(clause) for clause in clauses)


def says_yes(message: str) -> bool:
    """Whether `message` only agrees ("yes", "yes please connect me", "sure, go ahead", "好的"); thanks does not ("ok thanks")."""
    words = _words(message)
    if words is None:
        return bool(_ZH_YES.fullmatch(_chinese(message)))
    if words & THANKING and small_talk(message) == "thanks":
        return False  # "ok thanks", "okay, thank you": thanks for the answer, not a yes to the offer ("ok" alone is one)
    return bool(words & YES) and words <= YES | AGREEING | PEOPLE | ASKING | FILLERS


def says_no(message: str) -> bool:
    """Whether `message` only refuses ("no", "no thanks", "nope, I'm good", "不用了，谢谢"): an answer to an offer."""
    words = _words(message)
    if words is None:
        return bool(_ZH_NO.fullmatch(_chinese(message)))
    return bool(words & NO) and words <= NO | DECLINING | FILLERS
