"""Scenarios of issue 5 through the bill run's code for one account (`invoices.bill`), on the
database: a start mid-period in each proration convention, upgrades and a downgrade mid-period
in advance and in arrears, a cancellation with credit, a trial then paid, a suspension, a
customer in New York across the end of daylight saving time, a coupon for three periods and
reverse charge. Every amount is computed by hand in the test's docstring; all fees are for
a German consumer billed by a German seller (VAT 19 %) unless the test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tarifa.facade import Billing
from tarifa.invoices.service import Invoice

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


def _version(fee: str, *, currency: str = "EUR", **options: Any) -> dict[str, Any]:
    charge: dict[str, Any] = {
        "code": "fee",
        "name": "Fee",
        "kind": "recurring",
        "product": "line",
        "pricing": {"model": "flat", "amount": fee},
    }
    if "timing" in options:
        charge["timing"] = options.pop("timing")
    charges = [charge]
    if options.pop("minutes", None):
        charges.append(
            {
                "code": "minutes",
                "name": "Calls",
                "kind": "usage",
                "product": "calls",
                "metric": "minutes",
                "unit": "minutes",
                "pricing": {"model": "per_unit", "unit_price": "0.10"},
            }
        )
    return {
        "effective_from": "2026-01-01",
        "currencies": [currency],
        "billing_period": "monthly",
        "charges": charges,
        **options,
    }


PLANS = {
    "basic": _version("31.00"),
    "plus": _version("62.00"),
    "basic-arrears": _version("31.00", timing="in_arrears"),
    "plus-arrears": _version("62.00", timing="in_arrears"),
    "actual": _version("31.00", proration="actual_days"),
    "thirty": _version("31.00", proration="thirty_360"),
    "inclusive": _version("31.00", proration="inclusive_days"),
    "seconds": _version("31.00", proration="seconds"),
    "trial": _version("30.00", trial_days=14),
    "thirty-eur": _version("30.00"),
    "ten": _version("10.00"),
    "us-voice": _version("10.00", currency="USD", minutes=True),
}
CATALOG = yaml.safe_dump(
    {
        "products": [
            {"code": "line", "name": "Line", "service": "recurring"},
            {"code": "calls", "name": "Calls", "service": "voice"},
        ],
        "plans": [
            {"code": code, "name": code.title(), "versions": [version]}
            for code, version in PLANS.items()
        ],
        "coupons": [
            {
                "code": "THREE",
                "name": "10 % off three months",
                "percentage": "10",
                "duration": "repeating",
                "periods": 3,
                "valid_from": "2026-01-01",
            }
        ],
    }
)


@pytest.fixture
def shop(billing: Billing) -> Iterator[Billing]:
    """The scenarios' shop; after each scenario, the ledger's trial balance is zero."""
    billing.catalog.load_text(CATALOG, name="scenarios.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    yield billing
    rows = billing.ledger.trial_balance()
    assert sum(r.debit for r in rows) == sum(r.credit for r in rows)


def _customer(billing: Billing, external_id: str, **fields: Any) -> str:
    record = {
        "external_id": external_id,
        "kind": "person",
        "legal_name": f"Customer {external_id}",
        "country": "DE",
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "billing_cycle_day": 1,
        "locale": "de-DE",
    } | fields
    billing.customers.create(record)
    return external_id


def _lines(invoice: Invoice) -> list[tuple[str, Decimal]]:
    return [(line.kind, line.net) for line in invoice.lines]


def _on(invoices: list[Invoice], day: dt.date) -> Invoice:
    (found,) = [i for i in invoices if i.billing_date == day]
    return found


@pytest.mark.parametrize(
    ("plan", "first_fee"),
    [
        # 11 - 31 March of March: 21 of 31 days; 31.00 x 21/31 = 21.00.
        ("actual", Decimal("21.00")),
        # 30E/360: 11 March to 1 April is 30 x 1 + 1 - 11 = 20 days of 30; 31.00 x 20/30 =
        # 20.666... -> 20.67.
        ("thirty", Decimal("20.67")),
        # Both end days counted: 22 of 32; 31.00 x 22/32 = 21.3125 -> 21.31.
        ("inclusive", Decimal("21.31")),
        # Seconds in Berlin, where 29 March has 23 hours: 21 days - 1 h = 503 h of 31 days -
        # 1 h = 743 h; 31.00 x 503/743 = 20.98654... -> 20.99.
        ("seconds", Decimal("20.99")),
    ],
)
def test_a_start_mid_period_is_prorated_in_each_convention(
    shop: Billing, plan: str, first_fee: Decimal
) -> None:
    _customer(shop, "MID")
    shop.subscriptions.create("MID", plan, D(2026, 3, 11))
    start, april = shop.invoices.bill("MID", on=D(2026, 4, 1))
    assert (start.billing_date, _lines(start)) == (D(2026, 3, 11), [("recurring", first_fee)])
    assert _lines(april) == [("recurring", Decimal("31.00"))]


def test_an_upgrade_mid_period_in_advance_credits_the_old_plan_and_charges_the_new(
    shop: Billing,
) -> None:
    # (Finalized first: a change to a period whose invoice is still a draft just recomputes
    # that draft, as the next test of drafts shows.)
    """Basic (31.00) from 1 March, Plus (62.00) from 17 March, changed after March was
    billed: on 1 April a credit of Basic's 15 unused days of 31, -15.00, Plus for them,
    62.00 x 15/31 = 30.00, and April's Plus 62.00: net 77.00, VAT 14.63, total 91.63."""
    _customer(shop, "UP")
    sub = shop.subscriptions.create("UP", "basic", D(2026, 3, 1))
    (march,) = shop.invoices.bill("UP", on=D(2026, 3, 1))
    assert march.net == Decimal("31.00")
    shop.invoices.finalize(march.id)  # a draft would be recomputed instead
    shop.subscriptions.change_plan(sub.id, "plus", on=D(2026, 3, 17))
    april = _on(shop.invoices.bill("UP", on=D(2026, 4, 1)), D(2026, 4, 1))
    assert sorted(line.net for line in april.lines) == [
        Decimal("-15.00"),
        Decimal("30.00"),
        Decimal("62.00"),
    ]
    assert (april.net, april.tax, april.total) == (
        Decimal("77.00"),
        Decimal("14.63"),
        Decimal("91.63"),
    )


