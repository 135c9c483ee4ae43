"""When a subscription is invoiced and what each of its invoices carries (DOMAIN.md,
"Subscriptions and billing cycles" and "Invoices"; the bill run of issue 5, point 5).

A subscription is invoiced on its **billing dates**: the day it starts, then the end of each
of its billing periods (a period boundary, local date) until the period its cancellation
falls in has ended. The invoice of billing date ``B`` carries, for the period that ends on
``B`` (in arrears): its usage (after allowances), its fees billed in arrears, and the
credits and charges that bring the fees billed for it in advance to what it owes as the
history is now (an upgrade, a cancellation with credit); and for the period that starts on
``B`` (in advance): its fees billed in advance. So a monthly plan billed in advance is
invoiced on its start day for its first month, and on the 1st of each month for the coming
month's fee and the past month's usage.

An account's invoices are per billing date (its subscriptions may have different cycles;
those that share a date share an invoice).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from tarifa.billing.cycles import Cycle, Period
from tarifa.billing.draft import DraftLine, LineKind, advance_lines, draft_lines
from tarifa.billing.fees import FeeLine
from tarifa.catalog.model import Catalog, Coupon
from tarifa.money import RoundingPolicy
from tarifa.subscriptions.timeline import Timeline

_DAY = dt.timedelta(days=1)


def billing_dates(cycle: Cycle, history: Timeline, *, until: dt.date) -> list[dt.date]:
    """The billing dates of a subscription on or before `until`, in order."""
    dates = [history.start] if history.start <= until else []
    for period in cycle.periods(history.start, until=until):
        if period.end > until:
            break
        if history.cancelled_from is not None and period.start >= history.cancelled_from:
            break
        dates.append(period.end)
    return dates


def arrears_period(cycle: Cycle, history: Timeline, billing_date: dt.date) -> Period | None:
    """The period that ends on `billing_date` (its first day no earlier than the start), or
    None on the start day."""
    if billing_date <= history.start:
        return None
    whole = cycle.period_of(billing_date - _DAY)
    return Period(max(whole.start, history.start), billing_date)


def advance_period(cycle: Cycle, history: Timeline, billing_date: dt.date) -> Period | None:
    """The period that starts on `billing_date`, or None once the subscription has ended."""
    if history.cancelled_from is not None and billing_date >= history.cancelled_from:
        return None
    return Period(billing_date, cycle.next_boundary(billing_date))


def period_index(cycle: Cycle, history: Timeline, period: Period) -> int:
    """How many of the subscription's periods start before `period` (0 for the first)."""
    return sum(1 for _ in cycle.periods(history.start, until=period.start))


def lines_at(
    *,
    subscription_id: int,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    billing_date: dt.date,
    currency: str,
    zone: ZoneInfo,
    usage: Mapping[str, Decimal] | None = None,
    rated: Mapping[str, Decimal] | None = None,
    billed: Sequence[FeeLine] = (),
    coupon: Coupon | None = None,
    rounding: RoundingPolicy | None = None,
) -> tuple[DraftLine, ...]:
    """The lines of the subscription on the invoice of `billing_date`. `usage` and `rated`
    are the arrears period's (:mod:`tarifa.billing.usage_totals`); `billed` the fee lines
    invoiced already (on earlier billing dates; those of other periods are left out)."""
    lines: list[DraftLine] = []
    closed = arrears_period(cycle, history, billing_date)
    if closed is not None:
        lines += draft_lines(
            subscription_id=subscription_id,
            history=history,
            catalog=catalog,
            cycle=cycle,
            period=closed,
            period_index=period_index(cycle, history, closed),
            currency=currency,
            zone=zone,
            usage=usage,
            rated=rated,
            billed=[f for f in billed if closed.start <= f.start and f.end <= closed.end],
            coupon=_arrears_coupon(
                coupon,
                subscription_id=subscription_id,
                history=history,
                catalog=catalog,
                cycle=cycle,
                period=closed,
                currency=currency,
                zone=zone,
            ),
            rounding=rounding,
        )
    coming = advance_period(cycle, history, billing_date)
    if coming is not None:
        lines += advance_lines(
            subscription_id=subscription_id,
            history=history,
            catalog=catalog,
            cycle=cycle,
            period=coming,
            period_index=period_index(cycle, history, coming),
            currency=currency,
            zone=zone,
            coupon=coupon,
            rounding=rounding,
        )
    return tuple(lines)


def _arrears_coupon(
    coupon: Coupon | None,
    *,
    subscription_id: int,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    period: Period,
    currency: str,
    zone: ZoneInfo,
) -> Coupon | None:
    """The coupon for the lines billed at the end of `period`. A percentage applies to every
    line it covers, whenever it is billed; a fixed amount is given once a period, so not
    again at the end when the period's advance invoice gave it already."""
    if coupon is None or coupon.percentage is not None:
        return coupon
    given = advance_lines(
        subscription_id=subscription_id,
        history=history,
        catalog=catalog,
        cycle=cycle,
        period=period,
        period_index=period_index(cycle, history, period),
        currency=currency,
        zone=zone,
        coupon=coupon,
    )
    return None if any(line.kind is LineKind.DISCOUNT for line in given) else coupon


__all__ = ["advance_period", "arrears_period", "billing_dates", "lines_at", "period_index"]
