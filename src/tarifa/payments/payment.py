"""A payment as tarifa hands it out, what a payment received must satisfy, and reading stored
payments back with what they paid (shared by `Payments.receive` and `receive_many`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.errors import ValidationError
from tarifa.money import Money
from tarifa.payments.cards import contains_card_number
from tarifa.payments.methods import CARD_NUMBER_REASON

_SQL = queries.load("payments")


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment:
    id: int
    account_id: int
    kind: str
    amount: Decimal
    currency: str
    status: str
    idempotency_key: str
    invoice_id: int | None
    reference: str | None
    received_on: dt.date | None
    #: (invoice id, amount) it paid, and what it left as customer credit.
    allocations: tuple[tuple[int, Decimal], ...] = ()
    credit: Decimal = Decimal(0)


def check_payment(amount: Decimal, currency: str, reference: str | None, kind: str) -> None:
    """What a payment received must be (ValidationError): an amount positive and in the
    currency's minor units, a reference holding no card number, a known kind."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ValidationError.single("amount", "must be a positive Decimal")
    if amount != Money.of(amount, currency).rounded().amount:
        raise ValidationError.single("amount", f"must be in whole {currency} minor units")
    if reference is not None and contains_card_number(reference):
        raise ValidationError.single("reference", CARD_NUMBER_REASON)
    if kind not in ("card", "sepa_debit", "bank_transfer"):
        raise ValidationError.single("kind", "must be card, sepa_debit or bank_transfer")


def load_payments(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Payment]:
    """Stored payments (their rows) with what they paid, in two statements for them all."""
    ids = [int(str(r["id"])) for r in rows]
    if not ids:
        return []
    paid: dict[int, list[tuple[int, Decimal]]] = {}
    for a in queries.rows(conn, _SQL["allocations_of_many"], {"payment_ids": ids}):
        paid.setdefault(int(a["payment_id"]), []).append((int(a["invoice_id"]), a["amount"]))
    credit = {
        int(c["payment_id"]): c["amount"]
        for c in queries.rows(conn, _SQL["credits_of_many"], {"payment_ids": ids})
    }
    return [
        Payment(
            id=i,
            account_id=int(str(r["account_id"])),
            kind=str(r["kind"]),
            amount=r["amount"],
            currency=str(r["currency"]),
            status=str(r["status"]),
            idempotency_key=str(r["idempotency_key"]),
            invoice_id=r["invoice_id"],
            reference=r["reference"],
            received_on=r["received_on"],
            allocations=tuple(paid.get(i, ())),
            credit=credit.get(i, Decimal(0)),
        )
        for i, r in zip(ids, rows, strict=True)
    ]


__all__ = ["Payment", "check_payment", "load_payments"]
