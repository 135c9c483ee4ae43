"""Scenario: a business customer with a billing cycle day of 31 is billed for a whole year.

Subscribed on 31 January 2026 to a 31.00 plan, with a German seller and reverse charge not
applying (same country): twelve invoices, one per billing period, each a whole period at the
whole fee (a short month moves the billing day to its last day and the next month returns to
the 31st: no period skipped, none doubled, none prorated), issued at each period's end and
numbered INV-2026-000001 to INV-2026-000011 without a gap, then INV-2027-000001 (issued on 31
January 2027: the yearly series restarts). By hand: 31.00 + 19 % = 5.89 VAT = 36.89 each,
442.68 for the year. Runs on a database of its own, committing as a deployment would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

import tarifa
from tarifa.billing.taxes import read_vat_rates

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[2]
CATALOG = """
products: [{code: line, name: Line, service: recurring}]
plans:
  - code: office
    name: Office line
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, name: Office line, kind: recurring, product: line,
             pricing: {model: flat, amount: "31.00"}}
"""


def test_a_billing_day_of_31_gives_twelve_whole_gapless_invoices_in_a_year(fresh_db: str) -> None:
    rates = read_vat_rates(ROOT / "examples" / "tax" / "vat-rates.json")
    with tarifa.connect(fresh_db, actor="test:scenario") as billing:
        billing.catalog.load_text(CATALOG, name="office.yaml")
        billing.sellers.add(
            yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        )
        billing.customers.create(
            {
                "external_id": "ACME",
                "kind": "business",
                "legal_name": "ACME GmbH",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 31,
                "locale": "de-DE",
                "tax_id": "DE136695976",
            }
        )
        billing.subscriptions.create("ACME", "office", dt.date(2026, 1, 31))
        invoices = []
        day = dt.date(2026, 2, 10)
        for _ in range(12):
            (drafted,) = billing.invoices.draft_period(
                "ACME", on=day, seller="acme-de", rates=rates
            )
            invoices.append(billing.invoices.finalize(drafted.id, issue_date=drafted.period_end))
            day = drafted.period_end + dt.timedelta(days=1)
    starts = [i.period_start for i in invoices]
    assert starts == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 31),
        dt.date(2026, 6, 30),
        dt.date(2026, 7, 31),
        dt.date(2026, 8, 31),
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 31),
    ]
    assert all(a.period_end == b.period_start for a, b in pairwise(invoices))
    # Issued at each period's end: the last (31 December - 31 January) in 2027, whose series
    # restarts at 1.
    expected = [f"INV-2026-{n:06d}" for n in range(1, 12)] + ["INV-2027-000001"]
    assert [i.number for i in invoices] == expected
    assert {(i.net, i.tax, i.total) for i in invoices} == {
        (Decimal("31.00"), Decimal("5.89"), Decimal("36.89"))
    }
    assert sum(i.total for i in invoices) == Decimal("442.68")
