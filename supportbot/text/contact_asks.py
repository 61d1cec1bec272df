"""Whether a question asks how to reach the company by email or by phone ("What's the support email?", "Can I
call you?", "客服电话是多少？").

Such a question is answered by a line that holds an address or a number ("Write to support@example.com."), and
an embedding model scores that line low against it: the line says little besides the address. The extractive
answerer (bot/extractive.py) then takes the line that gives what was asked for. A question about the customer's
own email ("How do I change my email?", "I didn't get the confirmation email") asks for no contact. English and
Chinese cues; other languages have none here.
"""

from __future__ import annotations

import re
from typing import Literal

Contact = Literal["email", "phone"]

_EMAIL = re.compile(r"\be-?mail\b", re.IGNORECASE)
_PHONE = re.compile(r"\b(?:tele)?phone\b|\bcall\b|\bring\b|\bhotline\b", re.IGNORECASE)
# The company as the one to be reached: "you", "your team", "the support email", "customer service", "contact".
# "support" as a noun only: "does gmail support this?" asks about something else.
_THE_COMPANY = re.compile(
    r"\b(?:you|your|yours|helpdesk|help desk|customer service|team|contact|reach|company|store|shop)\b"
    r"|\bsupport(?:'s)?\s+(?:e-?mail|phone|number|line|team|desk|address)\b|\b(?:customer|tech|technical|the)\s+support\b",
    re.IGNORECASE,
)
# The customer's own address or mail, or mail the company sends: not a way to reach it.
_THEIR_OWN = re.compile(
    r"\b(?:my|mine|change|update|confirm|confirmation|receipt|newsletters?|unsubscribe|spam|verify|verification"
    r"|preferences|notifications?|marketing|promotional|tracking|password)\b",
    re.IGNORECASE,
)
_ZH_EMAIL = re.compile(r"邮箱|邮件|电子邮件|电邮")
_ZH_PHONE = re.compile(r"电话|热线|致电")
_ZH_THE_COMPANY = re.compile(r"你们|您们|客服|贵公司|联系|支持")
_ZH_THEIR_OWN = re.compile(r"我的|修改|更改|更换|确认|订阅|退订|验证|密码")


# Per language: the company named, the customer's own mail named, and the words for each kind of contact.
_CUES: tuple[tuple[re.Pattern[str], re.Pattern[str], dict[Contact, re.Pattern[str]]], ...] = (
    (_THE_COMPANY, _THEIR_OWN, {"email": _EMAIL, "phone": _PHONE}),
    (_ZH_THE_COMPANY, _ZH_THEIR_OWN, {"email": _ZH_EMAIL, "phone": _ZH_PHONE}),
)


def asked_contact(question: str) -> Contact | None:
    """The kind of contact `question` asks for, or None when it asks for none."""
    question = question.replace("’", "'")
    for company, their_own, kinds in _CUES:
        if company.search(question) and not their_own.search(question):
            for kind, words in kinds.items():  # in order: a question naming both ways is taken as asking for the email
                if words.search(question):
                    return kind
    return None
