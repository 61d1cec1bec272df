"""A person's Slack message as they typed it: Slack's escapes and markup read back into words."""

from __future__ import annotations

import pytest

from supportbot.channels.slack.incoming import mentions, plain_text


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("<@UBOT> how do  I <@U2|ann> return?", "how do I return?"),  # mentions address people; the question is the rest
        ("fish &amp; chips &lt;3 &gt; 2", "fish & chips <3 > 2"),
        ("I typed &amp;lt; literally", "I typed &lt; literally"),  # "&amp;" undone last
        ("see <https://shop.example.com/o?id=1&amp;x=2|order #1234>", "see order #1234 (https://shop.example.com/o?id=1&x=2)"),
        ("see <http://example.com|example.com> or <https://example.com/help>", "see example.com or https://example.com/help"),
        ("mail <mailto:ann@example.com|ann@example.com>", "mail ann@example.com"),
        ("ask in <#C7|returns> or <#C8>", "ask in #returns or #C8"),
        ("<!here> <!channel> <!subteam^S1|@support> <!subteam^S2>", "@here @channel @support @S2"),
        ("since <!date^1700000000^{date_short}|Nov 14, 2023>", "since Nov 14, 2023"),
        ("thanks :pray:", "thanks :pray:"),  # emoji stay: small talk reads them
    ],
)
def test_slack_markup_reads_as_what_the_person_typed(sent, typed):
    assert plain_text(sent) == typed


def test_the_bot_is_mentioned_in_either_form_and_only_by_its_own_id():
    assert mentions("<@UBOT> hi", "UBOT") and mentions("<@UBOT|supportbot> hi", "UBOT")
    assert not mentions("<@UBOTX> hi", "UBOT") and not mentions("UBOT hi", "UBOT") and not mentions("<@U1> hi", "")
