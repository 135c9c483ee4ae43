"""What one billing period of a plan costs, before tax (pure: catalog values in, lines out).

A quote prices the period of a subscription that starts on `period_start`, with the plan
version in force on that day, the way an invoice will (the billing issue's invoice generator
is built on the same functions, and its tests prove a quote equals the draft invoice):

1. recurring fees, priced over the subscription's quantity (seats, default 1); a promotion
   for the charge replaces its price while `period_index` is below the promotion's periods;
2. one-time fees, in the first period only (`period_index` 0);
3. usage charges priced over a metric: the included allowance is consumed first (a quote
   covers one whole period, so the allowance is not prorated), the rest is priced; a
   percentage charge takes the list of transaction amounts. A usage charge rated by a tariff
   takes the period's rated cost as its usage (by the charge's metric, else its code): rating
   is per record, a quote has only totals;
4. a minimum-commitment true-up when the lines above fall short of the minimum;
5. the coupon, if it is redeemable on `period_start` and still applies in `period_index`
   (:func:`tarifa.pricing.discounts.apply_discounts`).

Every line keeps its precise amount and is rounded once to the currency's minor unit; the
total is the sum of the rounded lines (DOMAIN.md, "Money and rounding").
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from tarifa import pricing
from tarifa.catalog.model import (
    TRANSACTION_MODELS,
    BillingPeriod,
    Charge,
    ChargeKind,
    Coupon,
    Plan,
    PlanVersion,
)
from tarifa.errors import FieldError, ValidationError
from tarifa.money import Money, RoundingPolicy
from tarifa.pricing import BreakdownItem
from tarifa.pricing.decimals import read_number
from tarifa.pricing.discounts import Discount, PricedLine, apply_discounts
from tarifa.pricing.discounts import Scope as DiscountScope

UsageValue = Decimal | int | str | Sequence[Decimal | int | str]


class LineKind(StrEnum):
    RECURRING = "recurring"
    ONE_TIME = "one_time"
    USAGE = "usage"
    MINIMUM_COMMITMENT = "minimum_commitment"
    DISCOUNT = "discount"


@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteLine:
    """One pre-tax line. `quantity` is the usage or seat count as given, `allowance_used` the
    part of it the allowance covered, `charged_quantity` the rest (what was priced).
    `amount` is precise; `rounded` is it rounded to the currency's minor unit. A discount line
    names the line it reduces in `applies_to` (a charge code, or `minimum_commitment`)."""

    kind: LineKind
    charge: str | None
    description: str
    amount: Decimal
    rounded: Decimal
    quantity: Decimal | None = None
    allowance_used: Decimal | None = None
    charged_quantity: Decimal | None = None
    unit: str | None = None
    breakdown: tuple[BreakdownItem, ...] = ()
    promotion: bool = False
    applies_to: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    plan: str
    version: int
    effective_from: date
    currency: str
    period_start: date
    period_end: date  # exclusive: periods are half-open
    period_index: int
    coupon: str | None
    lines: tuple[QuoteLine, ...]
    total: Decimal  # the sum of the rounded lines
    precise_total: Decimal


def period_end(start: date, period: BillingPeriod) -> date:
    """The end (exclusive) of the period of `period` that starts on `start`. A start on a day
    the end month lacks (31 January + 1 month) ends on that month's last day."""
    if period is BillingPeriod.WEEKLY:
        return start + timedelta(days=7)
    months = start.month - 1 + period.months
    year, month = start.year + months // 12, months % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def quote(
    plan: Plan,
    *,
    currency: str,
    period_start: date,
    usage: Mapping[str, UsageValue] | None = None,
    coupon: Coupon | None = None,
    quantity: int = 1,
    period_index: int = 0,
    rounding: RoundingPolicy | None = None,
) -> Quote:
    """Price one period of `plan` starting on `period_start`; ValidationError (every problem,
    each with its field) for a currency the version is not sold in, usage for metrics the
    plan does not have, bad quantities, or a coupon that does not apply."""
    version = plan.version_on(period_start)
    usage = dict(usage or {})
    errors = _check(version, currency, usage, quantity, period_index)
    if coupon is not None:
        problem = coupon.redeemable(period_start)
        if problem is None and coupon.percentage is None and coupon.amount_in(currency) is None:
            problem = f"coupon {coupon.code} has no amount in {currency}"
        if problem:
            errors.append(FieldError("coupon", problem))
    if errors:
        raise ValidationError(errors)
    policy = rounding or RoundingPolicy()
    priced: list[tuple[QuoteLine, PricedLine]] = []
    for charge in version.charges:
        line = _price_charge(version, charge, usage, quantity, period_index, currency)
        if line is not None:
            priced.append(
                (
                    line,
                    PricedLine(
                        key=charge.code, plan=plan.code, charge=charge.code, amount=line.amount
                    ),
                )
            )
    minimum = version.minimum_in(currency)
    subtotal = sum((line.amount for line, _ in priced), Decimal(0))
    if minimum is not None and subtotal < minimum:
        shortfall = minimum - subtotal
        line = QuoteLine(
            kind=LineKind.MINIMUM_COMMITMENT,
            charge=None,
            description=f"minimum commitment of {minimum} {currency}",
            amount=shortfall,
            rounded=shortfall,
        )
        priced.append(
            (
                line,
                PricedLine(key="minimum_commitment", plan=plan.code, charge=None, amount=shortfall),
            )
        )
    lines = [line for line, _ in priced]
    if coupon is not None and coupon.applies_in_period(period_index):
        lines += _discount_lines(coupon, currency, priced)
    rounded = tuple(_rounded(line, currency, policy) for line in lines)
    return Quote(
        plan=plan.code,
        version=plan.number_of(version),
        effective_from=version.effective_from,
        currency=currency,
        period_start=period_start,
        period_end=period_end(period_start, version.billing_period),
        period_index=period_index,
        coupon=coupon.code if coupon else None,
        lines=rounded,
        total=sum((line.rounded for line in rounded), Decimal(0)),
        precise_total=sum((line.amount for line in rounded), Decimal(0)),
    )


