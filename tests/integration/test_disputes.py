"""Disputes: a chargeback opens a dispute on a card payment (from the sandbox's events or a
Stripe webhook) with a deadline for evidence, takes evidence notes, keeps its invoice out of
dunning, and when lost charges the money back: the invoice owes it again and the ledger says
so."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ledger_checks import assert_books_balance
from tarifa.errors import ConflictError, ValidationError
from tarifa.facade import Billing
from tarifa.payments.sandbox import SandboxGateway, serve

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[SandboxGateway]:
    server = serve("127.0.0.1", 0, tmp_path / "charges.jsonl")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SandboxGateway(f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


@pytest.fixture
def paid(billing: Billing, gateway: SandboxGateway) -> Billing:
    """Mobile S from 1 March; the 1 March invoice (11.89) collected from the test card that
    the sandbox disputes (pm_card_createDispute)."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "DSP",
            "kind": "person",
            "legal_name": "Dieter Sp",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.payment_methods.add(
        "DSP",
        {"kind": "card", "gateway": "sandbox", "token": "pm_card_createDispute",
         "brand": "visa", "last4": "0259", "exp_month": 12, "exp_year": 2030},
        today=D(2026, 3, 1),
    )  # fmt: skip
    billing.subscriptions.create("DSP", "mobile-s", D(2026, 3, 1))
    (draft,) = billing.invoices.bill("DSP", on=D(2026, 3, 1))
    billing.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))
    assert billing.payments.collect(gateway, on=D(2026, 4, 1)).succeeded == 1
    return billing


def test_a_lost_dispute_charges_the_money_back_and_the_invoice_owes_it_again(
    paid: Billing, gateway: SandboxGateway
) -> None:
    (event,) = gateway.events()
    opened = paid.payments.apply_gateway_event(event)
    assert opened is not None
    assert (opened.status, opened.amount, opened.reason) == ("open", Decimal("11.89"), "fraudulent")
    assert paid.payments.apply_gateway_event(event) == opened  # applied once
    (invoice,) = paid.invoices.of_account("DSP")
    assert invoice.state == "paid"  # the money is still here while the dispute is open
    lost = paid.payments.close_dispute(opened.gateway_reference, won=False)
    assert lost.status == "lost"
    invoice = paid.invoices.get(invoice.id)
    assert (invoice.balance, invoice.state) == (Decimal("11.89"), "overdue")
    (balance,) = paid.ledger.balance("DSP")
    assert balance.receivable == Decimal("11.89")
    rows = paid.ledger.trial_balance()
    assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
    assert {(r.kind, r.balance) for r in rows if r.kind == "cash"} == {("cash", Decimal(0))}


def test_an_open_dispute_keeps_its_invoice_out_of_dunning_and_a_won_one_changes_nothing(
    paid: Billing,
) -> None:
    """A Stripe-shaped webhook opens the dispute; lost money would reopen the invoice, but
    while the dispute is open dunning leaves it alone; won, the invoice stays paid."""
    (payment,) = paid.payments.of_account("DSP")
    charge = paid.payments.of_payment_ids([payment.id])[0]
    with paid.db.transaction() as conn:
        ref = conn.execute(
            "SELECT gateway_reference FROM payments WHERE id = %s", (charge.id,)
        ).fetchone()
    assert ref is not None
    event = {
        "type": "charge.dispute.created",
        "data": {"object": {"id": "dp_hook", "payment_intent": ref["gateway_reference"],
                            "amount": 500, "currency": "eur", "reason": "product_not_received"}},
    }  # fmt: skip
    opened = paid.payments.apply_gateway_event(event)
    assert opened is not None
    assert opened.amount == Decimal("5.00")
    paid.payments.close_dispute("dp_hook", won=False)
    (invoice,) = paid.invoices.of_account("DSP")
    assert invoice.balance == Decimal("5.00")
    paid.payments.open_dispute(
        charge_reference=str(ref["gateway_reference"]),
        dispute_reference="dp_second",
        amount=Decimal("1.00"),
        reason="duplicate",
    )
    assert paid.payments.dunning(on=D(2026, 6, 1)).overdue == 0  # disputed: left alone
    won = paid.payments.close_dispute("dp_second", won=True)
    assert won.status == "won"
    assert paid.payments.dunning(on=D(2026, 6, 1)).overdue == 1


def test_a_sandbox_chargeback_has_seven_days_for_evidence_and_keeps_the_notes_people_add(
    paid: Billing, gateway: SandboxGateway
) -> None:
    (event,) = gateway.events()
    opened = paid.payments.apply_gateway_event(event)
    assert opened is not None
    assert opened.evidence_due_by == opened.opened_at + dt.timedelta(days=7)
    paid.disputes.add_evidence(
        opened.gateway_reference or "", "Signed delivery receipt, parcel 0034"
    )
    noted = paid.disputes.add_evidence(str(opened.id), "  The customer used the line in April  ")
    assert [n.note for n in noted.notes] == [
        "Signed delivery receipt, parcel 0034",
        "The customer used the line in April",
    ]
    assert paid.disputes.get(opened.id).notes == noted.notes
    actions = [e["action"] for e in paid.audit.entries("dispute", opened.id)]
    assert actions == ["dispute.opened", "dispute.evidence_added", "dispute.evidence_added"]
    assert [d.id for d in paid.disputes.list(status="open", account="DSP")] == [opened.id]
    with pytest.raises(ValidationError) as refused:
        paid.disputes.add_evidence(opened.id, "card 4242 4242 4242 4242 was used")
    assert refused.value.errors[0].field == "note"
    with pytest.raises(ValidationError, match="required"):
        paid.disputes.add_evidence(opened.id, "   ")
    paid.payments.close_dispute(opened.gateway_reference or "", won=True)
    with pytest.raises(ConflictError, match="won"):
        paid.disputes.add_evidence(opened.id, "too late")
    assert paid.disputes.list(status="open") == []
    assert_books_balance(paid)


def test_a_stripe_chargeback_keeps_the_deadline_stripe_gives(paid: Billing) -> None:
    (payment,) = paid.payments.of_account("DSP")
    with paid.db.transaction() as conn:
        ref = conn.execute(
            "SELECT gateway_reference FROM payments WHERE id = %s", (payment.id,)
        ).fetchone()
    assert ref is not None
    due_by = dt.datetime(2026, 4, 20, 23, 59, 59, tzinfo=dt.UTC)
    event = {
        "type": "charge.dispute.created",
        "data": {"object": {"id": "dp_due", "payment_intent": ref["gateway_reference"],
                            "amount": 1189, "currency": "eur", "reason": "fraudulent",
                            "evidence_details": {"due_by": int(due_by.timestamp()),
                                                 "has_evidence": False}}},
    }  # fmt: skip
    opened = paid.payments.apply_gateway_event(event)
    assert opened is not None
    assert (opened.kind, opened.evidence_due_by) == ("chargeback", due_by)
    assert paid.disputes.get("dp_due").evidence_due_by == due_by
