"""Credit notes and allocations: a finalized invoice is corrected by credit notes (never
more than remains creditable; a full one voids it) and paid by allocations; its state is
derived from both, and neither changes the frozen invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import yaml

from tarifa.errors import ConflictError, ValidationError
from tarifa.facade import Billing
from tarifa.invoices.service import Invoice

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


@pytest.fixture
def invoice(billing: Billing) -> Invoice:
    """Mobile S (examples/catalog/mobile.yaml) from 1 March 2026 for a consumer in Germany:
    the 1 March invoice, finalized on 1 March: fee 4.99 + activation 5.00 = 9.99 net, VAT
    19 % 1.90, total 11.89, due 31 March."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "CN",
            "kind": "person",
            "legal_name": "Clara Nowak",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.subscriptions.create("CN", "mobile-s", D(2026, 3, 1))
    (draft,) = billing.invoices.bill("CN", on=D(2026, 3, 1))
    return billing.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))


def test_a_partial_credit_note_credits_its_lines_and_leaves_the_rest_due(
    billing: Billing, invoice: Invoice
) -> None:
    """Crediting the activation (line 2, 5.00): VAT 0.95, total 5.95, numbered next in the
    seller's series; 11.89 - 5.95 = 5.94 left."""
    note = billing.invoices.credit(invoice.id, positions=[2], reason="activation waived")
    assert (note.number, note.net, note.tax, note.total) == (
        "INV-2026-000002",
        Decimal("5.00"),
        Decimal("0.95"),
        Decimal("5.95"),
    )
    assert [(line.invoice_position, line.net) for line in note.lines] == [(2, Decimal("5.00"))]
    after = billing.invoices.get(invoice.id)
    assert (after.credited, after.balance, after.state) == (
        Decimal("5.95"),
        Decimal("5.94"),
        "overdue",  # due 31 March 2026, before today
    )
    assert after.total == invoice.total  # the invoice itself is untouched


def test_credit_notes_never_exceed_what_remains_creditable(
    billing: Billing, invoice: Invoice
) -> None:
    """An amount of 9.00 net on the 19 % invoice is 10.71 with VAT; a second one would bring
    the credits to 21.42, more than the 11.89 invoiced."""
    first = billing.invoices.credit(invoice.id, amount=Decimal("9.00"), reason="goodwill")
    assert first.total == Decimal("10.71")
    with pytest.raises(ValidationError, match="more than remains creditable"):
        billing.invoices.credit(invoice.id, amount=Decimal("9.00"), reason="again")
    with pytest.raises(ValidationError, match="minor units"):
        billing.invoices.credit(invoice.id, amount=Decimal("0.001"), reason="dust")
    assert [n.id for n in billing.invoices.credit_notes(invoice.id)] == [first.id]


def test_a_full_credit_note_voids_the_invoice(billing: Billing, invoice: Invoice) -> None:
    note = billing.invoices.credit(invoice.id, reason="contract rescinded")
    assert note.total == invoice.total == Decimal("11.89")
    voided = billing.invoices.get(invoice.id)
    assert (voided.state, voided.balance) == ("void", Decimal("0.00"))
    with pytest.raises(ValidationError, match="creditable"):
        billing.invoices.credit(invoice.id, positions=[1], reason="twice")


def test_allocations_make_an_invoice_partially_paid_then_paid_never_overpaid(
    billing: Billing, invoice: Invoice
) -> None:
    part = billing.invoices.allocate(invoice.id, Decimal("5.00"), reference="bank 1")
    assert (part.allocated, part.balance, part.state) == (
        Decimal("5.00"),
        Decimal("6.89"),
        "overdue",
    )
    with pytest.raises(ValidationError, match="more than the balance"):
        billing.invoices.allocate(invoice.id, Decimal("6.90"))
    paid = billing.invoices.allocate(invoice.id, Decimal("6.89"), source="customer_credit")
    assert (paid.balance, paid.state) == (Decimal("0.00"), "paid")