def _check(
    version: PlanVersion,
    currency: str,
    usage: Mapping[str, UsageValue],
    quantity: object,
    period_index: object,
) -> list[FieldError]:
    errors = []
    if currency not in version.currencies:
        errors.append(
            FieldError(
                "currency", f"the plan is sold in {', '.join(version.currencies)}, not {currency}"
            )
        )
    keys = {c.metric or c.code for c in version.charges if c.kind is ChargeKind.USAGE}
    errors.extend(
        FieldError(f"usage.{name}", "the plan has no usage charge on this metric")
        for name in usage
        if name not in keys
    )
    if quantity.__class__ is not int or quantity < 1:
        errors.append(FieldError("quantity", "a whole number of at least 1"))
    if period_index.__class__ is not int or period_index < 0:
        errors.append(FieldError("period_index", "a whole number, 0 for the first period"))
    return errors


def _price_charge(
    version: PlanVersion,
    charge: Charge,
    usage: Mapping[str, UsageValue],
    quantity: int,
    period_index: int,
    currency: str,
) -> QuoteLine | None:
    if charge.kind is ChargeKind.ONE_TIME and period_index > 0:
        return None
    if charge.periods is not None and period_index >= charge.periods:
        return None  # instalments paid off
    promotion = version.promotion_for(charge.code, period_index)
    promoted = promotion.price_in(currency) if promotion else None
    spec = promoted or (charge.price_in(currency) if charge.prices else None)
    unit = charge.unit.value if charge.unit else None
    field = f"usage.{charge.metric or charge.code}"
    if charge.kind is not ChargeKind.USAGE:
        # Fees are priced over the subscription's quantity (seats); the rules make every fee
        # priced, so `spec` is set.
        seats = Decimal(quantity)
        return _line(
            charge,
            spec,
            promoted is not None,
            f"charges.{charge.code}",
            quantity=seats,
            charged=seats,
        )
    given = usage.get(charge.metric or charge.code)
    if spec is None:  # rated by a tariff: the period's rated cost, in the plan's currency
        cost = _number(given, field)
        return QuoteLine(
            kind=LineKind.USAGE,
            charge=charge.code,
            description=charge.name,
            amount=cost,
            rounded=cost,
            unit=currency,
        )
    if spec.model in TRANSACTION_MODELS:
        transactions = tuple(_number(t, field) for t in _transactions(given))
        total = sum(transactions, Decimal(0))
        return _line(
            charge,
            spec,
            promoted is not None,
            field,
            quantity=total,
            charged=total,
            unit=unit,
            transactions=transactions,
        )
    used = _number(given, field)
    free = min(used, charge.allowance.quantity) if charge.allowance else None
    return _line(
        charge,
        spec,
        promoted is not None,
        field,
        quantity=used,
        free=free,
        charged=used - (free or 0),
        unit=unit,
    )


def _line(
    charge: Charge,
    spec: pricing.Spec | None,
    promotion: bool,
    field: str,
    *,
    quantity: Decimal,
    charged: Decimal,
    free: Decimal | None = None,
    unit: str | None = None,
    transactions: Sequence[Decimal] | None = None,
) -> QuoteLine:
    if spec is None:
        raise ValidationError.single(field, "has no price")
    try:
        if transactions is not None:
            result = pricing.price(spec, transactions=transactions)
        else:
            result = pricing.price(spec, charged)
    except ValidationError as err:
        raise ValidationError(FieldError(field, e.reason) for e in err.errors) from None
    return QuoteLine(
        kind=LineKind(charge.kind.value),
        charge=charge.code,
        description=charge.name,
        amount=result.amount,
        rounded=result.amount,
        quantity=quantity,
        allowance_used=free,
        charged_quantity=charged,
        unit=unit,
        breakdown=result.breakdown,
        promotion=promotion,
    )


def _number(value: object, field: str) -> Decimal:
    """A usage quantity, transaction amount or rated cost: not negative, never a float."""
    if value is None:
        return Decimal(0)
    found = read_number(value)
    if isinstance(found, str):
        raise ValidationError.single(field, found)
    if found < 0:
        raise ValidationError.single(field, "must not be negative")
    return found


def _transactions(value: UsageValue | None) -> Sequence[object]:
    if value is None:
        return ()
    if isinstance(value, str | int | Decimal | float):
        return (value,)
    return tuple(value)


def _discount_lines(
    coupon: Coupon, currency: str, priced: list[tuple[QuoteLine, PricedLine]]
) -> list[QuoteLine]:
    names = {key.key: line.description for line, key in priced}
    discount = Discount(
        label=coupon.code,
        scope=DiscountScope(coupon.scope.value),
        target=coupon.target,
        percentage=coupon.percentage,
        amount=None if coupon.percentage is not None else coupon.amount_in(currency),
    )
    return [
        QuoteLine(
            kind=LineKind.DISCOUNT,
            charge=None,
            applies_to=d.applies_to,
            description=f"{coupon.code} on {names[d.applies_to]}",
            amount=d.amount,
            rounded=d.amount,
        )
        for d in apply_discounts([key for _, key in priced], [discount])
    ]


def _rounded(line: QuoteLine, currency: str, policy: RoundingPolicy) -> QuoteLine:
    return replace(line, rounded=policy.round(Money.of(line.amount, currency)).amount)
