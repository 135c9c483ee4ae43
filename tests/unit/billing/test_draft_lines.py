"""A period's draft invoice lines from the history, the usage and what was billed: fees (or
only their adjustments), usage after allowances, the minimum true-up, the coupon while it
lasts; each rounded once. Amounts by hand in the docstrings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from tarifa.billing import Period, cycle
from tarifa.billing.draft import DraftLine, LineKind, draft_lines
from tarifa.billing.fees import FeeLine
from tarifa.catalog.model import ChargeKind
from tarifa.catalog.rules import read_catalog
from tarifa.money import Money
from tarifa.subscriptions import Change, ChangeKind, Timeline, timeline

D = dt.date
BERLIN = ZoneInfo("Europe/Berlin")
CATALOG = read_catalog("""
products:
  - {code: line, name: Line, service: recurring}
  - {code: data, name: Data, service: data}
plans:
  - code: basic
    name: Basic
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        minimum_commitment: {EUR: "20.00"}
        charges:
          - {code: fee, name: Basic fee, kind: recurring, product: line,
             pricing: {model: flat, amount: "9.99"}}
          - {code: gb, name: Data, kind: usage, product: data, metric: data_gb, unit: GB,
             allowance: {quantity: "5"}, pricing: {model: per_unit, unit_price: "2.50"}}
  - code: plus
    name: Plus
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, name: Plus fee, kind: recurring, product: line,
             pricing: {model: flat, amount: "31.00"}}
coupons:
  - {code: TENOFF, name: 10 % off for 2 months, percentage: "10", duration: repeating,
     periods: 2}
""")
MONTHLY = cycle("monthly", start=D(2026, 1, 1), billing_cycle_day=1)
MARCH = Period(D(2026, 3, 1), D(2026, 4, 1))


def basic_since_january(*changes: Change) -> Timeline:
    first = Change(kind=ChangeKind.CREATED, effective=D(2026, 1, 1), plan="basic", quantity=1)
    return timeline([first, *changes])


def draft(history: Timeline, **options: object) -> tuple[DraftLine, ...]:
    return draft_lines(
        subscription_id=1,
        history=history,
        catalog=CATALOG,
        cycle=MONTHLY,
        period=MARCH,
        period_index=2,
        currency="EUR",
        zone=BERLIN,
        **options,  # type: ignore[arg-type]
    )


def rows(lines: tuple[DraftLine, ...]) -> list[tuple[LineKind, Decimal]]:
    return [(line.kind, line.rounded.amount) for line in lines]


def test_a_month_with_usage_beyond_the_allowance_and_the_minimum_made_up() -> None:
    """Fee 9.99; 7.3 GB with 5 included: 2.3 x 2.50 = 5.75; together 15.74 < 20.00, so a
    true-up of 4.26. Total 20.00."""
    lines = draft(basic_since_january(), usage={"data_gb": Decimal("7.3")})
    assert rows(lines) == [
        (LineKind.RECURRING, Decimal("9.99")),
        (LineKind.USAGE, Decimal("5.75")),
        (LineKind.MINIMUM_COMMITMENT, Decimal("4.26")),
    ]
    assert sum(line.rounded.amount for line in lines) == Decimal("20.00")


def test_a_coupon_discounts_the_charges_while_it_lasts() -> None:
    """TENOFF redeemed in period 1 lasts 2 periods (1 and 2); March is period 2. 10 GB with
    5 included: 5 x 2.50 = 12.50. 10 % off each charge: -0.999 -> -1.00 on the fee, -1.25 on
    the data. 9.99 + 12.50 is above the minimum: no true-up. Redeemed in period 0, the coupon
    is over by period 2: no discount."""
    coupon = CATALOG.coupon("TENOFF")
    lines = draft(
        basic_since_january(), usage={"data_gb": Decimal(10)}, coupon=coupon, coupon_period=1
    )
    assert rows(lines) == [
        (LineKind.RECURRING, Decimal("9.99")),
        (LineKind.USAGE, Decimal("12.50")),
        (LineKind.DISCOUNT, Decimal("-1.00")),
        (LineKind.DISCOUNT, Decimal("-1.25")),
    ]
    later = draft(
        basic_since_january(), usage={"data_gb": Decimal(10)}, coupon=coupon, coupon_period=0
    )
    assert LineKind.DISCOUNT not in [line.kind for line in later]


def test_fees_billed_in_advance_leave_only_the_adjustments_of_an_upgrade() -> None:
    """March's Basic fee (9.99) was billed in advance. Upgraded to Plus from 17 March (15 of
    31 days): credit 15/31 x 9.99 = 4.8338... -> -4.83; charge 15/31 x 31.00 = 15.00. Plus
    has no minimum; the usage (none) goes on the plan of the last day."""
    fee = Money.of("9.99", "EUR")
    billed = [
        FeeLine(
            subscription_id=1,
            kind=ChargeKind.RECURRING,
            charge="fee",
            description="Basic fee",
            plan="basic",
            quantity=1,
            start=D(2026, 3, 1),
            end=D(2026, 4, 1),
            share=Fraction(1),
            full=fee,
            amount=fee,
        )
    ]
    upgraded = basic_since_january(
        Change(kind=ChangeKind.PLAN_CHANGED, effective=D(2026, 3, 17), plan="plus")
    )
    assert rows(draft(upgraded, billed=billed)) == [
        (LineKind.CREDIT, Decimal("-4.83")),
        (LineKind.RECURRING, Decimal("15.00")),
    ]
