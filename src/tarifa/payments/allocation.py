"""How a payment is spread over an account's invoices (DOMAIN.md "Payments": to the invoice
named, else to the oldest open invoices; anything left becomes customer credit). Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenInvoice:
    id: int
    due_date: dt.date
    balance: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    invoice_id: int
    amount: Decimal


def allocate(
    amount: Decimal, open_invoices: Sequence[OpenInvoice], *, named: int | None = None
) -> tuple[list[Allocation], Decimal]:
    """(allocations, what is left): the named invoice first, up to its balance, then the
    others by due date (then id), each up to its balance, while money is left."""
    order = sorted(open_invoices, key=lambda i: (i.id != named, i.due_date, i.id))
    left = amount
    made = []
    for invoice in order:
        if left <= 0:
            break
        part = min(left, invoice.balance)
        if part > 0:
            made.append(Allocation(invoice_id=invoice.id, amount=part))
            left -= part
    return made, left


__all__ = ["Allocation", "OpenInvoice", "allocate"]
