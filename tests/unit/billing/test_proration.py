"""Proration: each named convention on worked examples computed by hand (DOMAIN.md,
"Subscriptions and billing cycles")."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarifa.billing import Period, cycle, prorate, share
from tarifa.catalog.model import Proration
from tarifa.money import Money

D = dt.date
MARCH = cycle("monthly", start=D(2026, 3, 1), billing_cycle_day=1)


def test_actual_days_counts_the_stub_over_the_whole_period_that_holds_it() -> None:
    """A start on 15 March with a BCD of 1: 15-31 March is 17 days of March's 31."""
    assert share(Period(D(2026, 3, 15), D(2026, 4, 1)), MARCH) == Fraction(17, 31)


def test_actual_days_never_divides_by_a_clamped_period() -> None:
    """BCD 31, a start on 10 March: the stub 10-31 March is 21 days; the period holding it is
    28 February - 31 March, 31 days (not the 21 days of the stub, not February's 28)."""
    bcd31 = cycle("monthly", start=D(2026, 3, 10), billing_cycle_day=31)
    assert bcd31.period_of(D(2026, 3, 10)) == Period(D(2026, 2, 28), D(2026, 3, 31))
    assert share(Period(D(2026, 3, 10), D(2026, 3, 31)), bcd31) == Fraction(21, 31)


def test_thirty_360_counts_every_month_as_30_days() -> None:
    """30E/360: 15 March - 1 April is (4 - 3) x 30 + 1 - 15 = 16 days of 30; 15 February -
    1 March is also 16 of 30 although February has 28 days; a 31st counts as the 30th, so
    15 - 31 January (BCD 31) is 30 - 15 = 15 of 30."""
    assert share(Period(D(2026, 3, 15), D(2026, 4, 1)), MARCH, "thirty_360") == Fraction(16, 30)
    feb = cycle("monthly", start=D(2026, 2, 15), billing_cycle_day=1)
    assert share(Period(D(2026, 2, 15), D(2026, 3, 1)), feb, "thirty_360") == Fraction(16, 30)
    bcd31 = cycle("monthly", start=D(2026, 1, 15), billing_cycle_day=31)
    assert share(Period(D(2026, 1, 15), D(2026, 1, 31)), bcd31, "thirty_360") == Fraction(15, 30)


def test_thirty_360_counts_a_quarter_as_90_and_a_year_as_360() -> None:
    quarterly = cycle("quarterly", start=D(2026, 1, 1), billing_cycle_day=1)
    # 1 February - 1 April: 2 months of 30 days over 90.
    assert share(Period(D(2026, 2, 1), D(2026, 4, 1)), quarterly, "thirty_360") == Fraction(2, 3)
    yearly = cycle("yearly", start=D(2026, 1, 1), billing_cycle_day=1)
    assert share(Period(D(2026, 7, 1), D(2027, 1, 1)), yearly, "thirty_360") == Fraction(1, 2)


def test_inclusive_days_counts_both_end_days_of_the_stub_and_of_the_period() -> None:
    """15 March to 1 April with both ends counted: 18 days; 1 March to 1 April: 32."""
    stub = Period(D(2026, 3, 15), D(2026, 4, 1))
    assert share(stub, MARCH, Proration.INCLUSIVE_DAYS) == Fraction(18, 32)


def test_seconds_counts_the_hour_a_clock_change_takes_away() -> None:
    """New York, March 2026 (clocks forward on the 8th): 1-15 March is 14 x 24 - 1 = 335
    hours of the month's 31 x 24 - 1 = 743; by actual days it would be 14/31."""
    stub = Period(D(2026, 3, 1), D(2026, 3, 15))
    zone = ZoneInfo("America/New_York")
    assert share(stub, MARCH, "seconds", zone=zone) == Fraction(335, 743)
    assert share(stub, MARCH) == Fraction(14, 31)
    with pytest.raises(ValueError, match="time zone"):
        share(stub, MARCH, "seconds")


def test_a_stub_across_two_periods_is_refused() -> None:
    with pytest.raises(ValueError, match="more than one period"):
        share(Period(D(2026, 3, 15), D(2026, 4, 15)), MARCH)


def test_a_whole_period_is_worth_one_in_every_convention() -> None:
    for convention in Proration:
        zone = ZoneInfo("Europe/Berlin")
        assert share(Period(D(2026, 3, 1), D(2026, 4, 1)), MARCH, convention, zone=zone) == 1


def test_a_prorated_fee_stays_precise_until_its_invoice_line_rounds_it() -> None:
    """EUR 10.00 for 17 of 31 days: 170/31 = 5.483870967741935483870967741935483870967...,
    kept to the money module's 38 significant digits, rounded half-up once: 5.48."""
    fee = prorate(Money.of("10.00", "EUR"), Fraction(17, 31))
    assert str(fee.amount) == "5.4838709677419354838709677419354838710"
    assert fee.rounded().amount == Money.of("5.48", "EUR").amount


@given(
    start=st.dates(min_value=D(2000, 1, 1), max_value=D(2080, 12, 31)),
    day=st.integers(1, 31),
    cut=st.integers(1, 30),
    convention=st.sampled_from([Proration.ACTUAL_DAYS, Proration.INCLUSIVE_DAYS]),
)
def test_the_two_stubs_either_side_of_a_cut_make_a_whole_period_by_actual_days(
    start: dt.date, day: int, cut: int, convention: Proration
) -> None:
    monthly = cycle("monthly", start=start, billing_cycle_day=day)
    whole = monthly.period_of(start)
    middle = whole.start + dt.timedelta(days=min(cut, whole.days - 1))
    left, right = Period(whole.start, middle), Period(middle, whole.end)
    total = share(left, monthly, convention) + share(right, monthly, convention)
    # Days add up exactly; counting both end days counts the day of the cut twice.
    expected = (
        1 if convention is Proration.ACTUAL_DAYS else Fraction(whole.days + 2, whole.days + 1)
    )
    assert total == expected