def test_a_downgrade_mid_period_in_advance_credits_the_difference(shop: Billing) -> None:
    """Plus (62.00) from 1 March, Basic from 17 March: on 1 April Plus's 15 days back,
    -30.00, Basic for them 15.00, April's Basic 31.00: net 16.00."""
    _customer(shop, "DOWN")
    sub = shop.subscriptions.create("DOWN", "plus", D(2026, 3, 1))
    (march,) = shop.invoices.bill("DOWN", on=D(2026, 3, 1))
    shop.invoices.finalize(march.id)
    shop.subscriptions.change_plan(sub.id, "basic", on=D(2026, 3, 17))
    april = _on(shop.invoices.bill("DOWN", on=D(2026, 4, 1)), D(2026, 4, 1))
    assert sorted(line.net for line in april.lines) == [
        Decimal("-30.00"),
        Decimal("15.00"),
        Decimal("31.00"),
    ]
    assert april.net == Decimal("16.00")


def test_a_change_before_the_invoice_is_final_recomputes_the_draft(shop: Billing) -> None:
    """Basic from 1 March drafted on 1 March (31.00), Plus from 17 March while that draft is
    still open: the draft becomes Basic 1 - 17 March, 16.00, and Plus 17 March - 1 April,
    30.00; the 1 April invoice then carries April's Plus only, 62.00."""
    _customer(shop, "REDO")
    sub = shop.subscriptions.create("REDO", "basic", D(2026, 3, 1))
    (draft,) = shop.invoices.bill("REDO", on=D(2026, 3, 1))
    shop.subscriptions.change_plan(sub.id, "plus", on=D(2026, 3, 17))
    march, april = shop.invoices.bill("REDO", on=D(2026, 4, 1))
    assert march.id == draft.id
    assert sorted(line.net for line in march.lines) == [Decimal("16.00"), Decimal("30.00")]
    assert _lines(april) == [("recurring", Decimal("62.00"))]


