"""Billing cycles: boundaries on the billing cycle day or the anniversary, clamped to short
months without ever skipping or doubling a period, and first instants of local dates."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarifa.billing import Alignment, Cycle, Period, cycle, day_start
from tarifa.catalog.model import BillingPeriod
from tarifa.errors import ValidationError

D = dt.date


def starts(periods: list[Period]) -> list[dt.date]:
    return [p.start for p in periods]


def test_a_bcd_of_31_bills_on_the_last_day_of_short_months_and_returns_to_the_31st() -> None:
    """By hand: 31 Jan, then 28 Feb (2026 is not a leap year), then back to 31 Mar, 30 Apr,
    31 May, 30 Jun, 31 Jul, 31 Aug, 30 Sep, 31 Oct, 30 Nov, 31 Dec, 31 Jan 2027."""
    monthly = cycle("monthly", start=D(2026, 1, 31), billing_cycle_day=31)
    periods = list(monthly.periods(D(2026, 1, 31), until=D(2027, 1, 31)))
    assert starts(periods) == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
        D(2026, 5, 31),
        D(2026, 6, 30),
        D(2026, 7, 31),
        D(2026, 8, 31),
        D(2026, 9, 30),
        D(2026, 10, 31),
        D(2026, 11, 30),
        D(2026, 12, 31),
    ]
    assert periods[-1].end == D(2027, 1, 31)
    # 365 days, each in exactly one period: none skipped, none doubled.
    assert sum(p.days for p in periods) == 365
    assert all(a.end == b.start for a, b in pairwise(periods))


def test_a_bcd_of_30_takes_29_february_in_a_leap_year() -> None:
    monthly = cycle("monthly", start=D(2028, 1, 30), billing_cycle_day=30)
    assert starts(list(monthly.periods(D(2028, 1, 30), until=D(2028, 4, 1)))) == [
        D(2028, 1, 30),
        D(2028, 2, 29),
        D(2028, 3, 30),
    ]


def test_a_start_between_billing_days_makes_a_first_partial_period() -> None:
    monthly = cycle("monthly", start=D(2026, 3, 15), billing_cycle_day=1)
    first, second = list(monthly.periods(D(2026, 3, 15), until=D(2026, 4, 2)))
    assert (first, second) == (
        Period(D(2026, 3, 15), D(2026, 4, 1)),
        Period(D(2026, 4, 1), D(2026, 5, 1)),
    )
    # The whole period that holds the partial one is March, 31 days.
    assert monthly.period_of(D(2026, 3, 15)) == Period(D(2026, 3, 1), D(2026, 4, 1))


def test_a_start_before_the_billing_day_of_its_month_ends_its_first_period_there() -> None:
    monthly = cycle("monthly", start=D(2026, 3, 10), billing_cycle_day=20)
    assert next(monthly.periods(D(2026, 3, 10))) == Period(D(2026, 3, 10), D(2026, 3, 20))
    assert monthly.period_of(D(2026, 3, 10)) == Period(D(2026, 2, 20), D(2026, 3, 20))


def test_an_anniversary_cycle_starts_whole_on_the_start_date_and_clamps_like_a_bcd() -> None:
    monthly = cycle("monthly", start=D(2026, 1, 31), alignment="anniversary")
    assert starts(list(monthly.periods(D(2026, 1, 31), until=D(2026, 5, 1)))) == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
    ]


def test_quarterly_and_yearly_periods_are_in_phase_with_the_start_month() -> None:
    quarterly = cycle("quarterly", start=D(2026, 11, 30), billing_cycle_day=31)
    assert starts(list(quarterly.periods(D(2026, 11, 30), until=D(2027, 12, 1)))) == [
        D(2026, 11, 30),
        D(2027, 2, 28),
        D(2027, 5, 31),
        D(2027, 8, 31),
        D(2027, 11, 30),
    ]
    yearly = cycle("yearly", start=D(2024, 2, 29), alignment=Alignment.ANNIVERSARY)
    assert starts(list(yearly.periods(D(2024, 2, 29), until=D(2029, 1, 1)))) == [
        D(2024, 2, 29),
        D(2025, 2, 28),
        D(2026, 2, 28),
        D(2027, 2, 28),
        D(2028, 2, 29),
    ]


def test_weekly_periods_start_on_the_weekday_the_bcd_names() -> None:
    # 2026-03-04 is a Wednesday; BCD 1 is Monday: a first period to Monday 9 March.
    weekly = cycle("weekly", start=D(2026, 3, 4), billing_cycle_day=1)
    periods = list(weekly.periods(D(2026, 3, 4), until=D(2026, 3, 17)))
    assert periods == [
        Period(D(2026, 3, 4), D(2026, 3, 9)),
        Period(D(2026, 3, 9), D(2026, 3, 16)),
        Period(D(2026, 3, 16), D(2026, 3, 23)),
    ]


def test_bad_cycle_settings_are_refused_with_their_field() -> None:
    with pytest.raises(ValidationError) as raised:
        cycle("fortnightly", start=D(2026, 1, 1), billing_cycle_day=1)
    assert raised.value.errors[0].field == "period"
    with pytest.raises(ValidationError) as raised:
        cycle("monthly", start=D(2026, 1, 1), billing_cycle_day=32)
    assert raised.value.errors[0].field == "billing_cycle_day"
    with pytest.raises(ValidationError) as raised:
        cycle("weekly", start=D(2026, 1, 1), billing_cycle_day=8)
    assert raised.value.errors[0].field == "billing_cycle_day"
    with pytest.raises(ValidationError) as raised:
        cycle("monthly", start=D(2026, 1, 1))
    assert raised.value.errors[0].field == "billing_cycle_day"


@given(
    period=st.sampled_from(list(BillingPeriod)),
    day=st.integers(1, 31),
    start=st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 12, 31)),
    probe=st.integers(-800, 4000),
)
def test_every_date_lies_in_exactly_one_period_of_a_cycle(
    period: BillingPeriod, day: int, start: dt.date, probe: int
) -> None:
    weekday = (day - 1) % 7 + 1
    bcd = weekday if period is BillingPeriod.WEEKLY else day
    found = cycle(period, start=start, billing_cycle_day=bcd)
    when = start + dt.timedelta(days=probe)
    k = found.index_of(when)
    assert found.boundary(k) <= when < found.boundary(k + 1)
    whole = found.period_of(when)
    assert when in whole
    if period is not BillingPeriod.WEEKLY:
        # Every boundary is on the BCD, or on the last day of a month shorter than it.
        for boundary in (whole.start, whole.end):
            assert boundary.day == day or (
                boundary.day < day and (boundary + dt.timedelta(days=1)).day == 1
            )


def test_a_cycle_anchor_must_lie_on_its_day() -> None:
    with pytest.raises(ValueError, match="not on day 15"):
        Cycle(period=BillingPeriod.MONTHLY, anchor=D(2026, 1, 14), day=15)


def test_a_period_across_a_clock_change_keeps_its_local_dates() -> None:
    """New York, March 2026: clocks go forward on Sunday 8 March, so the period 1 March - 1
    April is 31 days of 24 hours less one: 743 hours; November's is 721 hours (back on
    Sunday 1 November)."""
    zone = ZoneInfo("America/New_York")
    start, end = Period(D(2026, 3, 1), D(2026, 4, 1)).instants(zone)
    assert (start.hour, end.hour) == (0, 0)
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=31 * 24 - 1)
    start, end = Period(D(2026, 11, 1), D(2026, 12, 1)).instants(zone)
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=30 * 24 + 1)


def test_a_day_whose_midnight_is_skipped_starts_at_one_in_the_morning() -> None:
    """Santiago de Chile moved its clocks from 00:00 to 01:00 on 7 September 2025."""
    first = day_start(D(2025, 9, 7), ZoneInfo("America/Santiago"))
    assert (first.date(), first.hour, first.utcoffset()) == (
        D(2025, 9, 7),
        1,
        dt.timedelta(hours=-3),
    )
    assert first.astimezone(dt.UTC) == dt.datetime(2025, 9, 7, 4, tzinfo=dt.UTC)
