"""Invoices: a draft from a subscription's draft lines with its VAT and EN 16931 totals,
recomputed until it is finalized with the seller's next number and an RF reference, then
frozen by the database."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import yaml

from tarifa.billing import Period
from tarifa.billing.draft import draft_lines
from tarifa.billing.taxes import read_vat_rates
from tarifa.errors import ConflictError
from tarifa.facade import Billing

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
RATES = read_vat_rates(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
D = dt.date
MARCH = Period(D(2026, 3, 1), D(2026, 4, 1))


@pytest.fixture
def month(billing: Billing) -> tuple[Billing, list]:
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.customers.create(
        {
            "external_id": "MUC",
            "kind": "person",
            "legal_name": "Max Muster",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
            "postal_code": "80331",
            "city": "München",
        }
    )
    sub = billing.subscriptions.create("MUC", "mobile-s", D(2026, 3, 1))
    cycle = billing.subscriptions.cycle_of(sub)
    lines = draft_lines(
        subscription_id=sub.id,
        history=sub.timeline,
        catalog=billing.catalog.current(),
        cycle=cycle,
        period=MARCH,
        period_index=0,
        currency="EUR",
        zone=ZoneInfo("Europe/Berlin"),
        usage={"minutes": Decimal(350)},
    )
    return billing, list(lines)


def test_a_draft_carries_the_customers_vat_and_en_16931_totals(month) -> None:
    """Mobile S in its first month (mobile.yaml): the promotional fee 4.99, activation 5.00,
    350 minutes with 200 included: 150 x 0.05 = 7.50, no SMS, no data (0.00 each); net 17.49.
    A consumer in Germany, a German seller: S 19 %, 17.49 x 19 % = 3.3231 -> 3.32; total
    20.81."""
    billing, lines = month
    invoice = billing.invoices.draft(
        "MUC", seller="acme-de", period=MARCH, lines=lines, rates=RATES
    )
    assert [(line.kind, line.net) for line in invoice.lines] == [
        ("recurring", Decimal("4.99")),
        ("one_time", Decimal("5.00")),
        ("usage", Decimal("7.50")),
        ("usage", Decimal("0.00")),
        ("usage", Decimal("0.00")),
    ]
    assert {(line.tax_category, line.tax_percent) for line in invoice.lines} == {("S", Decimal(19))}
    assert (invoice.net, invoice.tax, invoice.total) == (
        Decimal("17.49"),
        Decimal("3.32"),
        Decimal("20.81"),
    )
    assert (invoice.status, invoice.number) == ("draft", None)


def test_drafting_again_replaces_the_lines_and_keeps_one_invoice_per_period(month) -> None:
    billing, lines = month
    first = billing.invoices.draft("MUC", seller="acme-de", period=MARCH, lines=lines, rates=RATES)
    again = billing.invoices.draft(
        "MUC", seller="acme-de", period=MARCH, lines=lines[:1], rates=RATES
    )
    assert again.id == first.id
    assert [line.net for line in again.lines] == [Decimal("4.99")]
    assert [i.id for i in billing.invoices.of_account("MUC")] == [first.id]


def test_finalizing_numbers_references_dates_and_freezes_the_invoice(month) -> None:
    billing, lines = month
    draft = billing.invoices.draft("MUC", seller="acme-de", period=MARCH, lines=lines, rates=RATES)
    final = billing.invoices.finalize(draft.id, issue_date=D(2026, 4, 1))
    assert (final.status, final.number, final.creditor_reference) == (
        "finalized",
        "INV-2026-000001",
        "RF94INV2026000001",
    )
    assert final.due_date == D(2026, 5, 1)  # 30 days of payment terms by default
    assert billing.invoices.finalize(draft.id) == final  # idempotent, no second number
    with pytest.raises(ConflictError, match="finalized"):
        billing.invoices.draft("MUC", seller="acme-de", period=MARCH, lines=lines, rates=RATES)
    with pytest.raises(psycopg.errors.RestrictViolation), billing.db.transaction() as conn:
        conn.execute("UPDATE invoices SET total = 0 WHERE id = %s", (draft.id,))
    with pytest.raises(psycopg.errors.RestrictViolation), billing.db.transaction() as conn:
        conn.execute("DELETE FROM invoice_lines WHERE invoice_id = %s", (draft.id,))


def test_an_accounts_period_is_drafted_from_its_subscriptions_and_stored_usage(
    billing: Billing,
) -> None:
    """Mobile S from 1 March (BCD 1), number bound to it, calls of 6,000 s and 6,600 s: 210
    minutes, 200 included, 10 x 0.05 = 0.50. With the promotional fee 4.99 and the
    activation 5.00: net 10.49; a consumer in Germany, 19 %: 1.9931 -> 1.99; total 12.48."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.customers.create(
        {
            "external_id": "MUC",
            "kind": "person",
            "legal_name": "Max Muster",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    sub = billing.subscriptions.create("MUC", "mobile-s", D(2026, 3, 1))
    billing.subscriptions.bind(
        sub.id, "e164", "+4915112345678", dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    calls = "".join(
        f'{{"id": "c{n}", "account": "+4915112345678", "service": "voice", '
        f'"destination": "+4930901820", "start": "2026-03-{day}T10:00:00+01:00", '
        f'"usage": {secs}}}\n'
        for n, (day, secs) in enumerate((("02", 6000), ("20", 6600)))
    )
    billing.usage.import_file(
        io.BytesIO(calls.encode()), format="jsonl", source="t", name="c.jsonl"
    )
    (invoice,) = billing.invoices.draft_period(
        "MUC", on=D(2026, 3, 15), seller="acme-de", rates=RATES
    )
    assert (invoice.period_start, invoice.period_end) == (D(2026, 3, 1), D(2026, 4, 1))
    assert [line.net for line in invoice.lines][:3] == [
        Decimal("4.99"),
        Decimal("5.00"),
        Decimal("0.50"),
    ]
    assert (invoice.net, invoice.tax, invoice.total) == (
        Decimal("10.49"),
        Decimal("1.99"),
        Decimal("12.48"),
    )
