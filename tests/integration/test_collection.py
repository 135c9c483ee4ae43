"""Collecting due invoices from cards through the sandbox gateway (a real HTTP server in a
thread of the test): charged once per attempt key, declines recorded with their codes, an
answer that never came left unknown until resolved by asking the gateway."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from stripe_api import StripeApi
from tarifa.facade import Billing
from tarifa.payments.sandbox import SandboxGateway, serve
from tarifa.payments.stripe_gateway import StripeGateway

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    server = serve("127.0.0.1", 0, tmp_path / "charges.jsonl")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _log(url: str) -> list[dict[str, str]]:
    return SandboxGateway(url).log()


def _customer_with_card(billing: Billing, external_id: str, token: str) -> int:
    """Mobile S from 1 March, the 1 March invoice finalized (11.89, due 31 March), paying by
    the card `token`. Returns the invoice id."""
    billing.customers.create(
        {
            "external_id": external_id,
            "kind": "person",
            "legal_name": f"Person {external_id}",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.payment_methods.add(
        external_id,
        {"kind": "card", "gateway": "sandbox", "token": token, "brand": "visa",
         "last4": "4242", "exp_month": 12, "exp_year": 2030},
        today=D(2026, 3, 1),
    )  # fmt: skip
    billing.subscriptions.create(external_id, "mobile-s", D(2026, 3, 1))
    (draft,) = billing.invoices.bill(external_id, on=D(2026, 3, 1))
    return billing.invoices.finalize(draft.id, issue_date=D(2026, 3, 1)).id


@pytest.fixture
def shop(billing: Billing) -> Billing:
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    return billing


def test_due_invoices_are_charged_once_a_day_and_declines_keep_their_codes(
    shop: Billing, sandbox: str
) -> None:
    ok = _customer_with_card(shop, "OK", "pm_card_visa")
    declined = _customer_with_card(shop, "NO", "pm_card_chargeDeclined")
    poor = _customer_with_card(shop, "POOR", "pm_card_chargeDeclinedInsufficientFunds")
    gateway = SandboxGateway(sandbox)
    early = shop.payments.collect(gateway, on=D(2026, 3, 30))
    assert early.attempted == 0  # nothing due before 31 March
    report = shop.payments.collect(gateway, on=D(2026, 4, 2))
    assert (report.attempted, report.succeeded, report.failed) == (3, 1, 2)
    assert sorted(code for _, code in report.declined) == ["card_declined", "insufficient_funds"]
    assert shop.invoices.get(ok).state == "paid"
    assert shop.invoices.get(declined).balance == Decimal("11.89")
    assert shop.invoices.get(poor).state == "overdue"
    again = shop.payments.collect(gateway, on=D(2026, 4, 2))
    assert again.attempted == 0  # the same day: the paid one and the declined ones alike
    next_day = shop.payments.collect(gateway, on=D(2026, 4, 3))
    assert (next_day.attempted, next_day.failed) == (2, 2)
    keys = [c["idempotency_key"] for c in _log(sandbox)]
    assert keys.count(f"collect:{ok}:1") == 1
    assert keys.count(f"collect:{declined}:1") == 1
    assert f"collect:{declined}:2" in keys  # a declined card is tried again with a new key
    (balance,) = shop.ledger.balance("OK")
    assert balance.receivable == 0


def test_an_answer_that_never_came_is_unknown_until_the_gateway_is_asked(
    shop: Billing, sandbox: str
) -> None:
    """The sandbox records the charge, then answers after 2 s; the collector gives up after
    0.5 s: the attempt is unknown, the invoice is not charged again, and resolving finds the
    charge: one charge in the sandbox's log, the invoice paid."""
    invoice = _customer_with_card(shop, "SLOW", "pm_card_visa")
    SandboxGateway(sandbox).delay_next(2)
    report = shop.payments.collect(SandboxGateway(sandbox, timeout=0.5), on=D(2026, 4, 2))
    assert report.unknown == 1
    assert shop.payments.collect(SandboxGateway(sandbox), on=D(2026, 4, 2)).attempted == 0
    resolved = shop.payments.resolve(SandboxGateway(sandbox), older_than=0)
    assert resolved.succeeded == 1
    assert shop.invoices.get(invoice).state == "paid"
    assert [c["idempotency_key"] for c in _log(sandbox)] == [f"collect:{invoice}:1"]


def test_collection_charges_cards_held_at_stripe_through_the_stripe_adapter(
    shop: Billing,
) -> None:
    """The same collection through StripeGateway, against the local Stripe-shaped server."""
    shop.customers.create(
        {
            "external_id": "STR",
            "kind": "person",
            "legal_name": "Stella Stripe",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    shop.payment_methods.add(
        "STR",
        {"kind": "card", "gateway": "stripe", "token": "pm_card_visa", "brand": "visa",
         "last4": "4242", "exp_month": 12, "exp_year": 2030},
        today=D(2026, 3, 1),
    )  # fmt: skip
    shop.subscriptions.create("STR", "mobile-s", D(2026, 3, 1))
    (draft,) = shop.invoices.bill("STR", on=D(2026, 3, 1))
    invoice = shop.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))
    api = StripeApi()
    try:
        report = shop.payments.collect(StripeGateway("sk_test", base_url=api.url), on=D(2026, 4, 2))
    finally:
        api.close()
    assert report.succeeded == 1
    assert shop.invoices.get(invoice.id).state == "paid"
    (intent,) = api.intents
    assert (intent["amount"], intent["metadata"]["tarifa_key"]) == (1189, f"collect:{invoice.id}:1")
