"""The Stripe adapter (the official `stripe` package): a charge is a PaymentIntent confirmed
at once with the customer's saved payment method, created with tarifa's idempotency key (so
a retried request is the same intent) and that key in its metadata (so an attempt whose
answer never came is found again with the search API); webhooks are verified with
`stripe.Webhook.construct_event` (the `Stripe-Signature` header, HMAC-SHA256 of the
timestamped payload with the endpoint's secret).

`base_url` points the client at another server (the tests' local server, which answers as
Stripe's API reference documents).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import stripe

from tarifa.money import Money
from tarifa.payments.gateway import ChargeResult, ChargeStatus

_SUCCEEDED = {"succeeded"}
_FAILED = {"requires_payment_method", "canceled"}


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        webhook_secret: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        options: dict[str, Any] = {"max_network_retries": 0}
        if base_url is not None:
            options["base_addresses"] = {"api": base_url.rstrip("/")}
        options["http_client"] = stripe.RequestsClient(timeout=timeout)
        self.client = stripe.StripeClient(api_key, **options)
        self.webhook_secret = webhook_secret

    def charge(
        self, *, amount: Decimal, currency: str, token: str, idempotency_key: str
    ) -> ChargeResult:
        params: dict[str, Any] = {
            "amount": _minor_units(amount, currency),
            "currency": currency.lower(),
            "payment_method": token,
            "payment_method_types": ["card"],
            "confirm": True,
            "off_session": True,
            "metadata": {"tarifa_key": idempotency_key},
        }
        try:
            intent = self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as err:
            return ChargeResult(
                status=ChargeStatus.FAILED,
                reference=_intent_id(err),
                failure_code=_decline(err),
                failure_message=str(err.user_message or err),
            )
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError):
            return ChargeResult(status=ChargeStatus.UNKNOWN)
        return _result(intent)

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        found = self.client.v1.payment_intents.search(
            params={"query": f"metadata['tarifa_key']:'{idempotency_key}'"}
        )
        intents = list(found.data)
        return _result(intents[0]) if intents else None

    def refund(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ChargeResult:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": reference, "amount": _minor_units(amount, currency)},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as err:
            return ChargeResult(status=ChargeStatus.FAILED, failure_code=str(err.code or "refused"))
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError):
            return ChargeResult(status=ChargeStatus.UNKNOWN)
        status = str(refund["status"])
        if status == "succeeded":
            return ChargeResult(status=ChargeStatus.SUCCEEDED, reference=str(refund["id"]))
        if status in ("failed", "canceled"):
            reason = getattr(refund, "failure_reason", None)
            return ChargeResult(
                status=ChargeStatus.FAILED,
                reference=str(refund["id"]),
                failure_code=str(reason or status),
            )
        return ChargeResult(status=ChargeStatus.UNKNOWN, reference=str(refund["id"]))

    def parse_webhook(self, payload: bytes | str, signature: str) -> stripe.Event:
        """The event of a webhook request whose `Stripe-Signature` header is `signature`;
        stripe.SignatureVerificationError when it was not signed with the endpoint's secret
        (or is older than five minutes)."""
        if self.webhook_secret is None:
            raise ValueError("no webhook secret configured")
        event: stripe.Event = stripe.Webhook.construct_event(
            payload, signature, self.webhook_secret
        )
        return event


def _minor_units(amount: Decimal, currency: str) -> int:
    money = Money.of(amount, currency)
    return int(money.amount.scaleb(money.currency.minor_unit))


def _decline(err: stripe.CardError) -> str:
    """The most telling code: the issuer's decline code (insufficient_funds...) unless it is
    the generic one, else Stripe's error code (card_declined)."""
    body: Any = err.json_body or {}
    decline = (body.get("error") or {}).get("decline_code")
    if decline and decline != "generic_decline":
        return str(decline)
    return str(err.code or "card_error")


def _intent_id(err: stripe.CardError) -> str | None:
    body: Any = err.json_body or {}
    intent = (body.get("error") or {}).get("payment_intent") or {}
    found = intent.get("id")
    return str(found) if found else None


def _result(intent: Any) -> ChargeResult:
    status = str(intent["status"])
    if status in _SUCCEEDED:
        return ChargeResult(status=ChargeStatus.SUCCEEDED, reference=str(intent["id"]))
    if status in _FAILED:
        error = intent.get("last_payment_error") or {}
        return ChargeResult(
            status=ChargeStatus.FAILED,
            reference=str(intent["id"]),
            failure_code=str(error.get("decline_code") or error.get("code") or status),
        )
    # processing, requires_action...: not settled yet.
    return ChargeResult(status=ChargeStatus.UNKNOWN, reference=str(intent["id"]))


__all__ = ["StripeGateway"]
