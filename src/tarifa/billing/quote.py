"""What one billing period of a plan costs, before tax: the invoice generator's draft for a
subscription of one period (pure: catalog values in, lines out).

A quote is what the invoice will say. So it is not priced here: :func:`quote` turns the
request into the generator's inputs (a subscription of `quantity` seats that starts on
`period_start` on the plan version in force that day, a cycle whose period is the quoted
one, the period's usage, the coupon) and :func:`tarifa.billing.draft.draft_lines` prices
them, as it prices every invoice:

1. recurring fees, priced over the seats; a promotion for the charge replaces its price
   while `period_index` is below the promotion's periods; instalments stop after theirs;
2. one-time fees, in the first period only (`period_index` 0);
3. usage charges: over a metric's total, after the included allowance (a whole period, so
   the allowance is not prorated); a percentage model over the list of transaction amounts;
   a charge rated by a tariff takes the period's rated cost as it is (rating is per record
   and consumes the allowance there: a quote has only the total);
4. a minimum-commitment true-up when the lines above fall short of the minimum;
5. the coupon, if it is redeemable on `period_start` and still applies in `period_index`.

What is left here is checking the request (every problem, each with its field) and showing
the draft lines as quote lines: the catalog's name of each charge, in the catalog's order.
Every line keeps its precise amount and is rounded once to the currency's minor unit; the
total is the sum of the rounded lines (DOMAIN.md, "Money and rounding").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from tarifa.billing.cycles import Alignment, Period, cycle
from tarifa.billing.draft import DraftLine, LineKind, draft_lines
from tarifa.catalog.model import (
    TRANSACTION_MODELS,
    BillingPeriod,
    Catalog,
    Charge,
    ChargeKind,
    Coupon,
    Plan,
    PlanVersion,
)
from tarifa.errors import FieldError, ValidationError
from tarifa.money import RoundingPolicy
from tarifa.pricing import BreakdownItem
from tarifa.pricing.decimals import read_number
from tarifa.subscriptions.timeline import Change, ChangeKind, timeline

UsageValue = Decimal | int | str | Sequence[Decimal | int | str]

#: A quote's period is whole and its dates are local dates: no zone changes its share.
_ZONE = ZoneInfo("UTC")
_MINIMUM = "minimum_commitment"


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


@dataclass(frozen=True, slots=True, kw_only=True)
class _Usage:
    """A quote's usage in the generator's three forms."""

    totals: dict[str, Decimal]
    transactions: dict[str, tuple[Decimal, ...]]
    rated: dict[str, Decimal]


def period_end(start: date, period: BillingPeriod) -> date:
    """The end (exclusive) of the period of `period` that starts on `start`: the next
    boundary of a cycle anchored on `start`. A start on a day the end month lacks
    (31 January + 1 month) ends on that month's last day."""
    return cycle(period, start=start, alignment=Alignment.ANNIVERSARY).boundary(1)


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
    given = dict(usage or {})
    errors = _check(version, currency, given, quantity, period_index)
    if coupon is not None:
        problem = coupon.redeemable(period_start)
        if problem is None and coupon.percentage is None and coupon.amount_in(currency) is None:
            problem = f"coupon {coupon.code} has no amount in {currency}"
        if problem:
            errors.append(FieldError("coupon", problem))
    if errors:
        raise ValidationError(errors)
    read = _read_usage(version, currency, given)
    billing = cycle(version.billing_period, start=period_start, alignment=Alignment.ANNIVERSARY)
    drafted = draft_lines(
        subscription_id=0,
        history=timeline(
            [
                Change(
                    kind=ChangeKind.CREATED,
                    effective=period_start,
                    plan=plan.code,
                    quantity=quantity,
                )
            ]
        ),
        catalog=Catalog(plans=(plan,)),
        cycle=billing,
        period=Period(period_start, billing.boundary(1)),
        period_index=period_index,
        currency=currency,
        zone=_ZONE,
        usage=read.totals,
        transactions=read.transactions,
        rated=read.rated,
        coupon=coupon,
        rounding=rounding,
    )
    lines = _quote_lines(version, currency, coupon, drafted)
    return Quote(
        plan=plan.code,
        version=plan.number_of(version),
        effective_from=version.effective_from,
        currency=currency,
        period_start=period_start,
        period_end=billing.boundary(1),
        period_index=period_index,
        coupon=coupon.code if coupon else None,
        lines=lines,
        total=sum((line.rounded for line in lines), Decimal(0)),
        precise_total=sum((line.amount for line in lines), Decimal(0)),
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
    keys = {_key(c) for c in version.charges if c.kind is ChargeKind.USAGE}
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


def _key(charge: Charge) -> str:
    """The name a quote's usage goes by: the charge's metric, else its code."""
    return charge.metric or charge.code


def _read_usage(version: PlanVersion, currency: str, usage: Mapping[str, UsageValue]) -> _Usage:
    """The quote's usage as the generator takes it: a tariff-rated charge's value is its
    rated cost (by charge code), a percentage model's the transaction amounts (a single value
    is one transaction), any other a total. Not negative, never a float."""
    read = _Usage(totals={}, transactions={}, rated={})
    for charge in version.charges:
        key = _key(charge)
        if charge.kind is not ChargeKind.USAGE or key not in usage:
            continue
        field, value = f"usage.{key}", usage[key]
        if not charge.prices:
            read.rated[charge.code] = _number(value, field)
        elif charge.price_in(currency).model in TRANSACTION_MODELS:
            read.transactions[key] = tuple(_number(t, field) for t in _transactions(value))
        else:
            read.totals[key] = _number(value, field)
    return read


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


def _quote_lines(
    version: PlanVersion, currency: str, coupon: Coupon | None, drafted: Sequence[DraftLine]
) -> tuple[QuoteLine, ...]:
    """The draft lines as a quote shows them: fees and usage in the catalog's order of
    charges under the charge's name, then the true-up, then the discounts."""
    order = {charge.code: n for n, charge in enumerate(version.charges)}
    priced = sorted(
        (line for line in drafted if line.kind is not LineKind.DISCOUNT),
        key=lambda line: order.get(line.charge or "", len(order)),
    )
    shown = {
        line.key: _priced_line(version.charge(line.charge), currency, line)
        if line.charge
        else _true_up(line)
        for line in priced
    }
    code = coupon.code if coupon else ""
    discounts = [
        QuoteLine(
            kind=LineKind.DISCOUNT,
            charge=None,
            applies_to=shown[line.applies_to].charge or _MINIMUM,
            description=f"{code} on {shown[line.applies_to].description}",
            amount=line.amount.amount,
            rounded=line.rounded.amount,
        )
        for line in drafted
        if line.kind is LineKind.DISCOUNT and line.applies_to is not None
    ]
    return (*shown.values(), *discounts)


def _priced_line(charge: Charge, currency: str, line: DraftLine) -> QuoteLine:
    rated = charge.kind is ChargeKind.USAGE and not charge.prices
    return QuoteLine(
        kind=line.kind,
        charge=charge.code,
        description=charge.name,
        amount=line.amount.amount,
        rounded=line.rounded.amount,
        # A rated cost has no quantity of its own: it is an amount in the plan's currency.
        quantity=None if rated else line.quantity,
        allowance_used=line.allowance_used,
        charged_quantity=None if rated else line.charged_quantity,
        unit=currency if rated else (charge.unit.value if charge.unit else None),
        breakdown=line.breakdown,
        promotion=line.promotion,
    )


def _true_up(line: DraftLine) -> QuoteLine:
    return QuoteLine(
        kind=line.kind,
        charge=None,
        description=line.description,
        amount=line.amount.amount,
        rounded=line.rounded.amount,
    )


__all__ = ["LineKind", "Quote", "QuoteLine", "UsageValue", "period_end", "quote"]
