"""Scenario: a business customer with a billing cycle day of 31 is billed for a whole year.

Subscribed on 31 January 2026 to a 31.00 plan billed in advance, with a German seller and
reverse charge not applying (same country). A bill run with --finalize on each billing date,
31 January 2026 to 31 January 2027, gives thirteen invoices, each the whole fee of the
period starting on its billing date (a short month moves the billing day to its last day and
the next month returns to the 31st: no period skipped, none doubled, none prorated),
numbered INV-2026-000001 to INV-2026-000012 without a gap, then INV-2027-000001 (the yearly
series restarts). A run on a day between billing dates invoices nothing. By hand: 31.00 +
19 % = 5.89 VAT = 36.89 each, 479.57 for the thirteen. Runs on a database of its own,
committing as a deployment would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

import tarifa

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


def test_a_billing_day_of_31_gives_whole_gapless_invoices_through_a_year(fresh_db: str) -> None:
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
        billing.taxes.load(ROOT / "examples" / "tax" / "vat-rates.json")
        day = dt.date(2026, 1, 31)
        while day <= dt.date(2027, 1, 31):
            summary = billing.bill_runs.run(day, finalize=True)
            assert (summary.failures, summary.completed) == ((), True)
            quiet = billing.bill_runs.run(day + dt.timedelta(days=5), finalize=True)
            assert (quiet.drafted, quiet.finalized) == (0, 0)
            day = billing.invoices.of_account("ACME")[-1].period_end
        invoices = billing.invoices.of_account("ACME")
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
        dt.date(2027, 1, 31),
    ]
    assert all(a.period_end == b.period_start for a, b in pairwise(invoices))
    assert [i.billing_date for i in invoices] == starts
    # Issued on each billing date: the last in 2027, whose series restarts at 1.
    expected = [f"INV-2026-{n:06d}" for n in range(1, 13)] + ["INV-2027-000001"]
    assert [i.number for i in invoices] == expected
    assert {(i.net, i.tax, i.total) for i in invoices} == {
        (Decimal("31.00"), Decimal("5.89"), Decimal("36.89"))
    }
    assert sum(i.total for i in invoices) == Decimal("479.57")
    with tarifa.connect(fresh_db, actor="test:scenario") as billing:
        rows = billing.ledger.trial_balance()
    assert sum(r.debit for r in rows) == sum(r.credit for r in rows) > 0
