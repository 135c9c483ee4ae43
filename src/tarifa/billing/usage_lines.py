"""Usage lines of a billing period, and the minimum-commitment true-up (DOMAIN.md,
"Pricing models", "Subscriptions and billing cycles").

A usage charge priced with a pricing model is priced over the period's total of its metric,
after its allowance: the included units are used first, only the rest is priced. A partial
period (a start, a cancellation or a suspension inside it) gets the share of the allowance
that its active days are of the period, by the plan's proration convention, unless the plan
says the allowance is not prorated. A charge priced by a percentage model (``unit: amount``)
is priced over the period's list of transaction amounts: each transaction pays on its own and
the free limits count transactions, so a total cannot stand for them (a graduated percentage
may be given its total instead). A promotion of the charge replaces its price while the
subscription's period index is below the promotion's periods, as for the fees. A usage
charge rated by a tariff (``tariff:`` in the catalog) carries the period's rated cost as it
is (its allowance was consumed record by record when the cost was summed).

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
from tarifa.catalog.model import (
    TRANSACTION_MODELS,
    Catalog,
    Charge,
    ChargeKind,
    PlanVersion,
    ServiceType,
)
from tarifa.errors import FieldError, ValidationError
from tarifa.money import ARITHMETIC_PRECISION, Money
from tarifa.pricing import BreakdownItem, PriceResult, Spec, price
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
    """`quantity` is the period's usage (the sum of the transactions for a percentage
    model; 0 for a tariff-rated charge), `allowance_used` the part the allowance covered,
    `charged_quantity` the rest, priced into `amount` as `breakdown` explains."""

    subscription_id: int
    charge: str
    description: str
    plan: str
    quantity: Decimal
    allowance: Decimal
    allowance_used: Decimal
    charged_quantity: Decimal
    amount: Money
    breakdown: tuple[BreakdownItem, ...] = ()
    promotion: bool = False


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
    period_index: int,
    currency: str,
    usage: Mapping[str, Decimal],
    transactions: Mapping[str, Sequence[Decimal]] | None = None,
    rated: Mapping[str, Decimal] | None = None,
    zone: ZoneInfo,
) -> tuple[UsageLine, ...]:
    """The usage lines of `period` (the subscription's period `period_index`, 0 the first):
    `usage` maps a metric to the period's total, `transactions` a metric of a percentage
    model to the period's transaction amounts, `rated` a tariff-rated charge's code to the
    period's rated cost."""
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
        metric = charge.metric or charge.code
        promotion = version.promotion_for(charge.code, period_index)
        promoted = promotion.price_in(currency) if promotion else None
        spec = promoted or charge.price_in(currency)
        listed = (transactions or {}).get(metric)
        if spec.model in TRANSACTION_MODELS and (listed is not None or metric not in usage):
            amounts = tuple(listed or ())
            quantity = sum(amounts, Decimal(0))
            included = used = Decimal(0)  # percentage models have free transactions instead
            result = _priced(spec, metric, transactions=amounts)
        else:
            quantity = usage.get(metric, Decimal(0))
            included = _included(charge, part)
            used = min(quantity, included)
            result = _priced(spec, metric, quantity=quantity - used)
        lines.append(
            UsageLine(
                subscription_id=subscription_id,
                charge=charge.code,
                description=charge.name,
                plan=last.plan,
                quantity=quantity,
                allowance=included,
                allowance_used=used,
                charged_quantity=quantity - used,
                amount=Money.of(result.amount, currency),
                breakdown=result.breakdown,
                promotion=promoted is not None,
            )
        )
    return tuple(lines)


def _included(charge: Charge, part: Fraction) -> Decimal:
    """The allowance of `charge` for a period the subscription ran `part` of."""
    if charge.allowance is None:
        return Decimal(0)
    if charge.allowance.prorate and part != 1:
        return _times(charge.allowance.quantity, part)
    return charge.allowance.quantity


def _priced(
    spec: Spec,
    metric: str,
    *,
    quantity: Decimal | None = None,
    transactions: Sequence[Decimal] | None = None,
) -> PriceResult:
    """The price of a usage charge; a usage the model refuses is named by its metric."""
    try:
        return price(spec, quantity, transactions=transactions)
    except ValidationError as err:
        raise ValidationError(FieldError(f"usage.{metric}", e.reason) for e in err.errors) from None


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
        included = _included(charge, part)
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
