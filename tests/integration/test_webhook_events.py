"""Webhook events are written to the outbox by triggers, in the transaction of the change
they report: each type from the change a service makes, gone with a rolled-back change,
and not written at all when no active endpoint subscribes to it."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tarifa.facade import Billing
from tarifa.payments.sandbox import SandboxGateway, serve
from tarifa.webhooks import EVENT_TYPES, Event

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


class Rollback(Exception):
    """Raised to roll a savepoint back."""


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[SandboxGateway]:
    server = serve("127.0.0.1", 0, tmp_path / "charges.jsonl")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SandboxGateway(f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


@pytest.fixture
def shop(billing: Billing) -> Billing:
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    return billing


def _customer(billing: Billing, external_id: str, card: str | None = None) -> None:
    billing.customers.create(
        {"external_id": external_id, "kind": "person", "legal_name": f"Person {external_id}",
         "country": "DE", "currency": "EUR", "time_zone": "Europe/Berlin",
         "billing_cycle_day": 1, "locale": "de-DE"}
    )  # fmt: skip
    if card:
        billing.payment_methods.add(
            external_id,
            {"kind": "card", "gateway": "sandbox", "token": card, "brand": "visa",
             "last4": "4242", "exp_month": 12, "exp_year": 2030},
            today=D(2026, 3, 1),
        )  # fmt: skip


def _subscribed(billing: Billing, external_id: str, card: str | None = None) -> int:
    _customer(billing, external_id, card)
    return billing.subscriptions.create(external_id, "mobile-s", D(2026, 3, 1)).id


def _draft(billing: Billing, external_id: str, card: str | None = None) -> int:
    _subscribed(billing, external_id, card)
    (draft,) = billing.invoices.bill(external_id, on=D(2026, 3, 1))
    return draft.id


def _finalized(billing: Billing, external_id: str, card: str | None = None) -> int:
    draft = _draft(billing, external_id, card)
    return billing.invoices.finalize(draft, issue_date=D(2026, 3, 1)).id


def _disputed(billing: Billing, gateway: SandboxGateway) -> Any:
    _finalized(billing, "DSP", "pm_card_createDispute")
    assert billing.payments.collect(gateway, on=D(2026, 4, 1)).succeeded == 1
    (event,) = gateway.events()
    return event


# Per event type: what is set up before (committed in the test's transaction) and the change
# that writes the event (run once in a savepoint rolled back, then for good).
Step = Callable[[Billing, SandboxGateway, Any], Any]
CHANGES: dict[str, tuple[Step, Step]] = {
    "subscription.changed": (
        lambda b, g, _: _customer(b, "A"),
        lambda b, g, _: b.subscriptions.create("A", "mobile-s", D(2026, 3, 1)),
    ),
    "invoice.finalized": (
        lambda b, g, _: _draft(b, "A"),
        lambda b, g, draft: b.invoices.finalize(draft, issue_date=D(2026, 3, 1)),
    ),
    "invoice.paid": (
        lambda b, g, _: _finalized(b, "A"),
        lambda b, g, _: b.payments.receive("A", Decimal("11.89"), received_on=D(2026, 3, 5)),
    ),
    "payment.succeeded": (
        lambda b, g, _: _finalized(b, "A"),
        lambda b, g, _: b.payments.receive("A", Decimal("5.00"), received_on=D(2026, 3, 5)),
    ),
    "payment.failed": (
        lambda b, g, _: _finalized(b, "NO", "pm_card_chargeDeclined"),
        lambda b, g, _: b.payments.collect(g, on=D(2026, 4, 2)),
    ),
    "dispute.opened": (
        lambda b, g, _: _disputed(b, g),
        lambda b, g, event: b.payments.apply_gateway_event(event),
    ),
    "dispute.closed": (
        lambda b, g, _: b.payments.apply_gateway_event(_disputed(b, g)).gateway_reference,
        lambda b, g, reference: b.payments.close_dispute(reference, won=False),
    ),
    "usage.quarantined": (
        lambda b, g, _: None,
        lambda b, g, _: b.usage.import_file(
            io.BytesIO(b'"broken,"quote\n"also broken\n'),
            name="Master.csv",
            format="asterisk",
            source="pbx1",
            timezone="Europe/Berlin",
        ),
    ),
    "bill_run.completed": (
        lambda b, g, _: _subscribed(b, "A"),
        lambda b, g, _: b.bill_runs.run(D(2026, 3, 1), finalize=True),
    ),
}


def _events(billing: Billing, type_: str | None = None) -> list[Event]:
    return billing.webhooks.events(type=type_)


def test_every_event_type_has_a_change_in_this_test() -> None:
    assert sorted(CHANGES) == sorted(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_an_event_is_written_with_its_change_and_rolled_back_with_it(
    shop: Billing, conn: Any, gateway: SandboxGateway, event_type: str
) -> None:
    endpoint, _ = shop.webhooks.add_endpoint("https://example.com/hooks", [event_type])
    prepare, change = CHANGES[event_type]
    ready = prepare(shop, gateway, None)
    before = len(_events(shop, event_type))
    inside: list[Event] = []
    with contextlib.suppress(Rollback), conn.transaction():
        change(shop, gateway, ready)
        inside = _events(shop, event_type)
        queued = shop.webhooks.deliveries(event_id=inside[-1].id)
        raise Rollback
    assert len(inside) == before + 1  # written with the change
    assert [d.endpoint_id for d in queued] == [endpoint.id]
    assert len(_events(shop, event_type)) == before  # gone with the change
    change(shop, gateway, ready)
    event = _events(shop, event_type)[-1]
    assert len(_events(shop, event_type)) == before + 1
    (delivery,) = shop.webhooks.deliveries(event_id=event.id)
    assert (delivery.status, delivery.attempts, delivery.endpoint_id) == ("pending", 0,
                                                                         endpoint.id)  # fmt: skip
    assert event.id.startswith("msg_")
    assert {e.type for e in _events(shop)} == {event_type}  # only what is subscribed


def test_nothing_is_written_when_no_active_endpoint_subscribes(
    shop: Billing, gateway: SandboxGateway
) -> None:
    disabled, _ = shop.webhooks.add_endpoint("https://example.com/all", ["*"])
    shop.webhooks.disable(disabled.id)
    shop.webhooks.add_endpoint("https://example.com/other", ["usage.quarantined"])
    for prepare, change in (CHANGES["invoice.paid"], CHANGES["dispute.closed"]):
        change(shop, gateway, prepare(shop, gateway, None))
    shop.bill_runs.run(D(2026, 4, 1), finalize=True)
    assert _events(shop) == []


def test_a_month_of_changes_reads_as_events_with_their_figures(
    shop: Billing, gateway: SandboxGateway
) -> None:
    """One endpoint for every type: a subscription, its first bill run (finalized), a
    payment that pays the invoice, a usage file with a bad line."""
    shop.webhooks.add_endpoint("https://example.com/all", ["*"])
    subscription = _subscribed(shop, "A")
    summary = shop.bill_runs.run(D(2026, 3, 1), finalize=True)
    payment = shop.payments.receive("A", Decimal("11.89"), received_on=D(2026, 3, 5))
    report = shop.usage.import_file(
        io.BytesIO(b'"broken,"quote\n'), name="Master.csv", format="asterisk",
        source="pbx1", timezone="Europe/Berlin",
    )  # fmt: skip
    events = _events(shop)
    assert [e.type for e in events] == [
        "subscription.changed", "invoice.finalized", "bill_run.completed", "payment.succeeded",
        "invoice.paid", "usage.quarantined",
    ]  # fmt: skip
    changed, finalized, completed, succeeded, paid, quarantined = (e.payload for e in events)
    assert changed | {"recorded_at": None} == {
        "subscription_id": subscription, "subscription_external_id": None, "account_id":
        changed["account_id"], "account_external_id": "A", "change": "created", "position": 0,
        "effective": "2026-03-01", "plan": "mobile-s", "quantity": 1, "trial_days": 0,
        "recorded_at": None,
    }  # fmt: skip
    (invoice,) = shop.invoices.of_account("A")
    assert finalized | {"finalized_at": None} == {
        "invoice_id": invoice.id, "number": invoice.number,
        "creditor_reference": invoice.creditor_reference, "account_id": invoice.account_id,
        "account_external_id": "A", "seller_id": invoice.seller_id,
        "bill_run_id": summary.run_id, "currency": "EUR", "net": "9.99", "tax": "1.90",
        "total": "11.89", "billing_date": "2026-03-01", "period_start": "2026-03-01",
        "period_end": "2026-04-01", "issue_date": "2026-03-01", "due_date": "2026-03-31",
        "finalized_at": None,
    }  # fmt: skip
    assert str(finalized["finalized_at"]).endswith("Z")
    assert completed | {"started_at": None, "finished_at": None} == {
        "bill_run_id": summary.run_id, "as_of": "2026-03-01", "seller_id": invoice.seller_id,
        "seller_code": summary.seller, "finalize": True, "accounts": 1, "failed": 0,
        "drafted": 1, "finalized": 1, "started_at": None, "finished_at": None,
        "totals": [{"status": "finalized", "currency": "EUR", "invoices": 1, "net": "9.99",
                    "tax": "1.90", "total": "11.89"}],
    }  # fmt: skip
    assert (succeeded["payment_id"], succeeded["amount"], succeeded["currency"],
            succeeded["status"], succeeded["kind"]) == (payment.id, "11.89", "EUR",
                                                        "succeeded", "bank_transfer")  # fmt: skip
    assert (paid["invoice_id"], paid["total"], paid["paid"], paid["payment_ids"]) == (
        invoice.id,
        "11.89",
        "11.89",
        [payment.id],
    )
    assert (quarantined["import_id"], quarantined["received"], quarantined["quarantined"],
            quarantined["source"], quarantined["file"]) == (report.import_id, 1, 1, "pbx1",
                                                            "Master.csv")  # fmt: skip


def test_a_partial_payment_does_not_pay_the_invoice_the_rest_does(shop: Billing) -> None:
    shop.webhooks.add_endpoint("https://example.com/paid", ["invoice.paid"])
    _finalized(shop, "A")
    shop.payments.receive("A", Decimal("10.00"), received_on=D(2026, 3, 5))
    assert _events(shop) == []
    shop.payments.receive("A", Decimal("5.00"), received_on=D(2026, 3, 6))
    (paid,) = _events(shop)
    assert (paid.payload["paid"], paid.payload["total"]) == ("11.89", "11.89")


def test_a_declined_card_and_a_lost_dispute_say_why(shop: Billing, gateway: SandboxGateway) -> None:
    shop.webhooks.add_endpoint(
        "https://example.com/money", ["payment.failed", "dispute.opened", "dispute.closed"]
    )
    _finalized(shop, "NO", "pm_card_chargeDeclined")
    dispute = shop.payments.apply_gateway_event(_disputed(shop, gateway))  # collects both
    assert dispute is not None
    shop.payments.close_dispute(dispute.gateway_reference, won=False)
    failed, opened, closed = (e.payload for e in _events(shop))
    assert (failed["account_external_id"], failed["failure_code"], failed["amount"]) == (
        "NO",
        "card_declined",
        "11.89",
    )
    assert (opened["kind"], opened["status"], opened["amount"], opened["closed_at"]) == (
        "chargeback",
        "open",
        "11.89",
        None,
    )
    assert opened["evidence_due_by"] is not None
    assert (closed["status"], closed["dispute_id"]) == ("lost", dispute.id)
    assert closed["closed_at"] is not None


def test_a_line_dispute_is_a_dispute_too_with_its_line_and_credit_note(shop: Billing) -> None:
    shop.webhooks.add_endpoint("https://example.com/disputes", ["dispute.opened",
                                                                "dispute.closed"])  # fmt: skip
    invoice = _finalized(shop, "A")
    dispute = shop.disputes.open_line(invoice, line=1, amount=Decimal("1.00"), reason="wrong")
    won = shop.disputes.resolve(dispute.id, accept=True, issue_date=D(2026, 3, 10))
    opened, closed = (e.payload for e in _events(shop))
    assert (opened["kind"], opened["line_position"], opened["payment_id"], opened["amount"]) == (
        "line",
        1,
        None,
        "1.00",
    )
    assert (closed["status"], closed["credit_note_id"]) == ("won", won.credit_note_id)
    assert closed["credit_note_id"] is not None


def test_a_write_off_does_not_pay_the_invoice(shop: Billing) -> None:
    shop.webhooks.add_endpoint("https://example.com/paid", ["invoice.paid"])
    invoice = _finalized(shop, "A")  # due 31 March
    shop.payments.dunning(on=D(2026, 4, 2), schedule="1:write_off")
    assert shop.invoices.get(invoice).state == "written_off"
    assert _events(shop) == []
