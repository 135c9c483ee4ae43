"""Recurring and one-time fees: what a subscription's history makes due for a billing period,
and what to add to what was billed already (DOMAIN.md, "Subscriptions and billing cycles").

:func:`fees_due` prices the fees of one billing period *as the history is now*: one line per
charge and per stretch of the period with one plan and one quantity, in an active state
(not in trial, not suspended), each the plan's price for the quantity times the stretch's
share of the period (:func:`tarifa.billing.proration.share`, by the plan version's
convention). One-time fees come once, in the period the subscription starts.

:func:`adjustments` compares those lines with the lines already invoiced for the same
period (fees billed in advance, before a change) and returns what makes the two agree, as
DOMAIN.md words it: a **credit for the unused part** of what was billed (priced as it was
billed, whatever the catalog says now) and a **charge for the rest of the period** on what
replaced it. A history that did not change gives nothing; running it twice gives nothing the
second time once its lines are billed.

Whether a period's recurring fees go on the invoice at its start (in advance) or at its end
(in arrears) is the bill run's choice; these functions only say what each period owes.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from zoneinfo import ZoneInfo

from tarifa.billing.cycles import Cycle, Period
from tarifa.billing.proration import prorate, share
from tarifa.catalog.model import Catalog, Charge, ChargeKind, PlanVersion, Proration, Timing
from tarifa.money import Money
from tarifa.pricing import BreakdownItem, price
from tarifa.subscriptions.timeline import State, Timeline


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeLine:
    """A fee for one stretch ``[start, end)`` of a billing period. `amount` is precise (a
    credit is negative); `full` is the plan's price of the whole period for `quantity`, which
    a later credit of part of the stretch is priced from."""

    subscription_id: int
    kind: ChargeKind
    charge: str
    description: str
    plan: str
    quantity: int
    start: dt.date
    end: dt.date
    share: Fraction
    full: Money
    amount: Money
    #: Billed at the start of its period (in advance: recurring fees by default, one-time
    #: fees) rather than at its end (in arrears).
    in_advance: bool = True
    #: How `full` was priced (the pricing model's breakdown, for the whole period), and
    #: whether a promotion priced it: what a quote shows. Lines read back from stored
    #: invoices carry neither.
    breakdown: tuple[BreakdownItem, ...] = ()
    promotion: bool = False

    @property
    def key(self) -> tuple[int, str, str, int]:
        """What must match for a billed line to stand for a due one: subscription, charge,
        plan and quantity (its dates are compared as ranges)."""
        return (self.subscription_id, self.charge, self.plan, self.quantity)


def fees_due(
    *,
    subscription_id: int,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    period: Period,
    currency: str,
    period_index: int,
    zone: ZoneInfo,
) -> tuple[FeeLine, ...]:
    """The fees `period` owes (a billing period of `cycle`, the first one possibly partial;
    `period_index` counts the subscription's periods from 0 for instalments and promotions)."""
    lines: list[FeeLine] = []
    for segment in history.within(period):
        if segment.state is not State.ACTIVE:
            continue
        assert segment.end is not None  # clipped to the period
        version = catalog.plan(segment.plan).version_on(history.plan_since(segment.start))
        stretch = Period(segment.start, segment.end)
        part = share(stretch, cycle, version.proration, zone=zone)
        for charge in version.charges:
            if charge.kind is not ChargeKind.RECURRING:
                continue
            if charge.periods is not None and period_index >= charge.periods:
                continue  # instalments paid off
            full, breakdown, promoted = _price(
                version, charge, segment.quantity, period_index, currency
            )
            lines.append(
                FeeLine(
                    subscription_id=subscription_id,
                    kind=charge.kind,
                    charge=charge.code,
                    description=charge.name,
                    plan=segment.plan,
                    quantity=segment.quantity,
                    start=segment.start,
                    end=segment.end,
                    share=part,
                    full=full,
                    amount=prorate(full, part),
                    in_advance=charge.timing is not Timing.IN_ARREARS,
                    breakdown=breakdown,
                    promotion=promoted,
                )
            )
    if history.start in period and period_index == 0:
        first = next(iter(history.segments), None)
        if first is not None:
            version = catalog.plan(first.plan).version_on(first.start)
            for charge in version.charges:
                if charge.kind is ChargeKind.ONE_TIME:
                    full, breakdown, promoted = _price(version, charge, first.quantity, 0, currency)
                    lines.append(
                        FeeLine(
                            subscription_id=subscription_id,
                            kind=charge.kind,
                            charge=charge.code,
                            description=charge.name,
                            plan=first.plan,
                            quantity=first.quantity,
                            start=history.start,
                            end=history.start + dt.timedelta(days=1),
                            share=Fraction(1),
                            full=full,
                            amount=full,
                            breakdown=breakdown,
                            promotion=promoted,
                        )
                    )
    return tuple(lines)


def adjustments(
    due: Sequence[FeeLine],
    billed: Sequence[FeeLine],
    *,
    cycle: Cycle,
    conventions: dict[str, Proration],
    zone: ZoneInfo,
) -> tuple[FeeLine, ...]:
    """Lines that bring `billed` (invoiced already for one billing period) to `due` (what
    the period owes now): credits, priced as billed, for the parts of billed lines nothing
    due covers any more; charges for the parts of due lines nothing billed covers.
    `conventions` gives each plan's proration convention (plan code -> convention)."""
    added: list[FeeLine] = []
    for line in billed:
        if line.kind is ChargeKind.ONE_TIME:
            if not any(d.key == line.key and d.kind is line.kind for d in due):
                added.append(_negated(line))
            continue
        covers = [(d.start, d.end) for d in due if d.key == line.key and d.kind is line.kind]
        for start, end in _uncovered((line.start, line.end), covers):
            part = share(Period(start, end), cycle, conventions[line.plan], zone=zone)
            amount = prorate(line.full, part)
            added.append(replace(line, start=start, end=end, share=-part, amount=-amount))
    for line in due:
        if line.kind is ChargeKind.ONE_TIME:
            if not any(b.key == line.key and b.kind is line.kind for b in billed):
                added.append(line)
            continue
        covers = [(b.start, b.end) for b in billed if b.key == line.key and b.kind is line.kind]
        for start, end in _uncovered((line.start, line.end), covers):
            part = share(Period(start, end), cycle, conventions[line.plan], zone=zone)
            added.append(
                replace(line, start=start, end=end, share=part, amount=prorate(line.full, part))
            )
    return tuple(sorted(added, key=lambda f: (f.start, f.charge, f.amount.amount)))


def _price(
    version: PlanVersion, charge: Charge, quantity: int, period_index: int, currency: str
) -> tuple[Money, tuple[BreakdownItem, ...], bool]:
    """The whole period's price of `charge` for `quantity`, its breakdown, and whether a
    promotion priced it."""
    promotion = version.promotion_for(charge.code, period_index)
    promoted = promotion.price_in(currency) if promotion else None
    result = price(promoted or charge.price_in(currency), quantity)
    return Money.of(result.amount, currency), result.breakdown, promoted is not None


def _negated(line: FeeLine) -> FeeLine:
    return replace(line, share=-line.share, amount=-line.amount)


def _uncovered(
    span: tuple[dt.date, dt.date], covers: Sequence[tuple[dt.date, dt.date]]
) -> list[tuple[dt.date, dt.date]]:
    """The parts of `span` that no range of `covers` holds, in order."""
    parts = []
    at, end = span
    for start, stop in sorted(covers):
        if stop <= at or start >= end:
            continue
        if start > at:
            parts.append((at, start))
        at = max(at, stop)
    if at < end:
        parts.append((at, end))
    return parts


__all__ = ["FeeLine", "adjustments", "fees_due"]
