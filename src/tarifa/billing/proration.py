"""Proration: the share of a billing period that a partial period (a *stub*) is worth.

The conventions are DOMAIN.md's, named and chosen per plan (``catalog.model.Proration``):

``actual_days`` (default)
    days of the stub / days of the whole cycle period that holds it. Never the days of the
    stub's own, clamped or partial period: 10 days of a 31-day period are 10/31.
``thirty_360``
    30E/360 (European): every month counts 30 days and a 31st counts as the 30th, so a month
    is always 30, a quarter 90 and a year 360; the stub's days so counted over the period's.
``inclusive_days``
    the days from the first to the last date *both counted*, for the stub and the period
    alike: ``[start, end)`` counts ``end - start + 1`` days.
``seconds``
    exact elapsed seconds between the stubs' first instants in the account's time zone, over
    the period's: a day of a daylight-saving change counts 23 or 25 hours.

A share is an exact :class:`~fractions.Fraction`; :func:`prorate` applies it to an amount
with the precision of :mod:`tarifa.money` (38 significant digits), to be rounded once on the
invoice line. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

from tarifa.billing.cycles import Cycle, Period
from tarifa.catalog.model import Proration
from tarifa.money import Money


def share(
    stub: Period,
    cycle: Cycle,
    convention: Proration | str = Proration.ACTUAL_DAYS,
    *,
    zone: ZoneInfo | None = None,
) -> Fraction:
    """The share of its cycle period that `stub` is worth (1 for a whole period).

    ValueError when the stub does not lie inside one period of the cycle, or when the
    convention is `seconds` and no time zone is given.
    """
    whole = cycle.period_of(stub.start)
    if stub.end > whole.end:
        raise ValueError(f"{stub.start} .. {stub.end} spans more than one period of the cycle")
    match Proration(convention):
        case Proration.ACTUAL_DAYS:
            return Fraction(stub.days, whole.days)
        case Proration.THIRTY_360:
            return Fraction(_days_30e_360(stub), _days_30e_360(whole))
        case Proration.INCLUSIVE_DAYS:
            return Fraction(stub.days + 1, whole.days + 1)
        case Proration.SECONDS:
            if zone is None:
                raise ValueError("the seconds convention needs the account's time zone")
            return Fraction(_seconds(stub, zone), _seconds(whole, zone))
    raise AssertionError(convention)  # pragma: no cover - every convention is matched


def prorate(amount: Money, fraction: Fraction) -> Money:
    """`amount` × `fraction`, precise (rounded once, later, on the invoice line)."""
    return amount * fraction.numerator / fraction.denominator


def _days_30e_360(period: Period) -> int:
    """Days from start to end, each month counting 30 and a 31st counting as the 30th."""
    first, last = period.start, period.end
    return (
        360 * (last.year - first.year)
        + 30 * (last.month - first.month)
        + min(last.day, 30)
        - min(first.day, 30)
    )


def _seconds(period: Period, zone: ZoneInfo) -> int:
    # In UTC: Python subtracts two times of one zone by their wall clocks, offsets ignored.
    start, end = (at.astimezone(dt.UTC) for at in period.instants(zone))
    return (end - start) // dt.timedelta(seconds=1)


__all__ = ["prorate", "share"]
