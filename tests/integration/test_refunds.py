"""Refunds: out of the customer's credit, never more than the payment brought in; a card
payment through its gateway (the sandbox, a real HTTP server in a thread), a transfer by a
SEPA credit transfer file the official schema accepts; each posted to the ledger."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from lxml import etree

from tarifa.errors import ValidationError
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
def shop(billing: Billing) -> Billing:
    """A consumer on Mobile S from 1 March with a card; the 1 March invoice (11.89)
    finalized."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "RF",
            "kind": "person",
            "legal_name": "Rena Fund",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.payment_methods.add(
        "RF",
        {"kind": "card", "gateway": "sandbox", "token": "pm_card_visa", "brand": "visa",
         "last4": "4242", "exp_month": 12, "exp_year": 2030},
        today=D(2026, 3, 1),
    )  # fmt: skip
    billing.subscriptions.create("RF", "mobile-s", D(2026, 3, 1))
    (draft,) = billing.invoices.bill("RF", on=D(2026, 3, 1))
    billing.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))
    return billing


def _cash(billing: Billing) -> Decimal:
    return sum((r.balance for r in billing.ledger.trial_balance() if r.kind == "cash"), Decimal(0))


def test_a_card_payment_is_refunded_through_its_gateway_after_a_credit_note(
    shop: Billing, gateway: SandboxGateway
) -> None:
    """Collected 11.89 by card; the invoice credited in full gives 11.89 of credit; the
    refund takes it back to the card: no credit, no cash left, one refund at the gateway."""
    shop.payments.collect(gateway, on=D(2026, 4, 2))
    (payment,) = shop.payments.of_account("RF")
    with pytest.raises(ValidationError, match="credit note"):
        shop.refunds.refund(payment.id, reason="goodwill", gateway=gateway)
    (invoice,) = shop.invoices.of_account("RF")
    shop.invoices.credit(invoice.id, reason="service never delivered")
    refund = shop.refunds.refund(payment.id, reason="service never delivered", gateway=gateway)
    assert (refund.status, refund.amount, refund.method) == (
        "succeeded",
        Decimal("11.89"),
        "gateway",
    )
    assert shop.invoices.available_credit("RF") == 0
    assert _cash(shop) == 0
    (given_back,) = [c for c in gateway.log() if c.get("refund_of")]
    assert given_back["amount"] == "11.89"
    with pytest.raises(ValidationError, match="more than is left"):
        shop.refunds.refund(payment.id, reason="twice", amount=Decimal("0.01"), gateway=gateway)


def test_a_transfer_is_refunded_by_a_sepa_credit_transfer_file(
    shop: Billing, tmp_path: Path
) -> None:
    """20.00 received by transfer for an invoice of 11.89: 8.11 of credit. A refund of 8.11
    to the payer's IBAN waits until the pain.001 file is written (valid against the official
    schema), then posts: 11.89 of cash stays."""
    payment = shop.payments.receive("RF", Decimal("20.00"))
    assert payment.credit == Decimal("8.11")
    with pytest.raises(ValidationError, match="IBAN"):
        shop.refunds.refund(payment.id, reason="overpaid")
    refund = shop.refunds.refund(payment.id, reason="overpaid", iban="DE89370400440532013000")
    assert (refund.status, refund.amount, refund.method) == (
        "pending",
        Decimal("8.11"),
        "credit_transfer",
    )
    made = shop.refunds.export_transfers(tmp_path / "refunds.xml")
    assert (made.refunds, made.total) == (1, Decimal("8.11"))
    xsd = etree.XMLSchema(etree.parse(str(ROOT / "tests/fixtures/sepa/pain.001.001.09.xsd")))
    document = etree.parse(str(tmp_path / "refunds.xml"))
    xsd.assertValid(document)
    ns = {"p": document.getroot().nsmap[None]}
    assert document.xpath("//p:CdtrAcct//p:IBAN/text()", namespaces=ns) == [
        "DE89370400440532013000"
    ]
    assert shop.refunds.export_transfers(tmp_path / "again.xml").refunds == 0
    assert _cash(shop) == Decimal("11.89")
    assert shop.invoices.available_credit("RF") == 0
