"""Usage lines of a billing period, and the minimum-commitment true-up (DOMAIN.md,
"Pricing models", "Subscriptions and billing cycles").

A usage charge priced with a pricing model is priced over the period's total of its metric,
after its allowance: the included units are used first, only the rest is priced. A partial
period (a start, a cancellation or a suspension inside it) gets the share of the allowance
that its active days are of the period, by the plan's proration convention, unless the plan
says the allowance is not prorated. A usage charge rated by a tariff (``tariff:`` in the
catalog) carries the period's rated cost as it is.

Usage is billed on the plan in force on the last active day of the period (a plan change
inside a period moves its usage to the new plan); usage is billed in trial days too (a trial
frees recurring fees only).

:func:`minimum_true_up` makes up the difference when a period's charges fall below the plan's
minimum commitment, prorated like the allowances.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from zoneinfo import ZoneInfo

from tarifa.billing.cycles import Cycle, Period
from tarifa.billing.proration import share
from tarifa.catalog.model import Catalog, ChargeKind, PlanVersion, ServiceType
from tarifa.money import ARITHMETIC_PRECISION, Money
from tarifa.pricing import price
from tarifa.subscriptions.timeline import State, Timeline

#: The usage category (rating profile category) of each usage service.
CATEGORIES = {
    ServiceType.VOICE: "call",
    ServiceType.DATA: "data",
    ServiceType.SMS: "sms",
    ServiceType.MMS: "mms",
    ServiceType.VIDEO: "video",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RatedAllowance:
    """The allowance of a charge rated by a tariff for one period: `included` in the usage's
    own unit (seconds, bytes, events), consumed by the records of `category` (to these
    `destinations` only, when given) in event-time order, in the database
    (sql/queries/billing.sql, rated_in_windows)."""

    charge: str
    category: str
    included: Decimal
    destinations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageLine:
    subscription_id: int
    charge: str
    description: str
    plan: str
    quantity: Decimal
    allowance: Decimal
    allowance_used: Decimal
    charged_quantity: Decimal
    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class MinimumLine:
    subscription_id: int
    plan: str
    minimum: Money
    charged: Money
    amount: Money


def active_share(
    history: Timeline, cycle: Cycle, period: Period, version: PlanVersion, zone: ZoneInfo
) -> Fraction:
    """The share of `period` the subscription was running in (trial included, suspension
    not), by the plan's convention."""
    return sum(
        (
            share(Period(s.start, s.end), cycle, version.proration, zone=zone)
            for s in history.within(period)
            if s.state is not State.SUSPENDED and s.end is not None
        ),
        Fraction(0),
    )


def usage_lines(
    *,
    subscription_id: int,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    period: Period,
    currency: str,
    usage: Mapping[str, Decimal],
    rated: Mapping[str, Decimal] | None = None,
    zone: ZoneInfo,
) -> tuple[UsageLine, ...]:
    """The usage lines of `period`: `usage` maps a metric to the period's total, `rated` a
    tariff-rated charge's code to the period's rated cost."""
    segments = [s for s in history.within(period) if s.state is not State.SUSPENDED]
    if not segments:
        return ()
    last = segments[-1]
    version = catalog.plan(last.plan).version_on(history.plan_since(last.start))
    part = active_share(history, cycle, period, version, zone)
    lines = []
    for charge in version.charges:
        if charge.kind is not ChargeKind.USAGE:
            continue
        if charge.tariff is not None and not charge.prices:
            cost = (rated or {}).get(charge.code, Decimal(0))
            lines.append(
                UsageLine(
                    subscription_id=subscription_id,
                    charge=charge.code,
                    description=charge.name,
                    plan=last.plan,
                    quantity=Decimal(0),
                    allowance=Decimal(0),
                    allowance_used=Decimal(0),
                    charged_quantity=Decimal(0),
                    amount=Money.of(cost, currency),
                )
            )
            continue
        quantity = usage.get(charge.metric or charge.code, Decimal(0))
        included = Decimal(0)
        if charge.allowance is not None:
            included = charge.allowance.quantity
            if charge.allowance.prorate and part != 1:
                included = _times(included, part)
        used = min(quantity, included)
        charged = quantity - used
        spec = charge.price_in(currency)
        lines.append(
            UsageLine(
                subscription_id=subscription_id,
                charge=charge.code,
                description=charge.name,
                plan=last.plan,
                quantity=quantity,
                allowance=included,
                allowance_used=used,
                charged_quantity=charged,
                amount=Money.of(price(spec, charged).amount, currency),
            )
        )
    return tuple(lines)


def rated_allowances(
    *,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    period: Period,
    zone: ZoneInfo,
) -> tuple[RatedAllowance, ...]:
    """The allowances of `period`'s tariff-rated charges (the plan in force on its last
    active day), prorated like the metric allowances, in the usage's own unit."""
    segments = [s for s in history.within(period) if s.state is not State.SUSPENDED]
    if not segments:
        return ()
    last = segments[-1]
    version = catalog.plan(last.plan).version_on(history.plan_since(last.start))
    part = active_share(history, cycle, period, version, zone)
    found = []
    for charge in version.charges:
        if charge.tariff is None or charge.prices or charge.allowance is None:
            continue
        category = CATEGORIES.get(catalog.product(charge.product).service)
        if category is None:
            continue
        included = charge.allowance.quantity
        if charge.allowance.prorate and part != 1:
            included = _times(included, part)
        factor = charge.unit.base[1] if charge.unit is not None else 1
        found.append(
            RatedAllowance(
                charge=charge.code,
                category=category,
                included=_times(included, Fraction(factor)),
                destinations=charge.allowance.destinations,
            )
        )
    return tuple(found)


def minimum_true_up(
    *,
    subscription_id: int,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    period: Period,
    currency: str,
    charged: Sequence[Money],
    zone: ZoneInfo,
) -> MinimumLine | None:
    """The line that brings the period's `charged` amounts up to the plan's minimum
    commitment (prorated by the active share of the period), or None when they reach it."""
    segments = [s for s in history.within(period) if s.state is not State.SUSPENDED]
    if not segments:
        return None
    last = segments[-1]
    version = catalog.plan(last.plan).version_on(history.plan_since(last.start))
    minimum = version.minimum_in(currency)
    if minimum is None:
        return None
    due = Money.of(_times(minimum, active_share(history, cycle, period, version, zone)), currency)
    total = sum((m.amount for m in charged), Decimal(0))
    if total >= due.amount:
        return None
    return MinimumLine(
        subscription_id=subscription_id,
        plan=last.plan,
        minimum=due,
        charged=Money.of(total, currency),
        amount=Money.of(due.amount - total, currency),
    )


def _times(value: Decimal, part: Fraction) -> Decimal:
    """`value` x `part` with the money module's 38 significant digits."""
    with localcontext(prec=ARITHMETIC_PRECISION):
        return value * part.numerator / part.denominator


__all__ = [
    "CATEGORIES",
    "MinimumLine",
    "RatedAllowance",
    "UsageLine",
    "active_share",
    "minimum_true_up",
    "rated_allowances",
    "usage_lines",
]