def test_an_upgrade_mid_period_in_arrears_bills_each_plan_for_its_days(shop: Billing) -> None:
    """Fees in arrears: nothing on 1 March; on 1 April Basic for 1 - 17 March, 31.00 x
    16/31 = 16.00, and Plus for 17 March - 1 April, 62.00 x 15/31 = 30.00: net 46.00."""
    _customer(shop, "ARR")
    sub = shop.subscriptions.create("ARR", "basic-arrears", D(2026, 3, 1))
    assert shop.invoices.bill("ARR", on=D(2026, 3, 1)) == []
    shop.subscriptions.change_plan(sub.id, "plus-arrears", on=D(2026, 3, 17))
    (april,) = shop.invoices.bill("ARR", on=D(2026, 4, 1))
    assert sorted(line.net for line in april.lines) == [Decimal("16.00"), Decimal("30.00")]
    assert april.net == Decimal("46.00")


def test_a_downgrade_mid_period_in_arrears_bills_each_plan_for_its_days(shop: Billing) -> None:
    """Fees in arrears, Plus (62.00) from 1 March, Basic from 17 March: on 1 April Plus for
    1 - 17 March, 62.00 x 16/31 = 32.00, and Basic for the rest, 31.00 x 15/31 = 15.00: net
    47.00."""
    _customer(shop, "ARR2")
    sub = shop.subscriptions.create("ARR2", "plus-arrears", D(2026, 3, 1))
    shop.subscriptions.change_plan(sub.id, "basic-arrears", on=D(2026, 3, 17))
    (april,) = shop.invoices.bill("ARR2", on=D(2026, 4, 1))
    assert sorted(line.net for line in april.lines) == [Decimal("15.00"), Decimal("32.00")]
    assert april.net == Decimal("47.00")


def test_a_cancellation_with_credit_gives_back_the_unused_days(shop: Billing) -> None:
    """Basic from 1 March, March billed 31.00 in advance, cancelled from 17 March: on 1 April
    15 of 31 days back, -15.00 (VAT -2.85, total -17.85), and nothing for April; no billing
    date after that."""
    _customer(shop, "BYE")
    sub = shop.subscriptions.create("BYE", "basic", D(2026, 3, 1))
    (march,) = shop.invoices.bill("BYE", on=D(2026, 3, 1))
    shop.invoices.finalize(march.id)
    shop.subscriptions.cancel(sub.id, on=D(2026, 3, 17))
    april = _on(shop.invoices.bill("BYE", on=D(2026, 6, 1)), D(2026, 4, 1))
    assert _lines(april) == [("credit", Decimal("-15.00"))]
    assert (april.tax, april.total) == (Decimal("-2.85"), Decimal("-17.85"))
    assert [i.billing_date for i in shop.invoices.of_account("BYE")] == [
        D(2026, 3, 1),
        D(2026, 4, 1),
    ]


def test_a_trial_is_free_and_the_paid_part_of_its_period_is_billed_in_advance(
    shop: Billing,
) -> None:
    """30.00 a month with 14 days of trial from 1 April (30 days): 1 - 15 April free, 15 April
    - 1 May paid, 30.00 x 16/30 = 16.00 on 1 April; May 30.00 on 1 May."""
    _customer(shop, "TRY")
    shop.subscriptions.create("TRY", "trial", D(2026, 4, 1))
    april, may = shop.invoices.bill("TRY", on=D(2026, 5, 1))
    assert [line.net for line in april.lines if line.net] == [Decimal("16.00")]
    assert _lines(may) == [("recurring", Decimal("30.00"))]


def test_a_suspension_stops_the_fee_for_the_suspended_days(shop: Billing) -> None:
    """30.00 a month from 1 April, billed in advance; suspended 11 - 21 April: on 1 May 10 of
    30 days back, -10.00, and May's 30.00: net 20.00."""
    _customer(shop, "PAUSE")
    sub = shop.subscriptions.create("PAUSE", "thirty-eur", D(2026, 4, 1))
    (april,) = shop.invoices.bill("PAUSE", on=D(2026, 4, 1))
    shop.invoices.finalize(april.id)
    shop.subscriptions.suspend(sub.id, on=D(2026, 4, 11))
    shop.subscriptions.resume(sub.id, on=D(2026, 4, 21))
    may = _on(shop.invoices.bill("PAUSE", on=D(2026, 5, 1)), D(2026, 5, 1))
    assert sorted(line.net for line in may.lines) == [Decimal("-10.00"), Decimal("30.00")]
    assert may.net == Decimal("20.00")


