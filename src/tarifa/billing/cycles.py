"""Billing cycles: the periods a subscription is billed for (DOMAIN.md, "Subscriptions and
billing cycles").

A billing period is a half-open range of *local dates* ``[start, end)`` in the account's time
zone; its instants are the first instants of those dates there (:func:`day_start`), so a
period across a change of daylight saving time is 23 or 25 hours a day shorter or longer, never
shifted.

A :class:`Cycle` is a sequence of boundaries, one every week, month, quarter or year. For the
monthly kinds every boundary falls on the cycle's *day* (the billing cycle day, BCD, 1-31) of
its month, or on the month's last day when the month is shorter: a BCD of 31 bills on 31
January, 28 February (29 in a leap year), 31 March, 30 April... Each boundary is computed
from the cycle's anchor, never from the previous boundary, so a short month never drags the
following ones to its day: no period is ever skipped or doubled.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from tarifa.catalog.model import BillingPeriod
from tarifa.errors import FieldError, ValidationError


class Alignment(StrEnum):
    """Where a subscription's periods start: on the account's billing cycle day, or on the
    subscription's own start date (its anniversary)."""

    BILLING_CYCLE_DAY = "billing_cycle_day"
    ANNIVERSARY = "anniversary"


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """Local dates ``[start, end)``."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a period ends after it starts: {self.start} .. {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day < self.end

    def instants(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The first instants of its first day and of the day after its last, in `zone`."""
        return day_start(self.start, zone), day_start(self.end, zone)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cycle:
    """Boundaries every `period`, in phase with `anchor`, on day `day` of the month (the
    monthly kinds; clamped to shorter months) or on `anchor`'s weekday (weekly)."""

    period: BillingPeriod
    anchor: dt.date
    day: int

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 31:
            raise ValueError(f"a billing cycle day is 1 to 31, not {self.day}")
        if self.period is not BillingPeriod.WEEKLY and self.anchor != _on_day(
            self.anchor.year, self.anchor.month, self.day
        ):
            raise ValueError(f"{self.anchor} is not on day {self.day} of its month")

    def boundary(self, k: int) -> dt.date:
        """The `k`-th boundary from the anchor (k = 0 is the anchor; negative k before it)."""
        if self.period is BillingPeriod.WEEKLY:
            return self.anchor + dt.timedelta(weeks=k)
        months = self.anchor.month - 1 + k * self.period.months
        return _on_day(self.anchor.year + months // 12, months % 12 + 1, self.day)

    def index_of(self, day: dt.date) -> int:
        """The k whose period ``[boundary(k), boundary(k + 1))`` holds `day`."""
        return _index_of(self, day)

    def _index_of(self, day: dt.date) -> int:
        if self.period is BillingPeriod.WEEKLY:
            return (day - self.anchor).days // 7
        months = (day.year - self.anchor.year) * 12 + day.month - self.anchor.month
        k = months // self.period.months
        # The estimate is off by at most one: the boundary of a month may lie after `day`.
        while self.boundary(k) > day:
            k -= 1
        while self.boundary(k + 1) <= day:
            k += 1
        return k

    def period_of(self, day: dt.date) -> Period:
        """The whole cycle period that holds `day`."""
        k = self.index_of(day)
        return Period(self.boundary(k), self.boundary(k + 1))

    def next_boundary(self, day: dt.date) -> dt.date:
        """The first boundary after `day` (the end of the period holding it)."""
        return self.boundary(self.index_of(day) + 1)

    def periods(self, start: dt.date, until: dt.date | None = None) -> Iterator[Period]:
        """The billing periods of a subscription that starts on `start`: a first, partial one
        up to the next boundary when `start` is not a boundary, then whole periods; those that
        start before `until` when given (the last ends on or after it), else without end."""
        k = self.index_of(start)
        first = start
        while until is None or first < until:
            end = self.boundary(k + 1)
            yield Period(first, end)
            first, k = end, k + 1


# A bill run asks the same few cycles (one per billing day) the same questions for every
# account: remembered, they cost a lookup.
@functools.lru_cache(maxsize=65536)
def _index_of(cycle: Cycle, day: dt.date) -> int:
    return cycle._index_of(day)


def cycle(
    period: BillingPeriod | str,
    *,
    start: dt.date,
    alignment: Alignment | str = Alignment.BILLING_CYCLE_DAY,
    billing_cycle_day: int | None = None,
) -> Cycle:
    """The cycle of a subscription of `period` that starts on `start`.

    - Anniversary: boundaries on the start's day of the month (weekly: its weekday), from the
      start on; the first period is whole.
    - Billing cycle day (the account's BCD, 1-31): monthly periods start on that day of every
      month; quarterly and yearly ones on that day of the start's month and every 3 or 12
      months from it; weekly ones on the weekday the BCD names (1 Monday .. 7 Sunday). A start
      that is not on a boundary makes a first, partial period.
    """
    problems: list[FieldError] = []
    try:
        kind = BillingPeriod(period)
    except ValueError:
        problems.append(FieldError("period", "must be weekly, monthly, quarterly or yearly"))
    try:
        aligned = Alignment(alignment)
    except ValueError:
        problems.append(FieldError("alignment", "must be billing_cycle_day or anniversary"))
    if not problems and aligned is Alignment.BILLING_CYCLE_DAY:
        top = 7 if kind is BillingPeriod.WEEKLY else 31
        if not isinstance(billing_cycle_day, int) or isinstance(billing_cycle_day, bool):
            problems.append(FieldError("billing_cycle_day", "is required to align on it"))
        elif not 1 <= billing_cycle_day <= top:
            problems.append(FieldError("billing_cycle_day", f"must be 1 to {top}"))
    if problems:
        raise ValidationError(problems)
    if aligned is Alignment.ANNIVERSARY:
        return Cycle(period=kind, anchor=start, day=start.day)
    assert billing_cycle_day is not None
    if kind is BillingPeriod.WEEKLY:
        anchor = start - dt.timedelta(days=(start.isoweekday() - billing_cycle_day) % 7)
        return Cycle(period=kind, anchor=anchor, day=anchor.day)
    anchor = _on_day(start.year, start.month, billing_cycle_day)
    return Cycle(period=kind, anchor=anchor, day=billing_cycle_day)


def day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The first instant of local date `day` in `zone`: midnight, or where a clock change
    skips midnight (Santiago, Beirut...), the first time that exists on that date."""
    naive = dt.datetime.combine(day, dt.time())
    first = naive.replace(tzinfo=zone)
    # A wall time in a gap reads with the offset from before the change, which names the
    # instant the gap ends; going through UTC gives that instant its true wall time.
    return first.astimezone(dt.UTC).astimezone(zone)


@functools.lru_cache(maxsize=65536)
def _on_day(year: int, month: int, day: int) -> dt.date:
    """Day `day` of the month, or its last day when it is shorter."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


__all__ = ["Alignment", "Cycle", "Period", "cycle", "day_start"]
