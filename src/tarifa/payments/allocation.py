"""How a payment is spread over an account's invoices (DOMAIN.md "Payments": to the invoice
named, else to the oldest open invoices; anything left becomes customer credit). Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenInvoice:
    id: int
    due_date: dt.date
    balance: Decimal
    number: str | None = None


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


class OpenBook:
    """The open invoices of some accounts while a batch of payments is planned: each payment
    spends what it allocates, so the next one of the same account finds only what is left,
    exactly as if they were booked one after the other (`Payments.receive_many`,
    reconciliation)."""

    def __init__(self, invoices: Iterable[tuple[int, str, OpenInvoice]]) -> None:
        #: (account, currency) -> its open invoices; invoice id -> (account, currency).
        self._open: dict[tuple[int, str], list[OpenInvoice]] = {}
        self._owner: dict[int, tuple[int, str]] = {}
        for account_id, currency, invoice in invoices:
            self._open.setdefault((account_id, currency), []).append(invoice)
            self._owner[invoice.id] = (account_id, currency)

    def balance(self, invoice_id: int) -> Decimal:
        """What the invoice still owes now (zero when paid, or not open in this book)."""
        owner = self._owner.get(invoice_id)
        for invoice in self._open.get(owner, ()) if owner else ():
            if invoice.id == invoice_id:
                return invoice.balance
        return Decimal(0)

    def invoice_ids(self) -> tuple[int, ...]:
        """Every invoice the book was opened with."""
        return tuple(self._owner)

    def open_of(self, account_id: int, currency: str) -> tuple[OpenInvoice, ...]:
        """The account's invoices in `currency` with something left to pay."""
        return tuple(self._open.get((account_id, currency), ()))

    def spend(
        self, account_id: int, currency: str, amount: Decimal, *, named: int | None = None
    ) -> tuple[list[Allocation], Decimal]:
        """:func:`allocate` over the account's invoices as they stand, which then owe less."""
        key = (account_id, currency)
        invoices = self._open.get(key, [])
        made, left = allocate(amount, invoices, named=named)
        if made:
            paid = {a.invoice_id: a.amount for a in made}
            self._open[key] = [
                replace(i, balance=i.balance - paid.get(i.id, Decimal(0)))
                for i in invoices
                if i.balance - paid.get(i.id, Decimal(0)) > 0
            ]
        return made, left


__all__ = ["Allocation", "OpenBook", "OpenInvoice", "allocate"]
