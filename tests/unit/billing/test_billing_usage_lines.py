"""Usage lines after allowances (prorated for partial periods), tariff-rated costs, and the
minimum-commitment true-up. Amounts by hand in each docstring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from tarifa.billing import Period, cycle
from tarifa.billing.usage_lines import UsageLine, minimum_true_up, usage_lines
from tarifa.catalog.rules import read_catalog
from tarifa.money import Money
from tarifa.subscriptions import Change, ChangeKind, Timeline, timeline

D = dt.date
BERLIN = ZoneInfo("Europe/Berlin")
CATALOG = read_catalog("""
products:
  - {code: voice, name: Voice, service: voice}
  - {code: line, name: Line, service: recurring}
plans:
  - code: mobile
    name: Mobile
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        minimum_commitment: {EUR: "31.00"}
        charges:
          - {code: fee, name: Fee, kind: recurring, product: line,
             pricing: {model: flat, amount: "5.00"}}
          - {code: minutes, name: Minutes, kind: usage, product: voice, metric: minutes,
             unit: minutes, allowance: {quantity: "310"},
             pricing: {model: per_unit, unit_price: "0.10"}}
          - {code: calls, name: Rated calls, kind: usage, product: voice, tariff: mobila-2026}
""")
MONTHLY = cycle("monthly", start=D(2026, 1, 1), billing_cycle_day=1)
MARCH = Period(D(2026, 3, 1), D(2026, 4, 1))


def history(*changes: Change) -> Timeline:
    first = Change(kind=ChangeKind.CREATED, effective=D(2026, 1, 1), plan="mobile", quantity=1)
    return timeline([first, *changes])


def lines(found: Timeline, minutes: str, rated: str = "0") -> dict[str, tuple[Decimal, ...]]:
    result = usage_lines(
        subscription_id=1,
        history=found,
        catalog=CATALOG,
        cycle=MONTHLY,
        period=MARCH,
        period_index=2,
        currency="EUR",
        usage={"minutes": Decimal(minutes)},
        rated={"calls": Decimal(rated)},
        zone=BERLIN,
    )
    return {
        line.charge: (
            line.allowance,
            line.allowance_used,
            line.charged_quantity,
            line.amount.amount,
        )
        for line in result
    }


def test_usage_beyond_the_allowance_is_priced_and_rated_costs_pass_through() -> None:
    """400 minutes, 310 included: 90 x 0.10 = 9.00. Rated calls cost 12.3456 as rated."""
    found = lines(history(), "400", rated="12.3456")
    assert found["minutes"] == (Decimal(310), Decimal(310), Decimal(90), Decimal("9.00"))
    assert found["calls"][3] == Decimal("12.3456")


def test_a_partial_period_gets_the_share_of_the_allowance_its_days_are() -> None:
    """Cancelled from 11 March: 10 of 31 days, so 310 x 10/31 = 100 minutes included; 150
    used: 50 x 0.10 = 5.00."""
    cancelled = history(Change(kind=ChangeKind.CANCELLED, effective=D(2026, 3, 11)))
    assert lines(cancelled, "150")["minutes"] == (
        Decimal(100),
        Decimal(100),
        Decimal(50),
        Decimal("5.00"),
    )


def test_suspended_days_do_not_earn_allowance() -> None:
    """Suspended 11-21 March: 21 of 31 days active, 310 x 21/31 = 210 included."""
    suspended = history(
        Change(kind=ChangeKind.SUSPENDED, effective=D(2026, 3, 11)),
        Change(kind=ChangeKind.RESUMED, effective=D(2026, 3, 21)),
    )
    assert lines(suspended, "200")["minutes"][:3] == (Decimal(210), Decimal(200), Decimal(0))


def test_a_period_below_the_minimum_commitment_is_trued_up() -> None:
    """Minimum 31.00; charged 5.00 + 9.00 = 14.00: a true-up of 17.00. Cancelled from 11
    March (10/31 of the minimum, 10.00) with 12.00 charged: nothing to make up."""
    euros = [Money.of("5.00", "EUR"), Money.of("9.00", "EUR")]
    true_up = minimum_true_up(
        subscription_id=1,
        history=history(),
        catalog=CATALOG,
        cycle=MONTHLY,
        period=MARCH,
        currency="EUR",
        charged=euros,
        zone=BERLIN,
    )
    assert true_up is not None
    assert (true_up.minimum.amount, true_up.amount.amount) == (Decimal("31.00"), Decimal("17.00"))
    cancelled = history(Change(kind=ChangeKind.CANCELLED, effective=D(2026, 3, 11)))
    none = minimum_true_up(
        subscription_id=1,
        history=cancelled,
        catalog=CATALOG,
        cycle=MONTHLY,
        period=MARCH,
        currency="EUR",
        charged=[Money.of("12.00", "EUR")],
        zone=BERLIN,
    )
    assert none is None


SALES = read_catalog("""
products:
  - {code: market, name: Marketplace, service: other}
  - {code: voice, name: Voice, service: voice}
