"""Procedures whose steps are written out ("Step 1: ...", "Step 2 — ...") are quoted whole, as numbered lists are."""

from __future__ import annotations

from functools import partial
from itertools import pairwise

import pytest

BILLING_PAGE = """# Billing and plans

CloudNest bills monthly or yearly. Prices are in USD, excl. VAT.

## How do I change my plan?

Step 1: Open **Settings > Billing**.
Step 2: Click **Change plan** and pick a plan.
Step 3: Confirm with your password. The new price applies from your next invoice.

## Refunds

Yearly plans can be refunded within 14 days of purchase. Monthly plans are not refundable.
"""

ACCOUNT_PAGE = """# Your account

## Delete your account

Deleting your account is permanent.

**Before you delete:**

- Download your order history from **Orders > Export**; exports are kept for 7 days.
- Use up any store credit; it's lost when the account is deleted.

**To delete:**

Step 1 — Go to **Account > Privacy**.

Step 2 — Click **Delete account**.

Step 3 — Type DELETE and confirm. We email you a confirmation within 48 hours.

## Newsletter

To unsubscribe, click *Unsubscribe* at the bottom of any email. It can take up to 10 days to take effect.
"""

ROUTER_PAGE = """# Troubleshooting your router

This guide covers the Hubby X2 router.

## Guest network

The guest network settings are in the Hubby app under **Settings > Guest network**. Changes take effect after about 30 seconds.

## Factory reset

A factory reset erases all your settings, including your Wi-Fi name and password.

Step 1: Find the pinhole button on the back of the router.
Step 2: Hold it down with a paperclip for 15 seconds, until the light flashes orange.
Step 3: Wait approx. 5 minutes while the router restarts. Don't unplug it during this time.
Step 4: Connect with the default Wi-Fi name and password printed on the sticker.
"""

NUMBERED_PAGE = """# Billing and plans

## How do I change my plan?

1. Open **Settings > Billing**.
2. Click **Change plan** and pick a plan.
3. Confirm with your password.
"""


@pytest.fixture
def ask(answer_from_page):
    """Asks `question` first in a conversation, in extractive mode, of an index holding only `page`."""
    return partial(answer_from_page, "page.md")


def _assert_in_order(text: str, *pieces: str) -> None:
    """Each piece is in the answer, each after the one before it."""
    places = [text.find(piece) for piece in pieces]
    assert 0 <= places[0] and all(a < b for a, b in pairwise(places)), (places, text)


class TestStepProcedures:
    def test_steps_written_step_n_colon_are_quoted_whole_each_on_its_own_line(self, ask):
        # Was "Step 1: Open Settings > Billing. Step 2: Click Change plan and pick a plan.", run into one line, no step 3.
        text = ask(BILLING_PAGE, "How do I change my plan?")
        _assert_in_order(
            text,
            "- Step 1: Open **Settings > Billing**.",
            "- Step 2: Click **Change plan** and pick a plan.",
            "- Step 3: Confirm with your password.",
        )

    def test_a_middle_step_written_with_a_dash_brings_the_whole_procedure(self, ask):
        # Was "Step 2 — Click Delete account." alone.
        text = ask(ACCOUNT_PAGE, "How do I delete my account?")
        _assert_in_order(
            text,
            "- Step 1 — Go to **Account > Privacy**.",
            "- Step 2 — Click **Delete account**.",
            "- Step 3 — Type DELETE and confirm.",
        )

    def test_steps_under_an_introduction_come_with_it(self, ask):
        # Was the introduction and step 1 alone.
        text = ask(ROUTER_PAGE, "How do I factory reset my router?")
        _assert_in_order(
            text,
            "A factory reset erases all your settings",
            "- Step 1: Find the pinhole button",
            "- Step 2: Hold it down with a paperclip",
            "- Step 3: Wait approx. 5 minutes",
            "- Step 4: Connect with the default Wi-Fi name",
        )

    def test_a_numbered_procedure_is_quoted_as_before(self, ask):
        text = ask(NUMBERED_PAGE, "How do I change my plan?")
        _assert_in_order(
            text, "- Open **Settings > Billing**.", "- Click **Change plan** and pick a plan.", "- Confirm with your password."
        )

    def test_steps_written_step_n_period_keep_each_label_with_its_instruction(self, ask):
        # The splitter ends a sentence at "Step 1.": the answer was "Step 2." alone.
        text = ask(BILLING_PAGE.replace("Step 1:", "Step 1.").replace("Step 2:", "Step 2.").replace("Step 3:", "Step 3."), "How do I change my plan?")
        _assert_in_order(
            text,
            "- Step 1. Open **Settings > Billing**.",
            "- Step 2. Click **Change plan** and pick a plan.",
            "- Step 3. Confirm with your password.",
        )
