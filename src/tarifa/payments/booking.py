"""Booking money received: allocations to invoices, the rest as customer credit, and their
ledger entries (the database edge of :mod:`tarifa.payments.allocation`)."""

from __future__ import annotations

from decimal import Decimal

from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.ledger import post
from tarifa.payments.allocation import allocate
from tarifa.payments.batch import open_book

_SQL = queries.load("payments")


def spread(
    conn: Connection,
    payment_id: int,
    account_id: int,
    currency: str,
    amount: Decimal,
    named: int | None,
    *,
    reference: str | None,
    actor: str,
) -> None:
    """Allocate a succeeded payment to the account's open invoices and keep the rest as
    customer credit, with their ledger entries, in the caller's transaction (the caller holds
    the account's lock)."""
    # The account's open invoices through invoice_balances_of (a join to the view would
    # group every allocation in the database for each payment).
    open_invoices = open_book(conn, [account_id]).open_of(account_id, currency)
    made, left = allocate(amount, open_invoices, named=named)
    for allocation in made:
        conn.execute(
            _SQL["insert_allocation"],
            {
                "invoice_id": allocation.invoice_id,
                "amount": allocation.amount,
                "reference": reference,
                "actor": actor,
                "payment_id": payment_id,
            },
        )
    post(conn, [a.invoice_id for a in made], actor=actor)
    if left > 0:
        conn.execute(
            _SQL["insert_credit"],
            {
                "account_id": account_id,
                "currency": currency,
                "amount": left,
                "payment_id": payment_id,
                "reference": reference,
                "actor": actor,
            },
        )
        conn.execute(_SQL["post_credit"], {"payment_id": payment_id, "actor": actor})


__all__ = ["spread"]
