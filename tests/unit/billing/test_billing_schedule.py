"""Billing dates and what each invoice of a subscription carries: fees in advance on the
period's first day, usage and fees in arrears (with the settlement of what was billed in
advance) on its last. Amounts by hand in the docstrings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from tarifa.billing import cycle
from tarifa.billing.draft import DraftLine, LineKind
from tarifa.billing.fees import FeeLine
from tarifa.billing.schedule import billing_dates, lines_at
from tarifa.catalog.model import ChargeKind
from tarifa.catalog.rules import read_catalog
from tarifa.subscriptions import Change, ChangeKind, Timeline, timeline

D = dt.date
BERLIN = ZoneInfo("Europe/Berlin")
CATALOG = read_catalog("""
products:
  - {code: line, name: Line, service: recurring}
  - {code: data, name: Data, service: data}
  - {code: support, name: Support, service: recurring}
plans:
  - code: basic
    name: Basic
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, name: Basic fee, kind: recurring, product: line,
             pricing: {model: flat, amount: "31.00"}}
          - {code: care, name: Support, kind: recurring, product: support, timing: in_arrears,
             pricing: {model: flat, amount: "3.10"}}
          - {code: setup, name: Activation, kind: one_time, product: line,
             pricing: {model: flat, amount: "5.00"}}
          - {code: gb, name: Data, kind: usage, product: data, metric: data_gb, unit: GB,
             pricing: {model: per_unit, unit_price: "2.00"}}
  - code: plus
    name: Plus
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, name: Plus fee, kind: recurring, product: line,
             pricing: {model: flat, amount: "62.00"}}
""")
MONTHLY = cycle("monthly", start=D(2026, 3, 17), billing_cycle_day=1)


def basic_from_march_17(*changes: Change) -> Timeline:
    first = Change(kind=ChangeKind.CREATED, effective=D(2026, 3, 17), plan="basic", quantity=1)
    return timeline([first, *changes])


def at(history: Timeline, day: dt.date, **options: object) -> tuple[DraftLine, ...]:
    return lines_at(
        subscription_id=1,
        history=history,
        catalog=CATALOG,
        cycle=MONTHLY,
        billing_date=day,
        currency="EUR",
        zone=BERLIN,
        **options,  # type: ignore[arg-type]
    )


def rows(lines: tuple[DraftLine, ...]) -> list[tuple[LineKind, str | None, Decimal]]:
    return [(line.kind, line.charge, line.rounded.amount) for line in lines]


def billed(lines: tuple[DraftLine, ...]) -> list[FeeLine]:
    """What an earlier invoice billed, as the bill run reads it back from the database."""
    return [
        FeeLine(
            subscription_id=line.subscription_id,
            kind=ChargeKind.ONE_TIME if line.kind is LineKind.ONE_TIME else ChargeKind.RECURRING,
            charge=str(line.charge),
            description=line.description,
            plan=str(line.plan),
            quantity=int(line.quantity or 0),
            start=line.start,
            end=line.end,
            share=line.amount.amount / line.full.amount if line.full else 0,  # type: ignore[arg-type]
            full=line.full,  # type: ignore[arg-type]
            amount=line.amount,
        )
        for line in lines
        if line.kind in (LineKind.RECURRING, LineKind.ONE_TIME)
    ]


def test_a_subscription_is_invoiced_on_its_start_and_at_the_end_of_each_period() -> None:
    assert billing_dates(MONTHLY, basic_from_march_17(), until=D(2026, 6, 1)) == [
        D(2026, 3, 17),
        D(2026, 4, 1),
        D(2026, 5, 1),
        D(2026, 6, 1),
    ]
    assert billing_dates(MONTHLY, basic_from_march_17(), until=D(2026, 3, 16)) == []


def test_billing_dates_end_with_the_period_the_cancellation_falls_in() -> None:
    cancelled = basic_from_march_17(Change(kind=ChangeKind.CANCELLED, effective=D(2026, 4, 10)))
    assert billing_dates(MONTHLY, cancelled, until=D(2026, 12, 1)) == [
        D(2026, 3, 17),
        D(2026, 4, 1),
        D(2026, 5, 1),
    ]


def test_the_start_invoice_carries_the_first_fees_in_advance_and_the_activation() -> None:
    """17 to 31 March is 15 of March's 31 days: 31.00 x 15/31 = 15.00; activation 5.00; the
    support fee is billed in arrears, so not yet."""
    assert rows(at(basic_from_march_17(), D(2026, 3, 17))) == [
        (LineKind.RECURRING, "fee", Decimal("15.00")),
        (LineKind.ONE_TIME, "setup", Decimal("5.00")),
    ]


def test_a_period_end_bills_its_usage_and_arrears_fees_and_the_next_fee_in_advance() -> None:
    """On 1 April: March's support in arrears 3.10 x 15/31 = 1.50, March's 2.5 GB x 2.00 =
    5.00, April's fee in advance 31.00; what March was billed in advance stands."""
    history = basic_from_march_17()
    first = at(history, D(2026, 3, 17))
    lines = at(history, D(2026, 4, 1), usage={"data_gb": Decimal("2.5")}, billed=billed(first))
    assert rows(lines) == [
        (LineKind.RECURRING, "care", Decimal("1.50")),
        (LineKind.USAGE, "gb", Decimal("5.00")),
        (LineKind.RECURRING, "fee", Decimal("31.00")),
    ]