plans:
  - code: creator
    name: Creator
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, name: Sales fee, kind: usage, product: market, metric: sales,
             unit: amount, pricing: {model: percentage, rate: "5", fixed_fee: "0.30",
             free_transactions: "10", free_amount: "100", min_per_transaction: "0.50",
             max_per_transaction: "25"}}
          - {code: minutes, name: Minutes, kind: usage, product: voice, metric: minutes,
             unit: minutes, pricing: {model: per_unit, unit_price: "0.10"}}
        promotions:
          - {charge: minutes, periods: 2, pricing: {model: per_unit, unit_price: "0.05"}}
""")


def sales_lines(
    period_index: int,
    usage: dict[str, Decimal],
    transactions: dict[str, Sequence[Decimal]] | None = None,
) -> dict[str, UsageLine]:
    found = timeline(
        [Change(kind=ChangeKind.CREATED, effective=D(2026, 1, 1), plan="creator", quantity=1)]
    )
    result = usage_lines(
        subscription_id=1,
        history=found,
        catalog=SALES,
        cycle=MONTHLY,
        period=MARCH,
        period_index=period_index,
        currency="EUR",
        zone=BERLIN,
        usage=usage,
        transactions=transactions,
    )
    return {line.charge: line for line in result}


def test_a_percentage_fee_is_priced_over_the_transactions_each_on_its_own() -> None:
    """Sales 5, 20, 30 are free (running total 55); 50 takes it to 105 > 100, so it and the
    later sale pay: 50 x 5 % + 0.30 = 2.80, 10 x 5 % + 0.30 = 0.80. Fee 3.60 over 115.00."""
    sales = [Decimal(s) for s in ("5", "20", "30", "50", "10")]
    fee = sales_lines(2, {}, {"sales": sales})["fee"]
    assert (fee.quantity, fee.charged_quantity, fee.amount.amount) == (
        Decimal(115),
        Decimal(115),
        Decimal("3.60"),
    )
    assert [item.kind.value for item in fee.breakdown] == [
        "free_transactions",
        "charged_transactions",
    ]


def test_a_period_without_transactions_owes_no_percentage_fee() -> None:
    fee = sales_lines(2, {})["fee"]
    assert fee.amount.amount == 0


def test_a_promotion_prices_a_usage_charge_during_its_periods_only() -> None:
    """100 minutes: 100 x 0.05 = 5.00 in the second period (index 1), 100 x 0.10 = 10.00 in
    the third, when the 2-period promotion is over."""
    minutes = {"minutes": Decimal(100)}
    promoted = sales_lines(1, minutes)["minutes"]
    after = sales_lines(2, minutes)["minutes"]
    assert (promoted.amount.amount, promoted.promotion) == (Decimal("5.00"), True)
    assert (after.amount.amount, after.promotion) == (Decimal("10.00"), False)