def test_a_draft_is_neither_credited_nor_paid_and_credit_notes_are_frozen(
    billing: Billing, invoice: Invoice
) -> None:
    (april,) = [i for i in billing.invoices.bill("CN", on=D(2026, 4, 1)) if i.status == "draft"]
    assert april.state == "draft"
    with pytest.raises(ConflictError):
        billing.invoices.credit(april.id, reason="x")
    with pytest.raises(ConflictError):
        billing.invoices.allocate(april.id, Decimal("1.00"))
    note = billing.invoices.credit(invoice.id, positions=[1], reason="fee waived")
    with pytest.raises(psycopg.errors.RestrictViolation), billing.db.transaction() as conn:
        conn.execute("UPDATE credit_notes SET total = 1 WHERE id = %s", (note.id,))
    with pytest.raises(psycopg.errors.RestrictViolation), billing.db.transaction() as conn:
        conn.execute("DELETE FROM credit_note_lines WHERE credit_note_id = %s", (note.id,))


def test_an_invoice_not_yet_due_with_nothing_paid_is_open(billing: Billing) -> None:
    """Finalized today with 30 days of terms: open until its due date."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "NOW",
            "kind": "person",
            "legal_name": "Nora Ost",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    today = dt.datetime.now(dt.UTC).date()
    billing.subscriptions.create("NOW", "mobile-s", today.replace(day=1))
    (draft,) = billing.invoices.bill("NOW", on=today.replace(day=1))
    final = billing.invoices.finalize(draft.id, issue_date=today)
    assert (final.state, final.balance) == ("open", final.total)


def test_a_credit_note_beyond_what_is_due_becomes_credit_that_pays_the_next_invoice(
    billing: Billing, invoice: Invoice
) -> None:
    """The 1 March invoice (11.89) is paid in full; crediting its activation (5.00 + 19 % =
    5.95) afterwards gives the customer 5.95 of credit. Finalizing the 1 April invoice (no
    usage, April's fee 4.99 + 0.95 = 5.94) applies 5.94 of it: nothing left to pay, 0.01
    of credit left."""
    billing.invoices.allocate(invoice.id, Decimal("11.89"))
    billing.invoices.credit(invoice.id, positions=[2], reason="activation waived")
    assert billing.invoices.available_credit("CN") == Decimal("5.95")
    assert billing.invoices.get(invoice.id).state == "paid"
    april = _on_april(billing)
    final = billing.invoices.finalize(april.id, issue_date=D(2026, 4, 1))
    assert (final.total, final.prepaid, final.balance, final.state) == (
        Decimal("5.94"),
        Decimal("5.94"),
        Decimal("0.00"),
        "paid",
    )
    assert billing.invoices.available_credit("CN") == Decimal("0.01")


def test_an_invoice_that_gives_back_more_than_it_charges_becomes_customer_credit(
    billing: Billing, invoice: Invoice
) -> None:
    """Cancelled from 17 March after March was billed in advance: the 1 April invoice
    credits the fee's 15 of 31 days, 4.99 x 15/31 = 2.4145... -> -2.41 (VAT -0.46, total
    -2.87); finalized, it owes nothing and the customer has 2.87 of credit."""
    (sub,) = billing.subscriptions.of_account("CN")
    billing.subscriptions.cancel(sub.id, on=D(2026, 3, 17))
    april = _on_april(billing)
    assert april.total == Decimal("-2.87")
    final = billing.invoices.finalize(april.id, issue_date=D(2026, 4, 1))
    assert (final.balance, final.state) == (Decimal("0"), "paid")
    assert billing.invoices.available_credit("CN") == Decimal("2.87")
    # Finalizing again grants nothing more.
    billing.invoices.finalize(april.id)
    assert billing.invoices.available_credit("CN") == Decimal("2.87")


def _on_april(billing: Billing) -> Invoice:
    (april,) = [i for i in billing.invoices.bill("CN", on=D(2026, 4, 1)) if i.status == "draft"]
    assert april.billing_date == D(2026, 4, 1)
    return april
