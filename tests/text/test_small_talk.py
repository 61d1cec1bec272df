"""Which messages are only a greeting, thanks or goodbye (answered with a friendly word, not the fallback), a request
for a person, or a "yes"."""

from __future__ import annotations

import pytest

from supportbot.text.small_talk import asks_for_person, says_no, says_yes, small_talk


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Hi", "greeting"),
        ("hello there!", "greeting"),
        ("Good morning", "greeting"),
        ("thanks!", "thanks"),
        ("Thank you so much", "thanks"),
        ("ok, thanks", "thanks"),
        ("Can I talk to a person?", None),  # a request for a person is answered, never waved off
        ("I need help", None),
        ("Hi, where is my order?", None),
        ("thanks, and how long do refunds take?", None),
        ("yes", None),
        ("你好", "greeting"),
        ("您好！", "greeting"),
        ("谢谢", "thanks"),
        ("非常感谢", "thanks"),
        ("你好，怎么退货？", None),
        ("", None),
    ],
)
def test_only_greetings_and_thanks_are_small_talk(message, expected):
    assert small_talk(message) == expected


@pytest.mark.parametrize("message", ["bye", "Goodbye!", "thanks, bye", "ok bye", "see you later", "good night", "再见", "谢谢，再见"])
def test_a_goodbye_is_small_talk(message):
    assert small_talk(message) == "goodbye"


@pytest.mark.parametrize("message", ["I see", "Hi", "have a nice day?"])
def test_words_said_with_a_goodbye_are_not_one_alone(message):
    assert small_talk(message) != "goodbye"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("talk to a human", True),
        ("I want to speak to someone", True),
        ("agent please", True),
        ("Can I talk to a person?", True),
        ("Is there someone I can talk to?", True),
        ("I'd like to speak with a real person", True),
        ("customer service", True),
        ("转人工", True),
        ("我要找人工客服", True),
        ("可以转人工吗？", True),
        ("How do I contact support?", False),  # the help center's contact page answers it
        ("Can a person return an item without a receipt?", False),
        ("Are you a human?", False),
        ("I need help", False),
        ("live chat", False),
        ("客服电话是多少？", False),
        ("yes", False),
    ],
)
def test_a_request_for_a_person_is_told_from_a_question(message, expected):
    assert asks_for_person(message) is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("yes", True),
        ("Yes please!", True),
        ("yes please connect me", True),
        ("sure, go ahead", True),
        ("好的", True),
        ("是的，请帮我转接", True),
        ("no", False),
        ("no thanks", False),
        ("yes, and how long do refunds take?", False),
        ("不用了", False),
        ("ok", True),
        ("好的，谢谢", True),
        ("thanks", False),  # thanks is not a yes: after the offer of a person it handed the customer to one
        ("ok thanks", False),
        ("okay, thank you", False),
        ("谢谢", False),
    ],
)
def test_a_yes_is_only_agreement(message, expected):
    assert says_yes(message) is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("no", True),
        ("no thanks", True),
        ("nope, I'm good", True),
        ("No thank you!", True),
        ("不用了，谢谢", True),
        ("不用", True),
        ("没事了", True),
        ("no refunds?", False),
        ("No, I want to talk to a person", False),
        ("yes", False),
        ("thanks", False),
        ("好的", False),
    ],
)
def test_a_no_is_only_refusal(message, expected):
    assert says_no(message) is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("thanks :pray:", "thanks"),  # Slack writes emoji as :name:
        ("thanks 🙏", "thanks"),
        ("hi :wave:", "greeting"),
        ("hi 👋", "greeting"),
        ("Thank you so much! 😊🙏🏽", "thanks"),  # with a skin tone
        ("ok bye :wave::skin-tone-3:", "goodbye"),
        ("再见👋", "goodbye"),
    ],
)
def test_emoji_are_not_words(message, expected):
    # ":pray:" was read as the word "pray", "🙏" as not English at all: the fallback, and in Slack a handoff.
    assert small_talk(message) == expected


def test_emoji_do_not_hide_a_request_for_a_person_or_a_yes():
    assert asks_for_person("talk to a human 🙏") and says_yes("yes please :pray:")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("👍", "thanks"),  # a thumbs-up after an answer got the fallback, and in a Slack thread a person
        ("👍🏽👍🏽", "thanks"),
        ("🙏", "thanks"),
        (":+1:", "thanks"),
        (":pray: :heart:", "thanks"),
        ("❤️", "thanks"),
        ("👋", "greeting"),
        (":wave:", "greeting"),
        ("🤔🤔", None),  # says nothing the bot can answer: the fallback, as before
        ("👋👍", None),  # a wave and a thanks at once: neither for sure
        ("💳", None),
    ],
)
def test_a_message_of_thanks_or_greeting_emoji_alone_is_small_talk(message, expected):
    assert small_talk(message) == expected