def test_an_upgrade_mid_period_is_settled_at_the_period_end() -> None:
    """Basic billed for April in advance (31.00) on 1 April; the upgrade to Plus from 16 April
    is asked for later. On 1 May: credit for 16-30 April of Basic, 15 of 30 days: 15.50;
    charge Plus 62.00 x 15/30 = 31.00; support in arrears for 1-15 April only (Plus has none):
    3.10 x 15/30 = 1.55; May in advance on Plus 62.00."""
    before = basic_from_march_17()
    april = at(before, D(2026, 4, 1), billed=billed(at(before, D(2026, 3, 17))))
    history = basic_from_march_17(
        Change(kind=ChangeKind.PLAN_CHANGED, effective=D(2026, 4, 16), plan="plus", quantity=1)
    )
    may = at(history, D(2026, 5, 1), billed=billed(april))
    assert sorted(rows(may), key=str) == sorted(
        [
            (LineKind.RECURRING, "care", Decimal("1.55")),
            (LineKind.CREDIT, "fee", Decimal("-15.50")),
            (LineKind.RECURRING, "fee", Decimal("31.00")),
            (LineKind.RECURRING, "fee", Decimal("62.00")),
        ],
        key=str,
    )


def test_a_cancellation_with_credit_gives_back_the_unused_days_on_the_last_invoice() -> None:
    """Cancelled from 11 April, asked after 1 April: April was billed 31.00 in advance;
    11-30 April unused, 20 of 30 days: credit 31.00 x 20/30 = 20.67; support 1-10 April in
    arrears 3.10 x 10/30 = 1.03; no data used (a usage line of 0.00); nothing in advance for May."""
    before = basic_from_march_17()
    april = at(before, D(2026, 4, 1), billed=billed(at(before, D(2026, 3, 17))))
    history = basic_from_march_17(Change(kind=ChangeKind.CANCELLED, effective=D(2026, 4, 11)))
    assert rows(at(history, D(2026, 5, 1), billed=billed(april))) == [
        (LineKind.RECURRING, "care", Decimal("1.03")),
        (LineKind.CREDIT, "fee", Decimal("-20.67")),
        (LineKind.USAGE, "gb", Decimal("0.00")),
    ]


def test_a_percentage_coupon_discounts_a_prorated_first_fee_exactly() -> None:
    """A 10.00 monthly fee from 2 March with billing day 1 and 10 % off: 2 - 31 March is 30
    of 31 days, 10.00 x 30/31 = 9.6774193548387096774193548387096774194 (38 significant
    digits, the arithmetic's precision); its discount is exactly a tenth of that (39 digits:
    nothing is lost to a 28-digit default context), rounded 9.68 and -0.97."""
    coupon_catalog = read_catalog(
        """
products: [{code: line, name: Line, service: recurring}]
plans:
  - code: third
    name: Third
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, name: Fee, kind: recurring, product: line,
             pricing: {model: flat, amount: "10.00"}}
coupons:
  - {code: TEN, name: 10 % off, percentage: "10", duration: forever,
     valid_from: 2026-01-01}
"""
    )
    history = timeline(
        [Change(kind=ChangeKind.CREATED, effective=D(2026, 3, 2), plan="third", quantity=1)]
    )
    lines = lines_at(
        subscription_id=1,
        history=history,
        catalog=coupon_catalog,
        cycle=cycle("monthly", start=D(2026, 3, 2), billing_cycle_day=1),
        billing_date=D(2026, 3, 2),
        currency="EUR",
        zone=BERLIN,
        coupon=coupon_catalog.coupon("TEN"),
    )
    fee, discount = lines
    assert fee.amount.amount == Decimal("9.6774193548387096774193548387096774194")
    assert discount.amount.amount == Decimal("-0.96774193548387096774193548387096774194")
    assert (fee.rounded.amount, discount.rounded.amount) == (Decimal("9.68"), Decimal("-0.97"))
