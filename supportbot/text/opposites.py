"""Questions that ask for the opposite: "turn off" against "turn on", "unsubscribe" against "subscribe", and a
yes/no question negated against one that is not ("can I order without an account?", "Do I need an account?").

Embedding models place such questions almost on top of each other (all-MiniLM-L6-v2 scores "How do I
turn on two-step verification?" and "how do I turn off two step verification?" at 0.89), so a match by
similarity alone sends the steps for the one to a customer asking for the other. English cues; a
question in another language never asks the opposite of anything.
"""

from __future__ import annotations

import re

_FORMS = r"(?:e?s|e?d|ing|ged|ging)?"  # "turned", "switches", "logged": not "option", "signal"
_BETWEEN = r"(?:[ -]\w+){0,3}"  # "turn it off", "switch text alerts on"
_ONE_BETWEEN = r"(?:[ -]\w+)?"  # "opt me out", "log me in"; not "signed up for rewards in March"

# Each pair: one action and its undoing, as patterns over lower-case text (word starts, so "unsubscribe" is
# not "subscribe" and "block" is not "lock").
OPPOSITE_ACTIONS = tuple(
    (re.compile(do), re.compile(undo))
    for do, undo in (
        (rf"\b(?:turn|switch){_FORMS}{_BETWEEN} on\b", rf"\b(?:turn|switch|shut){_FORMS}{_BETWEEN} off\b"),
        (r"\benabl", r"\bdisabl"),
        (r"\bactivat", r"\bdeactivat"),
        (r"\bsubscrib", r"\bunsubscrib"),
        (rf"\bopt{_FORMS}{_ONE_BETWEEN}[ -]in\b", rf"\bopt{_FORMS}{_ONE_BETWEEN}[ -]out\b"),
        (rf"\b(?:sign|log){_FORMS}{_ONE_BETWEEN}[ -]in\b", rf"\b(?:sign|log){_FORMS}{_ONE_BETWEEN}[ -]out\b"),
        (r"\block", r"\bunlock"),
        (r"\bfreez", r"\bunfreez"),
        (r"\badd(?:s|ed|ing)?\b", r"\b(?:remov|delet)"),
    )
)


def asks_the_opposite(question: str, other: str) -> bool:
    """Whether `question` asks for an action whose undoing `other` asks for (and `other` never names the action).

    "how do I turn it off?" against "How do I turn on two-step verification?": yes. Against "Change or turn
    off two-step verification": no, that covers turning it off.
    """
    asked, offered = question.lower(), other.lower()
    for do, undo in OPPOSITE_ACTIONS:
        for wanted, opposite in ((do, undo), (undo, do)):
            if wanted.search(asked) and opposite.search(offered) and not wanted.search(offered):
                return True
    return False


_NEGATION = re.compile(r"\b(?:not|no|never|without|cannot)\b|n't\b")


def negated_differently(question: str, other: str) -> bool:
    """Whether one of two questions is negated and the other is not: the "No" that answers "Do I need an account to
    place an order?" is a "yes" to "can I order without an account?"."""
    def negated(text: str) -> bool:
        return bool(_NEGATION.search(text.lower().replace("\u2019", "'")))

    return negated(question) != negated(other)
