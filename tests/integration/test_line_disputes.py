"""A customer disputes an invoice line: the amount is held back from dunning and collection
while the dispute is open; accepted, a credit note for it on that line; rejected, it is owed
and dunning takes it up again. The books balance throughout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ledger_checks import assert_books_balance
from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.facade import Billing

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date
#: Mobile S from 1 March: line 1 the fee (4.99 net), line 2 the SIM activation (5.00 net,
#: 5.95 with 19 % VAT); 11.89 in all, due 31 March.
ACTIVATION = 2


@pytest.fixture
def billed(billing: Billing) -> Billing:
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "LIN",
            "kind": "person",
            "legal_name": "Lina Ne",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.subscriptions.create("LIN", "mobile-s", D(2026, 3, 1))
    (draft,) = billing.invoices.bill("LIN", on=D(2026, 3, 1))
    invoice = billing.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))
    assert (invoice.total, invoice.lines[ACTIVATION - 1].net) == (Decimal("11.89"), Decimal(5))
    return billing


def test_an_accepted_line_dispute_is_left_out_of_dunning_then_credited_on_its_line(
    billed: Billing,
) -> None:
    opened = billed.disputes.open_line(
        "INV-2026-000001", line=ACTIVATION, amount=Decimal("5.95"), reason="SIM never arrived"
    )
    assert (opened.kind, opened.status, opened.net, opened.line_position) == (
        "line", "open", Decimal("5.00"), ACTIVATION,
    )  # fmt: skip
    (invoice,) = billed.invoices.of_account("LIN")
    assert (invoice.balance, invoice.disputed) == (Decimal("11.89"), Decimal("5.95"))
    # Dunning asks for what is not disputed: 5.94.
    report = billed.payments.dunning(on=D(2026, 4, 3))
    assert (report.overdue, dict(report.actions)) == (1, {"remind": 1})
    assert _event_balances(billed) == ["5.94"]
    # Paid what is not disputed, the invoice owes only the disputed amount: not dunned.
    billed.payments.receive("LIN", Decimal("5.94"))
    assert billed.payments.dunning(on=D(2026, 4, 7)).overdue == 0
    won = billed.disputes.resolve(opened.id, accept=True, issue_date=D(2026, 4, 8))
    assert won.status == "won"
    assert won.credit_note_id is not None
    (note,) = billed.invoices.credit_notes(invoice.id)
    assert (note.id, note.total, note.net, note.tax) == (
        won.credit_note_id, Decimal("5.95"), Decimal("5.00"), Decimal("0.95"),
    )  # fmt: skip
    assert [line.invoice_position for line in note.lines] == [ACTIVATION]
    invoice = billed.invoices.get(invoice.id)
    assert (invoice.state, invoice.balance, invoice.disputed) == ("paid", Decimal(0), Decimal(0))
    (balance,) = billed.ledger.balance("LIN")
    assert balance.receivable == Decimal(0)
    assert billed.disputes.resolve(opened.id, accept=True) == won  # resolved once
    with pytest.raises(ConflictError, match="won already"):
        billed.disputes.resolve(opened.id, accept=False)
    actions = [e["action"] for e in billed.audit.entries("dispute", opened.id)]
    assert actions == ["dispute.opened", "dispute.won"]
    assert_books_balance(billed)


def test_a_rejected_line_dispute_is_owed_and_dunning_takes_it_up_again(billed: Billing) -> None:
    opened = billed.disputes.open_line(
        "INV-2026-000001", line=1, amount=Decimal("5.94"), reason="fee charged twice"
    )
    billed.payments.receive("LIN", Decimal("5.95"))
    assert billed.payments.dunning(on=D(2026, 4, 3)).overdue == 0  # only the disputed part owed
    billed.disputes.add_evidence(opened.id, "Fee billed once, see invoice lines")
    lost = billed.disputes.resolve(opened.id, accept=False)
    assert (lost.status, lost.credit_note_id) == ("lost", None)
    assert billed.invoices.credit_notes(lost.invoice_id or 0) == []
    report = billed.payments.dunning(on=D(2026, 4, 7))
    assert (report.overdue, report.passed_over, dict(report.actions)) == (1, 1, {"retry": 1})
    assert _event_balances(billed) == ["5.94"]  # the retry; the reminder passed over
    assert billed.invoices.of_account("LIN")[0].balance == Decimal("5.94")
    assert_books_balance(billed)


def test_a_line_dispute_is_refused_beyond_the_line_or_at_an_amount_no_credit_note_totals(
    billed: Billing,
) -> None:
    number = "INV-2026-000001"
    with pytest.raises(ValidationError, match=r"leaves to dispute \(5.95 EUR gross\)"):
        billed.disputes.open_line(number, line=ACTIVATION, amount=Decimal("5.96"), reason="r")
    billed.disputes.open_line(number, line=ACTIVATION, amount=Decimal("3.57"), reason="part")
    with pytest.raises(ValidationError, match=r"\(2.38 EUR gross\)"):
        billed.disputes.open_line(number, line=ACTIVATION, amount=Decimal("2.50"), reason="r")
    with pytest.raises(ValidationError, match="cannot be credited exactly") as err:
        billed.disputes.open_line(number, line=1, amount=Decimal("0.03"), reason="r")
    assert err.value.errors[0].field == "amount"
    with pytest.raises(ValidationError) as err:
        billed.disputes.open_line(number, line=9, amount=Decimal(1), reason="r")
    assert err.value.errors[0].field == "line"
    with pytest.raises(ValidationError) as err:
        billed.disputes.open_line(number, line=1, amount=Decimal(1), reason=" ")
    assert err.value.errors[0].field == "reason"
    with pytest.raises(NotFoundError):
        billed.disputes.open_line("INV-1999-000001", line=1, amount=Decimal(1), reason="r")


def test_an_invoice_line_is_credited_in_part_by_a_net_amount(billed: Billing) -> None:
    (invoice,) = billed.invoices.of_account("LIN")
    note = billed.invoices.credit(
        invoice.id, reason="goodwill", positions=[1], amount=Decimal("1.00")
    )
    assert (note.net, note.tax, note.total) == (Decimal("1.00"), Decimal("0.19"), Decimal("1.19"))
    with pytest.raises(ValidationError, match=r"line 1 .* \(3.99 EUR net\)"):
        billed.invoices.credit(invoice.id, reason="more", positions=[1], amount=Decimal("4.00"))
    with pytest.raises(ValidationError) as err:
        billed.invoices.credit(invoice.id, reason="two", positions=[1, 2], amount=Decimal(1))
    assert err.value.errors[0].field == "positions"
    assert_books_balance(billed)


def _event_balances(billing: Billing) -> list[str]:
    """What each dunning step taken asked for, in order."""
    with billing.db.transaction() as conn:
        rows = conn.execute(
            "SELECT detail->>'balance' AS b FROM dunning_events WHERE taken ORDER BY id"
        ).fetchall()
    return [str(r["b"]) for r in rows]
