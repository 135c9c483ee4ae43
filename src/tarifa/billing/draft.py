"""The draft invoice lines of one subscription for one billing period (DOMAIN.md,
"Invoices"; issue 5, point 4): a pure function of the subscription's history, the catalog,
the period's usage and what was billed already.

In order: the recurring and one-time fees the period owes, or, when fees were billed for it
already (in advance), only the credits and charges that bring those to what it owes now
(:mod:`tarifa.billing.fees`); the usage lines after allowances, over the metrics' totals,
the percentage models' transaction lists and the rated costs
(:mod:`tarifa.billing.usage_lines`); the minimum-commitment true-up; then the coupon's
discount over the period's charges (not over credits), while the coupon still applies
(counted in periods from the one it was redeemed in). Each line keeps its precise amount and
its amount rounded to the currency's minor unit, the rounding an invoice line gets once,
and how it was priced (the breakdown, the allowance used, a promotion): the catalog's quote
(:mod:`tarifa.billing.quote`) is these lines for a subscription of one period.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from tarifa.billing.cycles import Cycle, Period
from tarifa.billing.fees import FeeLine, adjustments, fees_due
from tarifa.billing.usage_lines import minimum_true_up, usage_lines
from tarifa.catalog.model import Catalog, ChargeKind, Coupon
from tarifa.money import Money, RoundingPolicy
from tarifa.pricing import BreakdownItem
from tarifa.pricing.discounts import Discount, PricedLine, apply_discounts
from tarifa.pricing.discounts import Scope as DiscountScope
from tarifa.subscriptions.timeline import Timeline


class LineKind(StrEnum):
    RECURRING = "recurring"
    ONE_TIME = "one_time"
    CREDIT = "credit"
    USAGE = "usage"
    MINIMUM_COMMITMENT = "minimum_commitment"
    DISCOUNT = "discount"


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftLine:
    subscription_id: int
    kind: LineKind
    key: str
    description: str
    plan: str | None
    charge: str | None
    start: dt.date
    end: dt.date
    quantity: Decimal | None
    amount: Money
    rounded: Money
    applies_to: str | None = None
    #: For fee lines: the plan's price of the whole period (what a later credit of part of
    #: the line is priced from, :class:`tarifa.billing.fees.FeeLine`).
    full: Money | None = None
    #: For usage lines: the part of `quantity` the allowance covered (None: the charge has
    #: no allowance) and the rest, which was priced. For fee lines the quantity is priced.
    allowance_used: Decimal | None = None
    charged_quantity: Decimal | None = None
    #: How the pricing model priced the line (for a fee: its whole period, `full`), and
    #: whether a promotion's price replaced the charge's.
    breakdown: tuple[BreakdownItem, ...] = ()
    promotion: bool = False


def draft_lines(
    *,
    subscription_id: int,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    period: Period,
    period_index: int,
    currency: str,
    zone: ZoneInfo,
    usage: Mapping[str, Decimal] | None = None,
    transactions: Mapping[str, Sequence[Decimal]] | None = None,
    rated: Mapping[str, Decimal] | None = None,
    billed: Sequence[FeeLine] | None = None,
    coupon: Coupon | None = None,
    coupon_period: int = 0,
    rounding: RoundingPolicy | None = None,
) -> tuple[DraftLine, ...]:
    """The period's lines. `usage`, `transactions`, `rated`: the period's usage
    (:func:`tarifa.billing.usage_lines.usage_lines`); `billed`: fee lines invoiced already
    for this period (None when none were); `coupon_period`: the period index the coupon was
    redeemed in."""
    policy = rounding or RoundingPolicy()
    due = fees_due(
        subscription_id=subscription_id,
        history=history,
        catalog=catalog,
        cycle=cycle,
        period=period,
        currency=currency,
        period_index=period_index,
        zone=zone,
    )
    if billed is not None:
        conventions = {p.code: v.proration for p in catalog.plans for v in p.versions}
        due = adjustments(due, billed, cycle=cycle, conventions=conventions, zone=zone)
    lines = [_fee_line(f, policy) for f in due]
    for used in usage_lines(
        subscription_id=subscription_id,
        history=history,
        catalog=catalog,
        cycle=cycle,
        period=period,
        period_index=period_index,
        currency=currency,
        usage=usage or {},
        transactions=transactions,
        rated=rated,
        zone=zone,
    ):
        lines.append(
            DraftLine(
                subscription_id=subscription_id,
                kind=LineKind.USAGE,
                key=f"usage:{used.charge}",
                description=used.description,
                plan=used.plan,
                charge=used.charge,
                start=period.start,
                end=period.end,
                quantity=used.quantity,
                amount=used.amount,
                rounded=policy.round(used.amount),
                allowance_used=used.allowance_used if used.allowance else None,
                charged_quantity=used.charged_quantity,
                breakdown=used.breakdown,
                promotion=used.promotion,
            )
        )
    # What the period is charged: fees billed for it already (in advance), their credits and
    # charges, and its usage.
    charged = [fee.amount for fee in billed or ()] + [line.amount for line in lines]
    true_up = minimum_true_up(
        subscription_id=subscription_id,
        history=history,
        catalog=catalog,
        cycle=cycle,
        period=period,
        currency=currency,
        charged=charged,
        zone=zone,
    )
    if true_up is not None:
        lines.append(
            DraftLine(
                subscription_id=subscription_id,
                kind=LineKind.MINIMUM_COMMITMENT,
                key="minimum_commitment",
                description=f"minimum commitment of {true_up.minimum.rounded()}",
                plan=true_up.plan,
                charge=None,
                start=period.start,
                end=period.end,
                quantity=None,
                amount=true_up.amount,
                rounded=policy.round(true_up.amount),
            )
        )
    if coupon is not None and coupon.applies_in_period(period_index - coupon_period):
        lines.extend(_discounts(lines, coupon, currency, policy, subscription_id, period))
    return tuple(lines)


def advance_lines(
    *,
    subscription_id: int,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    period: Period,
    period_index: int,
    currency: str,
    zone: ZoneInfo,
    coupon: Coupon | None = None,
    coupon_period: int = 0,
    rounding: RoundingPolicy | None = None,
) -> tuple[DraftLine, ...]:
    """The fees `period` owes in advance (recurring fees billed at its start, one-time fees)
    as the history is known now, with the coupon's discount over them while it applies. What
    changes later is settled when the period ends (:func:`draft_lines` with `billed`)."""
    policy = rounding or RoundingPolicy()
    due = fees_due(
        subscription_id=subscription_id,
        history=history,
        catalog=catalog,
        cycle=cycle,
        period=period,
        currency=currency,
        period_index=period_index,
        zone=zone,
    )
    lines = [_fee_line(f, policy) for f in due if f.in_advance]
    if coupon is not None and coupon.applies_in_period(period_index - coupon_period):
        lines.extend(_discounts(lines, coupon, currency, policy, subscription_id, period))
    return tuple(lines)


def late_usage_lines(
    *,
    subscription_id: int,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    period: Period,
    period_index: int,
    currency: str,
    zone: ZoneInfo,
    usage: Mapping[str, Decimal] | None,
    rated: Mapping[str, Decimal] | None,
    billed: Mapping[str, tuple[Decimal, Decimal]],
    rounding: RoundingPolicy | None = None,
) -> tuple[DraftLine, ...]:
    """Usage of an invoiced `period` that arrived, or was rerated, after its invoice was
    final (DOMAIN.md, "Invoices"): the period's usage lines as the usage is now, less what was
    billed for them (`billed`: per charge, the quantity and the precise amount), as lines
    dated with the period and labelled. The finalized invoice is never touched."""
    policy = rounding or RoundingPolicy()
    lines = []
    for used in usage_lines(
        subscription_id=subscription_id,
        history=history,
        catalog=catalog,
        cycle=cycle,
        period=period,
        period_index=period_index,
        currency=currency,
        usage=usage or {},
        rated=rated,
        zone=zone,
    ):
        quantity, amount = billed.get(used.charge, (Decimal(0), Decimal(0)))
        difference = used.amount - Money.of(amount, currency)
        if difference.is_zero and used.quantity == quantity:
            continue
        lines.append(
            DraftLine(
                subscription_id=subscription_id,
                kind=LineKind.USAGE,
                key=f"usage:{used.charge}:late:{period.start}",
                description=f"{used.description}: late usage of {period.start} - {period.end}",
                plan=used.plan,
                charge=used.charge,
                start=period.start,
                end=period.end,
                quantity=used.quantity - quantity,
                amount=difference,
                rounded=policy.round(difference),
            )
        )
    return tuple(lines)


def _fee_line(fee: FeeLine, policy: RoundingPolicy) -> DraftLine:
    if fee.amount.amount < 0:
        kind = LineKind.CREDIT
        text = f"credit: {fee.description} ({fee.plan}), {fee.start} - {fee.end}"
    else:
        kind = LineKind.ONE_TIME if fee.kind is ChargeKind.ONE_TIME else LineKind.RECURRING
        text = f"{fee.description} ({fee.plan}), {fee.start} - {fee.end}"
    return DraftLine(
        subscription_id=fee.subscription_id,
        kind=kind,
        key=f"{kind.value}:{fee.charge}:{fee.plan}:{fee.quantity}:{fee.start}:{fee.end}",
        description=text,
        plan=fee.plan,
        charge=fee.charge,
        start=fee.start,
        end=fee.end,
        quantity=Decimal(fee.quantity),
        amount=fee.amount,
        rounded=policy.round(fee.amount),
        full=fee.full,
        charged_quantity=Decimal(fee.quantity),
        breakdown=fee.breakdown,
        promotion=fee.promotion,
    )


def _discounts(
    lines: list[DraftLine],
    coupon: Coupon,
    currency: str,
    policy: RoundingPolicy,
    subscription_id: int,
    period: Period,
) -> list[DraftLine]:
    priced = [
        PricedLine(key=line.key, plan=line.plan, charge=line.charge, amount=line.amount.amount)
        for line in lines
        if line.amount.amount > 0
    ]
    if not priced:
        return []
    discount = Discount(
        label=coupon.code,
        scope=DiscountScope(coupon.scope.value),
        target=coupon.target,
        percentage=coupon.percentage,
        amount=None if coupon.percentage is not None else coupon.amount_in(currency),
    )
    names = {line.key: line.description for line in lines}
    made = []
    for found in apply_discounts(priced, [discount]):
        amount = Money.of(found.amount, currency)
        made.append(
            DraftLine(
                subscription_id=subscription_id,
                kind=LineKind.DISCOUNT,
                key=f"discount:{coupon.code}:{found.applies_to}",
                description=f"{coupon.code} on {names[found.applies_to]}",
                plan=None,
                charge=None,
                start=period.start,
                end=period.end,
                quantity=None,
                amount=amount,
                rounded=policy.round(amount),
                applies_to=found.applies_to,
            )
        )
    return made


__all__ = ["DraftLine", "LineKind", "advance_lines", "draft_lines", "late_usage_lines"]
