"""Booking a batch of payments received in a few statements (the database edge of
:class:`tarifa.payments.allocation.OpenBook`): `Payments.receive_many` and reconciliation
plan each payment in order against the open invoices as the ones before it left them, then
write them all at once: the payments, their allocations, their credits and the ledger entries
of both, in the caller's transaction. The rows and entries are the ones booking the payments
one by one would make (tests/integration/test_payments_batch.py compares them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.errors import DatabaseError
from tarifa.ledger import post
from tarifa.payments.allocation import Allocation, OpenBook, OpenInvoice

_SQL = queries.load("payments")


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentIn:
    """A payment to book with `Payments.receive_many`: `Payments.receive`'s arguments."""

    account: int | str
    amount: Decimal
    invoice: str | None = None
    reference: str | None = None
    received_on: dt.date | None = None
    kind: str = "bank_transfer"
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Planned:
    """A payment to store, spread already: what it allocates and what it leaves as credit."""

    account_id: int
    currency: str
    amount: Decimal
    #: The invoice the payer named, if any.
    invoice_id: int | None
    reference: str | None
    received_on: dt.date
    kind: str
    key: str
    allocations: tuple[Allocation, ...] = ()
    credit: Decimal = Decimal(0)


def lock_accounts(conn: Connection, account_ids: Iterable[int]) -> None:
    """Lock the accounts (in id order) as `receive` locks its one: no other payment of theirs
    is spread meanwhile."""
    conn.execute(_SQL["lock_accounts"], {"ids": sorted(set(account_ids))})


def open_book(conn: Connection, account_ids: Iterable[int]) -> OpenBook:
    """The accounts' open invoices (in every currency), with what each still owes."""
    invoices = queries.rows(
        conn, _SQL["invoices_of_accounts"], {"account_ids": sorted(set(account_ids))}
    )
    rows = queries.rows(
        conn, _SQL["open_invoices_of"], {"invoice_ids": [int(r["id"]) for r in invoices]}
    )
    return OpenBook(
        (
            int(r["account_id"]),
            str(r["currency"]),
            OpenInvoice(
                id=int(r["id"]),
                due_date=r["due_date"],
                balance=Decimal(r["balance"]),
                number=str(r["number"]),
            ),
        )
        for r in rows
    )


def plan(book: OpenBook, payment: Planned) -> Planned:
    """`payment` spread over its account's invoices as `book` has them (which then owe less):
    the named invoice first, then the oldest; the rest is credit."""
    made, left = book.spend(
        payment.account_id, payment.currency, payment.amount, named=payment.invoice_id
    )
    # No credit is zero as the database sums it (0, not 0.00), as `receive` reports it.
    return replace(payment, allocations=tuple(made), credit=left if left > 0 else Decimal(0))


def book(conn: Connection, planned: Sequence[Planned], *, actor: str) -> list[int]:
    """Store the planned payments (succeeded), their allocations and credits, and post them
    to the ledger; returns the new payments' ids in the order given."""
    if not planned:
        return []
    rows = queries.rows(
        conn,
        _SQL["insert_many"],
        {
            "account_ids": [p.account_id for p in planned],
            "kinds": [p.kind for p in planned],
            "amounts": [p.amount for p in planned],
            "currencies": [p.currency for p in planned],
            "keys": [p.key for p in planned],
            "invoice_ids": [p.invoice_id for p in planned],
            "references": [p.reference for p in planned],
            "received_on": [p.received_on for p in planned],
            "actor": actor,
        },
    )
    by_key = {str(r["idempotency_key"]): int(r["id"]) for r in rows}
    if len(by_key) != len(planned):
        raise DatabaseError("a batch of payments holds an idempotency key twice")
    ids = [by_key[p.key] for p in planned]
    allocated = [(i, p, a) for i, p in zip(ids, planned, strict=True) for a in p.allocations]
    if allocated:
        conn.execute(
            _SQL["insert_allocations"],
            {
                "invoice_ids": [a.invoice_id for _, _, a in allocated],
                "amounts": [a.amount for _, _, a in allocated],
                "references": [p.reference for _, p, _ in allocated],
                "payment_ids": [i for i, _, _ in allocated],
                "actor": actor,
            },
        )
        post(conn, sorted({a.invoice_id for _, _, a in allocated}), actor=actor)
    credited = [(i, p) for i, p in zip(ids, planned, strict=True) if p.credit > 0]
    if credited:
        conn.execute(
            _SQL["insert_credits"],
            {
                "account_ids": [p.account_id for _, p in credited],
                "currencies": [p.currency for _, p in credited],
                "amounts": [p.credit for _, p in credited],
                "payment_ids": [i for i, _ in credited],
                "references": [p.reference for _, p in credited],
                "actor": actor,
            },
        )
        conn.execute(
            _SQL["post_credits"], {"payment_ids": [i for i, _ in credited], "actor": actor}
        )
    return ids


def audit_batch(
    conn: Connection, *, actor: str, asked: int, planned: Sequence[Planned], ids: Sequence[int]
) -> None:
    """One audit row for a batch of payments (DOMAIN.md: a bulk operation writes one row with
    its counts and the ids it touched): how many were asked for, how many are new, what they
    brought in and left as credit, the new payments' ids."""
    record(
        conn,
        actor=actor,
        action="payments.received",
        entity_type="payment_batch",
        entity_id=None,
        data={
            "payments": asked,
            "new": len(planned),
            "amount": sum((p.amount for p in planned), Decimal(0)),
            "credit": sum((p.credit for p in planned), Decimal(0)),
            "payment_ids": list(ids),
        },
    )


__all__ = ["PaymentIn", "Planned", "audit_batch", "book", "lock_accounts", "open_book", "plan"]
