"""Figures: what a grounded answer may only state when a source states it too."""

from __future__ import annotations

import pytest

from supportbot.text.figures import counted_from, extract_figures, unsupported_figures

SOURCE = (
    "Your refund is issued within 5-7 business days after our warehouse receives your return. "
    "Expedited shipping takes 2-3 business days and costs $12.95. Order by Monday, December 14, 2026. "
    "Overnight orders must be placed by 1 pm ET. Klarna is available on orders from $35 to $1,000."
)


class TestExtractFigures:
    @pytest.mark.parametrize("written", ["5-7", "5–7", "5 to 7", "five to seven", "between 5 and 7", "5 - 7"])
    def test_ways_of_writing_a_range_are_one_range(self, written):
        assert [(f.kind, f.value) for f in extract_figures(f"Refunds take {written} business days.")] == [("range", (5.0, 7.0))]

    @pytest.mark.parametrize("written", ["$25", "25 USD", "$ 25", "25 dollars"])
    def test_ways_of_writing_an_amount_are_one_amount(self, written):
        assert [(f.kind, f.value) for f in extract_figures(f"It costs {written}.")] == [("amount", (25.0,))]

    def test_codes_dates_and_times_are_read_whole(self):
        figures = extract_figures("Order LG-482913, call 1-800-555-0142 by Dec 14 at 1:00 PM about SKU 4471.")
        assert [(f.kind, f.value) for f in figures] == [
            ("code", ("lg482913",)),
            ("code", ("18005550142",)),
            ("date", (12, 14, None)),
            ("time", (13, 0)),
            ("code", ("sku4471",)),
        ]

    def test_one_as_a_pronoun_is_not_a_figure(self):
        assert extract_figures("Pick the right one, or ask one of our team.") == []
        assert [f.value for f in extract_figures("One promo code per order.")] == [(1.0,)]


class TestUnsupportedFigures:
    def test_the_refund_window_of_the_issue_is_caught_and_the_right_one_passes(self):
        assert [f.text for f in unsupported_figures("Refunds take 2-4 business days and cost $5.", SOURCE)] == ["2-4", "$5"]
        assert unsupported_figures("Refunds take five to seven business days.", SOURCE) == []

    @pytest.mark.parametrize("written", ["5-7 business weeks", "5-7 months", "within 5-7 hours"])
    def test_a_duration_in_another_unit_is_another_duration(self, written):
        assert [f.text for f in unsupported_figures(f"Refunds take {written}.", SOURCE)] == ["5-7"]

    @pytest.mark.parametrize("written", ["5-7 days", "5-7 working days", "a 5-7-day wait", "5 to 7"])
    def test_a_duration_in_the_same_unit_or_without_one_is_the_same_duration(self, written):
        assert unsupported_figures(f"Refunds take {written}.", SOURCE) == []

    @pytest.mark.parametrize(
        ("written", "source"),
        [("within a month", "within 7 days"), ("after a day", "after 1 hour"), ("in about a week", "in 5-7 business days")],
    )
    def test_a_duration_told_with_a_or_an_is_a_duration(self, written, source):
        assert [f.text for f in unsupported_figures(f"Returns are accepted {written}.", f"Returns are accepted {source}.")] == [written.split()[-2] + " " + written.split()[-1]]

    @pytest.mark.parametrize(
        ("written", "source"),
        [("within a week", "within 7 days"), ("after an hour", "after 60 minutes"), ("for a year", "for 12 months"), ("within 2 weeks", "within fourteen days")],
    )
    def test_a_duration_in_another_unit_of_the_same_length_is_the_same_duration(self, written, source):
        assert unsupported_figures(f"Links work {written}.", f"Links work {source}.") == []

    @pytest.mark.parametrize(("written", "source"), [("within a week", "within 7 business days"), ("within a month", "within 30 days")])
    def test_business_days_and_months_are_no_fixed_number_of_calendar_days(self, written, source):
        assert [f.text for f in unsupported_figures(f"Refunds take {written}.", f"Refunds take {source}.")] != []

    @pytest.mark.parametrize("text", ["We answer 24 hours a day, 7 days a week.", "Premium costs $5 a month.", "We restock twice a week.", "Have a nice day!"])
    def test_a_rate_or_a_greeting_states_no_duration(self, text):
        assert [f.text for f in extract_figures(text) if f.text.lower().startswith("a")] == []

    @pytest.mark.parametrize(
        ("written", "source", "unsupported"),
        [
            ("$8 a day", "$8 a month", ["$8"]),
            ("$8 a month", "$8 per month", []),
            ("$15/month", "$15 a month", []),
            ("$8 for each calendar day", "$8 a day", []),
            ("$8", "$8 a month", []),  # an amount without what it is per matches either
            ("$8 a month", "$8", []),
        ],
    )
    def test_an_amount_per_day_is_not_the_amount_per_month(self, written, source, unsupported):
        assert [f.text for f in unsupported_figures(f"Rent it for {written}.", f"Rent it for {source}.")] == unsupported

    def test_a_number_inside_a_stated_range_is_not_the_range(self):
        assert [f.text for f in unsupported_figures("Refunds take 7 business days.", SOURCE)] == ["7"]

    def test_dates_match_with_or_without_the_year_and_numbers_match_amounts(self):
        assert unsupported_figures("Order by December 14 for Christmas; Expedited is 12.95.", SOURCE) == []
        assert [f.text for f in unsupported_figures("Order by December 15.", SOURCE)] == ["December 15"]

    def test_what_the_customer_wrote_is_not_invented(self):
        assert unsupported_figures("Order LG-559302 ships in 5-7 business days.", SOURCE, "Where is LG-559302?") == []


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Items can be returned within 30 days of the delivery date, if unused.", ["delivery date"]),
        ("Return it within thirty days from purchase.", ["purchase"]),
        ("Refunds take 5-7 business days after our warehouse receives it.", ["warehouse receives"]),
        ("Points expire after 12 months without a purchase.", []),  # "without": no start
        ("Delivery takes 5 days.", []),
    ],
)
def test_what_a_duration_is_counted_from(text, start):
    assert counted_from(text) == start
