"""Invoices: an account's invoices per billing date, drafted from its subscriptions, their
stored usage and the stored VAT rates, recomputed until finalized with the seller's next
number and an RF reference, then frozen by the database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import yaml

import tarifa
from tarifa.billing.allowances import Allowance, consume
from tarifa.errors import ValidationError
from tarifa.facade import Billing
from tarifa.rating.document import read_tariff

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


def _calls(billing: Billing, *seconds: int, day: str = "02") -> None:
    calls = "".join(
        f'{{"id": "c{day}-{n}", "account": "+4915112345678", "service": "voice", '
        f'"destination": "+4930901820", "start": "2026-03-{day}T10:00:00+01:00", '
        f'"usage": {secs}}}\n'
        for n, secs in enumerate(seconds)
    )
    billing.usage.import_file(
        io.BytesIO(calls.encode()), format="jsonl", source="t", name=f"c{day}.jsonl"
    )


@pytest.fixture
def muc(billing: Billing) -> Billing:
    """Mobile S (examples/catalog/mobile.yaml) from 1 March 2026, billing day 1, for a
    consumer in Munich, a German seller, with 6,000 s and 6,600 s of calls in March."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
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
    billing.subscriptions.bind(
        sub.id, "e164", "+4915112345678", dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    _calls(billing, 6000, 6600)
    return billing


def test_an_account_is_billed_fees_in_advance_and_usage_at_the_period_end(muc: Billing) -> None:
    """Billing date 1 March (the start): March's fee in advance, the promotional 4.99, and
    the activation 5.00: net 9.99, VAT 19 % = 1.8981 -> 1.90, total 11.89.
    Billing date 1 April: March's usage, 210 minutes with 200 included, 10 x 0.05 = 0.50 (SMS
    and data 0.00, shown), and April's fee in advance, still promotional (3 periods), 4.99:
    net 5.49, VAT 1.0431 -> 1.04, total 6.53; it covers 1 March to 1 May."""
    march, april = muc.invoices.bill("MUC", on=D(2026, 4, 1))
    assert [(line.kind, line.net) for line in march.lines] == [
        ("recurring", Decimal("4.99")),
        ("one_time", Decimal("5.00")),
    ]
    assert (march.billing_date, march.period_start, march.period_end) == (
        D(2026, 3, 1),
        D(2026, 3, 1),
        D(2026, 4, 1),
    )
    assert (march.net, march.tax, march.total) == (
        Decimal("9.99"),
        Decimal("1.90"),
        Decimal("11.89"),
    )
    assert [(line.kind, line.net) for line in april.lines] == [
        ("usage", Decimal("0.50")),
        ("usage", Decimal("0.00")),
        ("usage", Decimal("0.00")),
        ("recurring", Decimal("4.99")),
    ]
    assert (april.billing_date, april.period_start, april.period_end) == (
        D(2026, 4, 1),
        D(2026, 3, 1),
        D(2026, 5, 1),
    )
    assert (april.net, april.tax, april.total) == (
        Decimal("5.49"),
        Decimal("1.04"),
        Decimal("6.53"),
    )
    assert {(line.tax_category, line.tax_percent) for line in april.lines} == {("S", Decimal(19))}
    assert {i.status for i in (march, april)} == {"draft"}


def test_drafting_again_recomputes_the_drafts_and_keeps_one_invoice_per_billing_date(
    muc: Billing,
) -> None:
    """A late call of 1,200 s (20 minutes) makes March 230 minutes: 30 x 0.05 = 1.50."""
    first = muc.invoices.bill("MUC", on=D(2026, 4, 1))
    _calls(muc, 1200, day="30")
    again = muc.invoices.bill("MUC", on=D(2026, 4, 1))
    assert [i.id for i in again] == [i.id for i in first]
    assert again[1].lines[0].net == Decimal("1.50")
    assert [i.id for i in muc.invoices.of_account("MUC")] == [i.id for i in first]


def test_finalizing_numbers_references_dates_and_freezes_the_invoice(muc: Billing) -> None:
    (draft,) = muc.invoices.bill("MUC", on=D(2026, 3, 1))
    final = muc.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))
    assert (final.status, final.number, final.creditor_reference) == (
        "finalized",
        "INV-2026-000001",
        "RF94INV2026000001",
    )
    assert final.due_date == D(2026, 3, 31)  # 30 days of payment terms by default
    assert muc.invoices.finalize(draft.id) == final  # idempotent, no second number
    # Billing again leaves the finalized invoice alone and drafts the next date only.
    (april,) = muc.invoices.bill("MUC", on=D(2026, 4, 1))
    assert april.billing_date == D(2026, 4, 1)
    assert muc.invoices.get(draft.id) == final
    with pytest.raises(psycopg.errors.RestrictViolation), muc.db.transaction() as conn:
        conn.execute("UPDATE invoices SET total = 0 WHERE id = %s", (draft.id,))
    with pytest.raises(psycopg.errors.RestrictViolation), muc.db.transaction() as conn:
        conn.execute("DELETE FROM invoice_lines WHERE invoice_id = %s", (draft.id,))
    with pytest.raises(psycopg.errors.RestrictViolation), muc.db.transaction() as conn:
        conn.execute(
            "INSERT INTO invoice_lines (invoice_id, position, kind, key, description,"
            " service_start, service_end, amount, net, tax_category, tax_percent)"
            " VALUES (%s, 9, 'one_time', 'x', 'x', '2026-03-01', '2026-03-02', 1, 1, 'S', 19)",
            (draft.id,),
        )