def test_a_coupon_for_three_periods_discounts_three_invoices(shop: Billing) -> None:
    """10.00 a month from 1 April with 10 % off for three periods: April, May and June 9.00
    (10.00 - 1.00), July 10.00."""
    _customer(shop, "DEAL")
    shop.subscriptions.create("DEAL", "ten", D(2026, 4, 1), coupon="THREE")
    invoices = shop.invoices.bill("DEAL", on=D(2026, 7, 1))
    assert [(i.billing_date, i.net) for i in invoices] == [
        (D(2026, 4, 1), Decimal("9.00")),
        (D(2026, 5, 1), Decimal("9.00")),
        (D(2026, 6, 1), Decimal("9.00")),
        (D(2026, 7, 1), Decimal("10.00")),
    ]


def test_a_business_in_another_eu_country_is_reverse_charged(shop: Billing) -> None:
    """A French business with a valid VAT id, a German seller: category AE at 0 %, with the
    reverse-charge note; 10.00 net, no VAT, 10.00 total."""
    _customer(
        shop,
        "FRB",
        kind="business",
        country="FR",
        time_zone="Europe/Paris",
        locale="fr-FR",
        tax_id="FR69087979795",
    )
    shop.subscriptions.create("FRB", "ten", D(2026, 4, 1))
    (invoice,) = shop.invoices.bill("FRB", on=D(2026, 4, 1))
    (line,) = invoice.lines
    assert (line.tax_category, line.tax_percent) == ("AE", Decimal(0))
    assert "Reverse charge" in str(line.tax_note)
    assert (invoice.net, invoice.tax, invoice.total) == (
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("10.00"),
    )


def test_a_new_york_customers_usage_is_cut_at_local_midnight_across_the_dst_change(
    shop: Billing,
) -> None:
    """New York leaves daylight saving time on 1 November 2026 at 2:00. A US consumer (VAT
    outside the EU: category O), 10.00 USD a month and calls at 0.10 a minute, from 1
    October. Calls: 31 October 23:30 EDT, 120 s (October); 1 November 00:30 EDT, 60 s, and
    01:30 EST (the second 1:30), 180 s (November). On 1 November: October's 2 minutes, 0.20,
    and November's fee 10.00: 10.20. On 1 December: November's 4 minutes, 0.40, and
    December's 10.00: 10.40."""
    _customer(
        shop,
        "NYC",
        country="US",
        currency="USD",
        time_zone="America/New_York",
        locale="en-US",
    )
    sub = shop.subscriptions.create("NYC", "us-voice", D(2026, 10, 1))
    since = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    shop.subscriptions.bind(sub.id, "e164", "+12125550100", since)
    calls = [
        ("a", "2026-10-31T23:30:00-04:00", 120),
        ("b", "2026-11-01T00:30:00-04:00", 60),
        ("c", "2026-11-01T01:30:00-05:00", 180),
    ]
    text = "".join(
        f'{{"id": "{n}", "account": "+12125550100", "service": "voice", '
        f'"destination": "+12125550199", "start": "{start}", "usage": {secs}}}\n'
        for n, start, secs in calls
    )
    shop.usage.import_file(io.BytesIO(text.encode()), format="jsonl", source="ny", name="ny")
    invoices = shop.invoices.bill("NYC", on=D(2026, 12, 1))
    november, december = invoices[1], invoices[2]
    assert _lines(november) == [("usage", Decimal("0.20")), ("recurring", Decimal("10.00"))]
    assert _lines(december) == [("usage", Decimal("0.40")), ("recurring", Decimal("10.00"))]
    assert {line.tax_category for i in invoices for line in i.lines} == {"O"}
    assert (november.total, december.total, november.currency) == (
        Decimal("10.20"),
        Decimal("10.40"),
        "USD",
    )
