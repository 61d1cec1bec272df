"""A customer's English question put in the voice a help center's pages are written in.

A customer says "you" and "your" for the company and "I", "my", "me" for themselves ("what's your return
window?"); a help center's pages say "we" and "our" for the company and "you", "your" for the customer ("Our
return window is 30 days."). MiniLM reads the persons as words like any other, so a question scores lower against
the very sentence that answers it for asking in its own voice: "what's your return window?" 0.465 against the
sentence, "what's our return window?" 0.527. `in_docs_voice` swaps the persons; "you" becomes "we" as a subject
("Do you ship to Canada?") and "us" as an object ("Can I call you?": "Can you call us?").
"""

from __future__ import annotations

import re

_APOSTROPHE = "['’]"
# Words after which "you" is a subject ("do you", "if you", "what you offer"); after any other word it is an object.
_SUBJECT_AFTER = frozenset({
    "do", "does", "did", "don't", "doesn't", "didn't", "can", "can't", "could", "couldn't", "will", "won't", "would",
    "wouldn't", "should", "shall", "may", "might", "must", "are", "aren't", "were", "weren't", "have", "haven't",
    "has", "had", "if", "when", "and", "or", "but", "that", "so", "what", "how", "why", "where", "because", "once",
    "unless", "until", "whether", "then", "which", "who", "while", "as", "though", "although", "since"
})
_WORDS = {
    "your": "our",
    "yours": "ours",
    "yourself": "ourselves",
    "yourselves": "ourselves",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "me": "you",
    "i": "you",
}
_PAIRS = {"am i": "are you", "was i": "were you", "i am": "you are", "i was": "you were"}  # the verb agrees
_PERSONS = re.compile(
    rf"\b(?:(?P<pair>am i|was i|i am|i was)\b"
    rf"|(?P<short>you|i){_APOSTROPHE}(?P<tail>re|ve|ll|d|m)\b"
    rf"|(?P<word>yourselves|yourself|yours|your|you|myself|mine|my|me|i)\b)",
    re.IGNORECASE,
)
_TOKENS = re.compile(r"[\w'’]+|[^\w\s]")


def in_docs_voice(question: str) -> str:
    """`question` with its persons swapped: "you/your" (the company) to "we/our", "I/my/me" (the customer) to
    "you/your" ("I just want you to stop filling my inbox": "You just want us to stop filling your inbox"). "Thank
    you" stays. English only: a question in another language comes back as it is."""

    def swap(match: re.Match[str]) -> str:
        text = match[0]
        if match["pair"]:
            new = _PAIRS[text.lower()]
        elif match["short"]:
            head = "we" if match["short"].lower() == "you" else "you"
            tail = "re" if match["tail"].lower() == "m" else match["tail"].lower()
            new = f"{head}{text[len(match['short'])]}{tail}"
        elif match["word"].lower() == "you":
            before = _TOKENS.findall(question[: match.start()])
            if before and before[-1].lower() == "thank":
                return text
            subject = not before or before[-1].lower() in _SUBJECT_AFTER or not before[-1][0].isalnum()
            new = "we" if subject else "us"
        else:
            new = _WORDS[match["word"].lower()]
        opens = not question[: match.start()].strip() or question[: match.start()].rstrip()[-1] in ".?!"
        return new[0].upper() + new[1:] if opens and text[0].isupper() else new

    return _PERSONS.sub(swap, question)