def test_an_account_that_cannot_be_billed_is_refused_with_the_reason(muc: Billing) -> None:
    """Its currency changed behind the catalog's back: the plan has no USD price."""
    with muc.db.transaction() as conn:
        conn.execute("UPDATE customers SET currency = 'USD' WHERE external_id = 'MUC'")
    with pytest.raises(ValidationError, match="account"):
        muc.invoices.bill("MUC", on=D(2026, 3, 1))
    assert muc.invoices.of_account("MUC") == []


def test_usage_arriving_after_finalization_lands_on_the_next_invoice_labelled(
    muc: Billing,
) -> None:
    """March billed with 210 minutes (10 beyond the 200 included: 0.50) and finalized; a call
    of 1,200 s on 30 March arrives in May. The 1 May invoice carries, besides April's usage
    and May's fee, a line for March: 230 minutes now, 30 charged = 1.50, less the 0.50 billed:
    +1.00 for 20 more minutes, dated 1 March - 1 April. The finalized March invoice is not
    touched, and once the May invoice is final the call is not billed again."""
    for invoice in muc.invoices.bill("MUC", on=D(2026, 4, 1)):
        muc.invoices.finalize(invoice.id, issue_date=invoice.billing_date)
    frozen = muc.invoices.of_account("MUC")
    _calls(muc, 1200, day="30")
    (may,) = muc.invoices.bill("MUC", on=D(2026, 5, 1))
    late = [line for line in may.lines if "late usage" in line.description]
    assert [(ln.net, ln.quantity, ln.service_start, ln.service_end) for ln in late] == [
        (Decimal("1.00"), Decimal(20), D(2026, 3, 1), D(2026, 4, 1))
    ]
    assert muc.invoices.of_account("MUC")[:2] == frozen
    again = muc.invoices.bill("MUC", on=D(2026, 5, 1))
    assert [line.net for line in again[0].lines] == [line.net for line in may.lines]
    muc.invoices.finalize(may.id, issue_date=D(2026, 5, 1))
    (june,) = muc.invoices.bill("MUC", on=D(2026, 6, 1))
    assert not [line for line in june.lines if "late usage" in line.description]


RATED_PLAN = """
products:
  - {code: line, name: Line, service: recurring}
  - {code: calls, name: Calls, service: voice}
plans:
  - code: rated
    name: Rated calls
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, name: Line, kind: recurring, product: line,
             pricing: {model: flat, amount: "1.00"}}
          - {code: calls, name: Calls, kind: usage, product: calls, tariff: consumer-voice}
"""


