"""Recurring and one-time fees of a billing period from a subscription's history, and the
credits and charges that bring what was billed in advance to what is due. Every expected
amount is worked out by hand in the test's docstring (prices chosen so that /31 is exact
where it helps)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from tarifa.billing import Period, cycle
from tarifa.billing.fees import FeeLine, adjustments, fees_due
from tarifa.catalog.model import ChargeKind, Proration
from tarifa.catalog.rules import read_catalog
from tarifa.subscriptions import Change, ChangeKind, Timeline, timeline

D = dt.date
K = ChangeKind
BERLIN = ZoneInfo("Europe/Berlin")
CATALOG = read_catalog("""
products:
  - {code: line, name: Line, service: recurring}
  - {code: setup, name: Setup, service: one_time}
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
          - {code: activation, name: Activation, kind: one_time, product: setup,
             pricing: {model: flat, amount: "5.00"}}
  - code: plus
    name: Plus
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, name: Plus fee, kind: recurring, product: line,
             pricing: {model: flat, amount: "62.00"}}
  - code: seats
    name: Seats
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: seat, name: Seat, kind: recurring, product: line,
             pricing: {model: per_unit, unit_price: "3.10"}}
""")
MONTHLY = cycle("monthly", start=D(2026, 1, 1), billing_cycle_day=1)
MARCH = Period(D(2026, 3, 1), D(2026, 4, 1))
CONVENTIONS = {
    "basic": Proration.ACTUAL_DAYS,
    "plus": Proration.ACTUAL_DAYS,
    "seats": Proration.ACTUAL_DAYS,
}


def due(history: Timeline, period: Period = MARCH, index: int = 1) -> tuple[FeeLine, ...]:
    return fees_due(
        subscription_id=7,
        history=history,
        catalog=CATALOG,
        cycle=MONTHLY,
        period=period,
        currency="EUR",
        period_index=index,
        zone=BERLIN,
    )


def amounts(lines: tuple[FeeLine, ...]) -> list[tuple[str, dt.date, dt.date, Decimal]]:
    return [(f.plan, f.start, f.end, f.amount.amount) for f in lines]


def created(day: dt.date, plan: str = "basic", quantity: int = 1) -> Change:
    return Change(kind=K.CREATED, effective=day, plan=plan, quantity=quantity)


def test_a_whole_month_owes_the_whole_fee() -> None:
    assert amounts(due(timeline([created(D(2026, 1, 1))]))) == [
        ("basic", D(2026, 3, 1), D(2026, 4, 1), Decimal("31.00"))
    ]


def test_a_start_mid_period_owes_its_share_and_the_one_time_fee_once() -> None:
    """From 15 March: 17 of March's 31 days of 31.00 = 17.00; activation 5.00 in the first
    period only."""
    history = timeline([created(D(2026, 3, 15))])
    lines = due(history, index=0)
    assert [(f.kind, f.amount.amount) for f in lines] == [
        (ChargeKind.RECURRING, Decimal("17.00")),
        (ChargeKind.ONE_TIME, Decimal("5.00")),
    ]
    april = due(history, Period(D(2026, 4, 1), D(2026, 5, 1)), index=1)
    assert [f.kind for f in april] == [ChargeKind.RECURRING]


def test_an_upgrade_billed_in_advance_is_credited_for_the_unused_part_and_charged_the_rest() -> (
    None
):
    """March was billed in advance on Basic (31.00). An upgrade to Plus (62.00) from 17
    March: credit Basic 17-31 March, 15/31 x 31.00 = -15.00; charge Plus for the same 15
    days, 15/31 x 62.00 = 30.00. Net +15.00."""
    before = due(timeline([created(D(2026, 1, 1))]))
    after = due(
        timeline(
            [
                created(D(2026, 1, 1)),
                Change(kind=K.PLAN_CHANGED, effective=D(2026, 3, 17), plan="plus"),
            ]
        )
    )
    found = adjustments(after, before, cycle=MONTHLY, conventions=CONVENTIONS, zone=BERLIN)
    assert amounts(found) == [
        ("basic", D(2026, 3, 17), D(2026, 4, 1), Decimal("-15.00")),
        ("plus", D(2026, 3, 17), D(2026, 4, 1), Decimal("30.00")),
    ]


def test_a_downgrade_in_arrears_bills_each_plan_for_its_days() -> None:
    """Plus until 11 March (10 days: 10/31 x 62.00 = 20.00), Basic from then (21 days:
    21/31 x 31.00 = 21.00)."""
    history = timeline(
        [
            created(D(2026, 1, 1), "plus"),
            Change(kind=K.PLAN_CHANGED, effective=D(2026, 3, 11), plan="basic"),
        ]
    )
    assert amounts(due(history)) == [
        ("plus", D(2026, 3, 1), D(2026, 3, 11), Decimal("20.00")),
        ("basic", D(2026, 3, 11), D(2026, 4, 1), Decimal("21.00")),
    ]


def test_an_immediate_cancellation_credits_the_days_paid_in_advance() -> None:
    """Billed 31.00 for March in advance; cancelled from 22 March: 10 unused days credited,
    10/31 x 31.00 = -10.00."""
    before = due(timeline([created(D(2026, 1, 1))]))
    history = timeline([created(D(2026, 1, 1)), Change(kind=K.CANCELLED, effective=D(2026, 3, 22))])
    found = adjustments(due(history), before, cycle=MONTHLY, conventions=CONVENTIONS, zone=BERLIN)
    assert amounts(found) == [("basic", D(2026, 3, 22), D(2026, 4, 1), Decimal("-10.00"))]


def test_suspended_days_owe_nothing_and_more_seats_owe_more() -> None:
    """Seats at 3.10: 2 seats 1-11 March (10 days: 10/31 x 6.20 = 2.00), suspended 11-21
    March, then 5 seats 21 March - 1 April (11 days: 11/31 x 15.50 = 5.50)."""
    history = timeline(
        [
            created(D(2026, 1, 1), "seats", 2),
            Change(kind=K.SUSPENDED, effective=D(2026, 3, 11)),
            Change(kind=K.RESUMED, effective=D(2026, 3, 21)),
            Change(kind=K.QUANTITY_CHANGED, effective=D(2026, 3, 21), quantity=5),
        ]
    )
    assert [(f.quantity, f.amount.amount) for f in due(history)] == [
        (2, Decimal("2.00")),
        (5, Decimal("5.50")),
    ]


def test_what_is_billed_already_adds_nothing_and_a_credit_is_priced_as_billed() -> None:
    """Billed lines that match the due ones give no adjustment. A credit uses the price it
    was billed at: billed 40.00 for Basic (an old price), cancelled from 22 March: 10/31 x
    40.00 = -12.903225806... (rounded on the invoice line, not here)."""
    lines = due(timeline([created(D(2026, 1, 1))]))
    assert adjustments(lines, lines, cycle=MONTHLY, conventions=CONVENTIONS, zone=BERLIN) == ()
    old = lines[0]
    billed_dearer = [
        FeeLine(
            subscription_id=7,
            kind=old.kind,
            charge=old.charge,
            description=old.description,
            plan="basic",
            quantity=1,
            start=old.start,
            end=old.end,
            share=old.share,
            full=old.full * 40 / 31,
            amount=old.full * 40 / 31,
        )
    ]
    cancelled = timeline(
        [created(D(2026, 1, 1)), Change(kind=K.CANCELLED, effective=D(2026, 3, 22))]
    )
    found = adjustments(
        due(cancelled), billed_dearer, cycle=MONTHLY, conventions=CONVENTIONS, zone=BERLIN
    )
    assert len(found) == 1
    assert found[0].amount.rounded().amount == Decimal("-12.90")


def test_a_trial_owes_no_fee_until_it_ends() -> None:
    """A 10-day trial from 1 March: fees from 11 March, 21/31 x 31.00 = 21.00."""
    trial = Change(kind=K.CREATED, effective=D(2026, 3, 1), plan="basic", quantity=1, trial_days=10)
    assert amounts(due(timeline([trial]), index=0))[0] == (
        "basic",
        D(2026, 3, 11),
        D(2026, 4, 1),
        Decimal("21.00"),
    )


def test_a_subscription_stays_on_the_catalog_version_it_took_until_it_is_moved() -> None:
    """mobile.yaml: Mobile S costs 9.99 in version 1 and 11.99 from 1 July 2026 (version 2).
    Subscribed in March, July still costs 9.99 (its promotion ran out after 3 periods);
    subscribed in July, 11.99."""
    mobile = read_catalog(
        Path(__file__).resolve().parents[3] / "examples" / "catalog" / "mobile.yaml"
    )
    july = Period(D(2026, 7, 1), D(2026, 8, 1))
    for start, index, fee in ((D(2026, 3, 1), 4, "9.99"), (D(2026, 7, 1), 0, "11.99")):
        history = timeline([Change(kind=K.CREATED, effective=start, plan="mobile-s", quantity=1)])
        lines = fees_due(
            subscription_id=1,
            history=history,
            catalog=mobile,
            cycle=MONTHLY,
            period=july,
            currency="EUR",
            period_index=index,
            zone=BERLIN,
        )
        assert lines[0].amount.amount == Decimal(fee)
