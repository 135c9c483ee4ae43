"""Reconciliation on statements written for the project's own invoices: exact, partial and
unknown credits, a NONREF credit matched by the payer's IBAN, a batch, a debit and a broken
entry; the counts add up, invoices are paid, the ledger balances, a re-import changes
nothing and a booking notified in a camt.054 and listed in the camt.053 is applied once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.facade import Billing
from tarifa.invoices.service import Invoice
from tarifa.reconciliation.matching import REDACTED
from tarifa.reconciliation.statement_writer import Booking, Detail, camt

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "bank_statements"
D = dt.date
PAYER_IBAN = "DE89370400440532013000"


def _customer(billing: Billing, external_id: str) -> None:
    billing.customers.create(
        {
            "external_id": external_id,
            "kind": "person",
            "legal_name": f"{external_id} Person",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )


@pytest.fixture
def invoices(billing: Billing) -> dict[str, Invoice]:
    """PAY: March 11.89 and April 5.94 (Mobile S from 1 March, billed 1 April); DD, who pays
    from a known IBAN (a SEPA mandate): March 11.89."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    _customer(billing, "PAY")
    billing.subscriptions.create("PAY", "mobile-s", D(2026, 3, 1))
    march, april = billing.invoices.bill("PAY", on=D(2026, 4, 1))
    _customer(billing, "DD")
    billing.payment_methods.add(
        "DD",
        {
            "kind": "sepa_debit",
            "iban": "DE89 3704 0044 0532 0130 00",
            "mandate_id": "DD-M-0001",
            "mandate_signed_on": "2026-03-01",
        },
    )
    billing.subscriptions.create("DD", "mobile-s", D(2026, 3, 1))
    (dd_march,) = billing.invoices.bill("DD", on=D(2026, 3, 1))
    return {
        "march": billing.invoices.finalize(march.id, issue_date=D(2026, 3, 1)),
        "april": billing.invoices.finalize(april.id, issue_date=D(2026, 4, 1)),
        "dd": billing.invoices.finalize(dd_march.id, issue_date=D(2026, 3, 1)),
    }


def _statement(invoices: dict[str, Invoice]) -> list[Booking]:
    march, april = invoices["march"], invoices["april"]
    assert invoices["dd"].total == Decimal("11.89") == march.total
    return [
        # Exact, by the structured RF reference.
        Booking(amount="11.89", reference="E1",
                details=(Detail(creditor_reference=march.creditor_reference),)),
        # Part of April's 5.94, by its number in the text.
        Booking(amount="3.00", reference="E2", details=(Detail(text=f"Rechnung {april.number}"),)),
        # A batch: the rest of April (its text holding a card number), and an unknown one.
        Booking(amount="10.00", reference="B1", details=(
            Detail(amount=Decimal("2.94"),
                   text=f"{april.number} paid with 4242 4242 4242 4242"),
            Detail(amount=Decimal("7.06"), text="no idea"),
        )),
        # NONREF: no bank reference, matched by the payer's IBAN and the amount.
        Booking(amount="11.89", details=(Detail(payer_iban=PAYER_IBAN, text="mobile"),)),
        Booking(amount="50.00", reference="E3", details=(Detail(text="donation"),)),
        Booking(amount="25.00", credit=False, reference="D1", details=(Detail(text="fees"),)),
        # Unreadable: skipped, the others go on.
        Booking(amount="12,00 EUR", reference="X1"),
    ]  # fmt: skip


def _balanced(billing: Billing) -> tuple[Decimal, Decimal]:
    rows = billing.ledger.trial_balance()
    debits, credits = sum(r.debit for r in rows), sum(r.credit for r in rows)
    assert debits == credits
    return debits, credits


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _state(billing: Billing) -> Any:
    accounts = ("PAY", "DD")
    return (
        [(i.number, i.state, i.balance) for a in accounts for i in billing.invoices.of_account(a)],
        [(p.id, p.allocations, p.credit) for a in accounts for p in billing.payments.of_account(a)],
        _balanced(billing),
        [t.id for t in billing.reconciliation.queue()],
    )


def test_a_statement_pays_what_it_names_and_queues_the_rest_and_the_counts_add_up(
    billing: Billing, invoices: dict[str, Invoice], tmp_path: Path
) -> None:
    path = _write(tmp_path, "stmt.xml", camt(_statement(invoices)))
    report = billing.reconciliation.import_file(path)
    assert report.counts() == {
        "statements": 1,
        "entries": 7,
        "transactions": 7,
        "matched": 3,
        "partially_matched": 1,
        "unmatched": 3,
        "already_imported": 0,
        "skipped": 1,
    }
    assert "12,00 EUR" in report.problems[0]
    counted = report.matched + report.partially_matched + report.unmatched
    assert counted + report.already_imported == report.transactions
    assert [(i.number, i.balance) for i in billing.invoices.of_account("PAY")] == [
        (invoices["march"].number, Decimal("0.00")),
        (invoices["april"].number, Decimal("0.00")),
    ]
    assert [i.state for i in billing.invoices.of_account("PAY")] == ["paid", "paid"]
    assert [i.state for i in billing.invoices.of_account("DD")] == ["paid"]
    april_payments = [p for p in billing.payments.of_account("PAY") if p.amount == Decimal("2.94")]
    assert april_payments[0].reference == f"{invoices['april'].number} paid with {REDACTED}"
    _balanced(billing)
    queued = billing.reconciliation.queue()
    assert sorted((t.direction, t.amount) for t in queued) == [
        ("credit", Decimal("7.06")),
        ("credit", Decimal("50.00")),
        ("debit", Decimal("25.00")),
    ]
    assert all(t.status == "queued" for t in queued)