def test_a_rerating_difference_of_an_invoiced_period_lands_on_the_next_invoice(
    fresh_db: str,
) -> None:
    """Calls rated by examples/tariffs/mobile.yaml, billed on 1 April and finalized. The
    tariff then gains a connect fee of 0.10 and March is rerated: the two calls cost 0.20
    more. The finalized invoice is untouched; the 1 May invoice carries +0.20 for March,
    labelled as late usage of 1 March - 1 April. (On a database of its own, each step
    committed: what was rated after an invoice was final is told by the time it was
    rated.)"""
    with tarifa.connect(fresh_db, actor="test:rerate") as billing:
        _rerated(billing)


def _rerated(billing: Billing) -> None:
    billing.rating.load(ROOT / "examples" / "tariffs" / "mobile.yaml")
    billing.catalog.load_text(RATED_PLAN, name="rated.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "RR",
            "kind": "person",
            "legal_name": "Rita Rerate",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    sub = billing.subscriptions.create("RR", "rated", D(2026, 3, 1))
    billing.subscriptions.bind(
        sub.id, "e164", "+4915112345678", dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    _calls(billing, 65, 65)
    assert billing.rating.run().rated == 2
    march, april = billing.invoices.bill("RR", on=D(2026, 4, 1))
    for invoice in (march, april):
        billing.invoices.finalize(invoice.id, issue_date=invoice.billing_date)
    (calls,) = [line for line in april.lines if line.kind == "usage"]
    tariff = read_tariff(ROOT / "examples" / "tariffs" / "mobile.yaml")
    billing.rating.save(
        dataclasses.replace(
            tariff,
            rates=tuple(dataclasses.replace(r, connect_fee=Decimal("0.10")) for r in tariff.rates),
        )
    )
    report = billing.rating.rerate(
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    )
    assert report.difference == Decimal("0.20")
    (may,) = billing.invoices.bill("RR", on=D(2026, 5, 1))
    late = [line for line in may.lines if "late usage" in line.description]
    assert [(ln.net, ln.service_start, ln.service_end) for ln in late] == [
        (Decimal("0.20"), D(2026, 3, 1), D(2026, 4, 1))
    ]
    assert billing.invoices.get(april.id).lines[0].net == calls.net


def test_a_tariff_charges_allowance_is_consumed_in_event_time_order_on_the_invoice(
    billing: Billing,
) -> None:
    """Two calls of 65 s in March rated by examples/tariffs/mobile.yaml, on a plan whose
    tariff-rated calls include 1 minute (60 s): the first call is covered for 60 of its 65 s,
    the second is charged in full. The invoice's calls line is the stored procedure's charged
    cost (billing_consume_allowances, the oracle), rounded once, and less than the rated cost
    by the covered part."""
    billing.rating.load(ROOT / "examples" / "tariffs" / "mobile.yaml")
    billing.catalog.load_text(
        RATED_PLAN.replace(
            "tariff: consumer-voice}",
            'tariff: consumer-voice, unit: minutes,\n             allowance: {quantity: "1"}}',
        ),
        name="rated-allowance.yaml",
    )
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "AL",
            "kind": "person",
            "legal_name": "Alma Lang",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    sub = billing.subscriptions.create("AL", "rated", D(2026, 3, 1))
    billing.subscriptions.bind(
        sub.id, "e164", "+4915112345678", dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    _calls(billing, 65, 65)
    assert billing.rating.run().rated == 2
    _march, april = billing.invoices.bill("AL", on=D(2026, 4, 1))
    (calls,) = [line for line in april.lines if line.kind == "usage"]
    march = (
        dt.datetime(2026, 3, 1, tzinfo=ZoneInfo("Europe/Berlin")),
        dt.datetime(2026, 4, 1, tzinfo=ZoneInfo("Europe/Berlin")),
    )
    with billing.db.transaction() as conn:
        minute = Allowance(
            account_id=sub.account_id, category="call", included=Decimal(1), unit=Decimal(60)
        )
        oracle = consume(conn, [minute], *march)
    assert [c.covered for c in oracle] == [Decimal(60), Decimal(0)]
    charged = sum(c.charged_cost for c in oracle)
    assert calls.amount == charged
    assert calls.net == charged.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert charged < sum(c.cost for c in oracle)
