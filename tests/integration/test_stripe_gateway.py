"""The Stripe adapter, on the official `stripe` package, against a local server answering as
Stripe's API reference documents (tests/stripe_api.py); with STRIPE_API_KEY set, the same
tests also run against Stripe's test mode. Webhooks are verified with
stripe.Webhook.construct_event."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
import stripe

from stripe_api import StripeApi
from tarifa.payments.gateway import ChargeStatus
from tarifa.payments.stripe_gateway import StripeGateway

SECRET = "whsec_test_secret"


@pytest.fixture(params=["local", "stripe-test-mode"])
def gateway(request: pytest.FixtureRequest) -> Iterator[StripeGateway]:
    if request.param == "local":
        api = StripeApi()
        yield StripeGateway("sk_test_local", base_url=api.url, webhook_secret=SECRET)
        api.close()
        return
    key = os.environ.get("STRIPE_API_KEY")
    if not key:
        pytest.skip("STRIPE_API_KEY is not set: Stripe's test mode is not reachable here")
    yield StripeGateway(key, webhook_secret=SECRET)


def test_a_visa_test_card_is_charged_once_per_idempotency_key(gateway: StripeGateway) -> None:
    key = f"collect:test:{time.time_ns()}"
    first = gateway.charge(
        amount=Decimal("11.89"), currency="EUR", token="pm_card_visa", idempotency_key=key
    )
    again = gateway.charge(
        amount=Decimal("11.89"), currency="EUR", token="pm_card_visa", idempotency_key=key
    )
    assert first.status is ChargeStatus.SUCCEEDED
    assert first.reference is not None
    assert first.reference.startswith("pi_")
    assert again.reference == first.reference


@pytest.mark.parametrize(
    ("token", "code"),
    [("pm_card_chargeDeclined", "card_declined"),
     ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds")],
)  # fmt: skip
def test_declined_test_cards_fail_with_stripes_code(
    gateway: StripeGateway, token: str, code: str
) -> None:
    result = gateway.charge(
        amount=Decimal("5.00"),
        currency="EUR",
        token=token,
        idempotency_key=f"collect:declined:{time.time_ns()}",
    )
    assert (result.status, result.failure_code) == (ChargeStatus.FAILED, code)


def test_the_amount_goes_in_minor_units_and_the_key_in_the_metadata() -> None:
    """11.89 EUR is 1189 cents; the request carries the trigger fixture's parameters
    (payment_method, confirm, payment_method_types) as stripe-cli's charge fixtures do."""
    api = StripeApi()
    try:
        gateway = StripeGateway("sk_test_local", base_url=api.url)
        gateway.charge(
            amount=Decimal("11.89"), currency="EUR", token="pm_card_visa", idempotency_key="k-1"
        )
        (sent,) = api.requests
        assert sent["key"] == "k-1"
        fields = ("amount", "currency", "payment_method", "confirm")
        assert [sent["form"][k] for k in fields] == ["1189", "eur", "pm_card_visa", "true"]
        assert sent["form"]["metadata[tarifa_key]"] == "k-1"
        found = gateway.lookup("k-1")
        assert found is not None
        assert found.status is ChargeStatus.SUCCEEDED
        assert gateway.lookup("never-sent") is None
    finally:
        api.close()


def _signed(payload: str, secret: str, at: int) -> str:
    mac = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def test_a_webhook_is_accepted_only_with_the_endpoints_signature() -> None:
    """A charge.dispute.created event shaped as Stripe sends it, signed as Stripe signs
    (t=timestamp, v1=HMAC-SHA256 of "t.payload" with the endpoint secret)."""
    gateway = StripeGateway("sk_test_local", base_url="http://127.0.0.1:9", webhook_secret=SECRET)
    payload = json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": "charge.dispute.created",
            "api_version": "2024-06-20",
            "created": 1_700_000_000,
            "data": {"object": {"id": "dp_1", "object": "dispute", "amount": 100,
                                "charge": "ch_1", "status": "warning_needs_response"}},
        }
    )  # fmt: skip
    now = int(time.time())
    event = gateway.parse_webhook(payload, _signed(payload, SECRET, now))
    assert (event.type, event.data.object["id"]) == ("charge.dispute.created", "dp_1")
    with pytest.raises(stripe.SignatureVerificationError):
        gateway.parse_webhook(payload.replace("100", "999"), _signed(payload, SECRET, now))
    with pytest.raises(stripe.SignatureVerificationError):
        gateway.parse_webhook(payload, _signed(payload, "whsec_other", now))
    with pytest.raises(stripe.SignatureVerificationError):  # replayed after 5 minutes
        gateway.parse_webhook(payload, _signed(payload, SECRET, now - 600))