def test_a_partial_payment_leaves_the_rest_of_the_invoice_open(
    billing: Billing, invoices: dict[str, Invoice], tmp_path: Path
) -> None:
    april = invoices["april"]
    statement = [Booking(amount="2.00", reference="P1", details=(Detail(text=april.number),))]
    report = billing.reconciliation.import_file(_write(tmp_path, "p.xml", camt(statement)))
    assert (report.partially_matched, report.matched) == (1, 0)
    (paid,) = [i for i in billing.invoices.of_account("PAY") if i.id == april.id]
    assert paid.balance == Decimal("3.94")
    assert paid.state in ("partially_paid", "overdue")


def test_an_overpayment_pays_the_invoice_and_keeps_the_rest_as_credit(
    billing: Billing, invoices: dict[str, Invoice], tmp_path: Path
) -> None:
    """20.00 naming March (11.89): March paid, then April (5.94, the oldest open), 2.17
    left as customer credit."""
    march = invoices["march"]
    named = Detail(creditor_reference=march.creditor_reference)
    statement = [Booking(amount="20.00", reference="O1", details=(named,))]
    report = billing.reconciliation.import_file(_write(tmp_path, "o.xml", camt(statement)))
    assert report.partially_matched == 1
    assert billing.invoices.available_credit("PAY") == Decimal("2.17")
    _balanced(billing)


def test_importing_the_same_statement_again_changes_nothing(
    billing: Billing, invoices: dict[str, Invoice], tmp_path: Path
) -> None:
    path = _write(tmp_path, "stmt.xml", camt(_statement(invoices)))
    billing.reconciliation.import_file(path)
    before = _state(billing)
    again = billing.reconciliation.import_file(path)
    assert again.counts() == {
        "statements": 1,
        "entries": 7,
        "transactions": 7,
        "matched": 0,
        "partially_matched": 0,
        "unmatched": 0,
        "already_imported": 7,
        "skipped": 1,
    }
    assert _state(billing) == before


def test_a_booking_notified_in_a_camt054_and_listed_in_the_camt053_is_applied_once(
    billing: Billing, invoices: dict[str, Invoice], tmp_path: Path
) -> None:
    march, april = invoices["march"], invoices["april"]
    notified = Booking(amount="11.89", reference="N1",
                       details=(Detail(creditor_reference=march.creditor_reference),))  # fmt: skip
    first = billing.reconciliation.import_file(
        _write(tmp_path, "n.xml", camt([notified], message="054", version="02"))
    )
    assert first.matched == 1
    later = Booking(amount="5.94", reference="N2", details=(Detail(text=april.number),))
    statement = billing.reconciliation.import_file(
        _write(tmp_path, "s.xml", camt([notified, later]))
    )
    assert (statement.already_imported, statement.matched) == (1, 1)
    assert len(billing.payments.of_account("PAY")) == 2
    assert [i.balance for i in billing.invoices.of_account("PAY")] == [Decimal(0)] * 2


def test_a_queued_credit_is_matched_by_hand_once(
    billing: Billing, invoices: dict[str, Invoice], tmp_path: Path
) -> None:
    april = invoices["april"]
    statement = [Booking(amount="5.94", reference="Q1", details=(Detail(text="phone"),)),
                 Booking(amount="1.00", credit=False, reference="Q2")]  # fmt: skip
    billing.reconciliation.import_file(_write(tmp_path, "q.xml", camt(statement)))
    credit, debit = sorted(billing.reconciliation.queue(), key=lambda t: t.direction)
    done = billing.reconciliation.match(credit.id, str(april.creditor_reference))
    assert (done.status, done.invoice_id) == ("matched_by_hand", april.id)
    assert billing.reconciliation.match(credit.id, april.number) == done
    assert [t.id for t in billing.reconciliation.queue()] == [debit.id]
    (paid,) = [i for i in billing.invoices.of_account("PAY") if i.id == april.id]
    assert paid.balance == 0
    assert len(billing.payments.of_account("PAY")) == 1
    with pytest.raises(ConflictError):
        billing.reconciliation.match(credit.id, invoices["march"].number)
    with pytest.raises(ValidationError, match="money received"):
        billing.reconciliation.match(debit.id, april.number)
    with pytest.raises(NotFoundError):
        billing.reconciliation.match(debit.id, "INV-1999-000001")
    _balanced(billing)


def test_real_mt940_and_intraday_files_are_imported_and_counted(billing: Billing) -> None:
    """Knab's MT940 (2 statements, 3 entries, none of them ours) waits in the queue; a
    camt.052 and an MT942 are skipped, one per report."""
    knab = billing.reconciliation.import_file(FIXTURES / "mt940" / "jejik_knab.sta")
    assert knab.counts() == {
        "statements": 2,
        "entries": 3,
        "transactions": 3,
        "matched": 0,
        "partially_matched": 0,
        "unmatched": 3,
        "already_imported": 0,
        "skipped": 0,
    }
    for name in ("camt/genkgo_camt052.v2.xml", "mt940/mBank_mt942.sta"):
        report = billing.reconciliation.import_file(FIXTURES / name)
        assert (report.statements, report.transactions, report.skipped) == (0, 0, 1)


def test_a_file_that_cannot_be_read_is_refused(billing: Billing, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot be read"):
        billing.reconciliation.import_file(tmp_path / "missing.xml")
    with pytest.raises(ValidationError, match="holds no statement"):
        billing.reconciliation.import_file(FIXTURES / "camt" / "genkgo_camt053.v2.wrong.xml")
