"""Payments received: spread over the invoice named, else the oldest open invoices; the rest
kept as customer credit and used by the next invoice; each with its ledger entries; a key
makes a repeated payment the same one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.facade import Billing
from tarifa.invoices.service import Invoice

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


@pytest.fixture
def invoices(billing: Billing) -> tuple[Invoice, Invoice]:
    """Mobile S from 1 March, billed on 1 April and finalized: INV-2026-000001 (1 March,
    11.89, due 31 March) and INV-2026-000002 (1 April, 5.94 = fee 4.99 + VAT 0.95, due 1
    May)."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "PAY",
            "kind": "person",
            "legal_name": "Paul Ay",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.subscriptions.create("PAY", "mobile-s", D(2026, 3, 1))
    march, april = billing.invoices.bill("PAY", on=D(2026, 4, 1))
    return (
        billing.invoices.finalize(march.id, issue_date=D(2026, 3, 1)),
        billing.invoices.finalize(april.id, issue_date=D(2026, 4, 1)),
    )


def test_a_payment_pays_the_oldest_invoices_first_and_the_rest_in_part(
    billing: Billing, invoices: tuple[Invoice, Invoice]
) -> None:
    """15.00: 11.89 to March's invoice, 3.11 to April's (2.83 left, past its due date of 1
    May: overdue)."""
    march, april = invoices
    payment = billing.payments.receive("PAY", Decimal("15.00"), reference="Paul Ay")
    assert payment.allocations == ((march.id, Decimal("11.89")), (april.id, Decimal("3.11")))
    assert payment.credit == 0
    assert [(i.state, i.balance) for i in billing.invoices.of_account("PAY")] == [
        ("paid", Decimal("0.00")),
        ("overdue", Decimal("2.83")),
    ]


def test_the_invoice_named_is_paid_first_by_number_or_rf_reference(
    billing: Billing, invoices: tuple[Invoice, Invoice]
) -> None:
    _march, april = invoices
    by_reference = billing.payments.receive(
        "PAY", Decimal("5.94"), invoice=str(april.creditor_reference).lower()
    )
    assert by_reference.allocations == ((april.id, Decimal("5.94")),)
    with pytest.raises(NotFoundError):
        billing.payments.receive("PAY", Decimal("1.00"), invoice="INV-1999-000001")


def test_an_overpayment_becomes_credit_that_the_next_invoice_uses(
    billing: Billing, invoices: tuple[Invoice, Invoice]
) -> None:
    """20.00 pays both (11.89 + 5.94 = 17.83) and leaves 2.17 of credit; the 1 May invoice
    (5.94) is finalized with 2.17 prepaid and 3.77 to pay. The ledger: nothing receivable
    but the 3.77, cash 20.00."""
    payment = billing.payments.receive("PAY", Decimal("20.00"))
    assert payment.credit == Decimal("2.17")
    assert billing.invoices.available_credit("PAY") == Decimal("2.17")
    (may,) = [i for i in billing.invoices.bill("PAY", on=D(2026, 5, 1)) if i.status == "draft"]
    may = billing.invoices.finalize(may.id, issue_date=D(2026, 5, 1))
    assert (may.prepaid, may.balance) == (Decimal("2.17"), Decimal("3.77"))
    (balance,) = billing.ledger.balance("PAY")
    assert (balance.receivable, balance.credit) == (Decimal("3.77"), Decimal(0))
    rows = {(r.kind, r.subject): r.balance for r in billing.ledger.trial_balance()}
    assert rows[("cash", "bank")] == Decimal("20.00")
    assert sum(r.debit for r in billing.ledger.trial_balance()) == sum(
        r.credit for r in billing.ledger.trial_balance()
    )


def test_the_same_key_is_the_same_payment_and_a_different_one_is_refused(
    billing: Billing, invoices: tuple[Invoice, Invoice]
) -> None:
    first = billing.payments.receive("PAY", Decimal("5.00"), idempotency_key="stmt-1-entry-7")
    again = billing.payments.receive("PAY", Decimal("5.00"), idempotency_key="stmt-1-entry-7")
    assert again == first
    assert len(billing.payments.of_account("PAY")) == 1
    with pytest.raises(ConflictError):
        billing.payments.receive("PAY", Decimal("6.00"), idempotency_key="stmt-1-entry-7")


def test_bad_amounts_and_card_numbers_are_refused(
    billing: Billing, invoices: tuple[Invoice, Invoice]
) -> None:
    with pytest.raises(ValidationError, match="minor units"):
        billing.payments.receive("PAY", Decimal("1.001"))
    with pytest.raises(ValidationError, match="positive"):
        billing.payments.receive("PAY", Decimal("-1"))
    with pytest.raises(ValidationError, match="card number"):
        billing.payments.receive("PAY", Decimal("1.00"), reference="4111 1111 1111 1111")
    assert billing.payments.of_account("PAY") == []
