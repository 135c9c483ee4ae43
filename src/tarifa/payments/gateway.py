"""What tarifa asks of a payment gateway (DOMAIN.md "Payments"): charge a token with an
idempotency key, and tell what became of a charge made with a key. A charge whose answer
never came is `unknown` until the gateway is asked (never charged again blindly)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    #: No answer (a timeout, a broken connection): the charge may or may not have happened.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeResult:
    status: ChargeStatus
    reference: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None


class PaymentGateway(Protocol):
    name: str

    def charge(
        self, *, amount: Decimal, currency: str, token: str, idempotency_key: str
    ) -> ChargeResult:
        """Charge `token`; the same key again returns the first charge's result."""
        ...

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        """What became of the charge made with `idempotency_key`; None when the gateway never
        received it."""
        ...

    def refund(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ChargeResult:
        """Give back `amount` of the charge `reference`; the same key again is the same
        refund."""
        ...


__all__ = ["ChargeResult", "ChargeStatus", "PaymentGateway"]
