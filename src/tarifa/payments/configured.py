"""The gateways configured by environment variables (12-factor), for the CLI and the API:
`sandbox` at `TARIFA_SANDBOX_URL` (or a URL given), `stripe` with `STRIPE_API_KEY` (and
`STRIPE_API_BASE` for a local stand-in, `STRIPE_WEBHOOK_SECRET` to verify its webhooks)."""

from __future__ import annotations

import os

from tarifa.errors import ValidationError
from tarifa.payments.gateway import PaymentGateway
from tarifa.payments.sandbox import SandboxGateway
from tarifa.payments.stripe_gateway import StripeGateway


def configured_gateway(name: str, url: str | None = None, timeout: float = 30.0) -> PaymentGateway:
    if name == "stripe":
        return stripe_gateway(timeout)
    if name != "sandbox":
        raise ValidationError.single("gateway", "must be sandbox or stripe")
    url = url or os.environ.get("TARIFA_SANDBOX_URL")
    if not url:
        raise ValidationError.single(
            "gateway_url", "is required (or TARIFA_SANDBOX_URL): tarifa sandbox serve"
        )
    return SandboxGateway(url, timeout=timeout)


def stripe_gateway(timeout: float = 30.0) -> StripeGateway:
    key = os.environ.get("STRIPE_API_KEY")
    if not key:
        raise ValidationError.single("STRIPE_API_KEY", "is required for the stripe gateway")
    return StripeGateway(
        key,
        base_url=os.environ.get("STRIPE_API_BASE"),
        webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET"),
        timeout=timeout,
    )
