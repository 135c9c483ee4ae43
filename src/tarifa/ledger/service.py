"""The ledger service (`tarifa.connect().ledger`): what customers owe, the trial balance and
the accounts-receivable aging, read from the journal (never from the invoices).

Postings are made by :func:`post` (the stored procedure ``ledger_post``) in the transaction
that finalizes an invoice, issues a credit note or allocates money: balances are sums of
journal lines, kept nowhere else, so nothing can drift from the entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, Database

_SQL = queries.load("ledger")
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Balance:
    """A customer's position in one currency: `receivable` what its invoices still ask for,
    `credit` what tarifa holds for it, `owed` the difference (negative: tarifa owes)."""

    currency: str
    receivable: Decimal
    credit: Decimal

    @property
    def owed(self) -> Decimal:
        return self.receivable - self.credit


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialBalanceRow:
    kind: str
    subject: str
    currency: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True, slots=True, kw_only=True)
class AgingRow:
    account_id: int
    external_id: str
    currency: str
    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_over_90: Decimal
    total: Decimal


def post(conn: Connection, invoice_ids: Sequence[int], *, actor: str) -> int:
    """Post what these invoices have not posted yet (the invoice, its credit notes, its
    allocations), in the caller's transaction; returns the entries made."""
    if not invoice_ids:
        return 0
    row = queries.one(conn, _SQL["post"], {"ids": list(invoice_ids), "actor": actor})
    return int(str(row["posted"]))


class Ledger:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def balance(self, customer: int | str) -> list[Balance]:
        """The customer's balance per currency it has accounts in."""
        found = Customers(self.db, actor=self.actor).account(customer)
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(
                _SQL["customer_balances"], {"customer_id": found.id}
            ).fetchall()
        by_currency: dict[str, dict[str, Decimal]] = {}
        for r in rows:
            by_currency.setdefault(str(r["currency"]), {})[str(r["kind"])] = r["balance"]
        return [
            Balance(
                currency=currency,
                receivable=kinds.get("receivable", _ZERO),
                # A credit account's balance is on the credit side.
                credit=-kinds.get("customer_credit", _ZERO),
            )
            for currency, kinds in sorted(by_currency.items())
        ]

    def trial_balance(self) -> list[TrialBalanceRow]:
        """Every account's debits and credits; per currency they add up to the same."""
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(_SQL["trial_balance"]).fetchall()
        return [
            TrialBalanceRow(
                kind=str(r["kind"]),
                subject=str(r["subject"]),
                currency=str(r["currency"]),
                debit=r["debit"],
                credit=r["credit"],
            )
            for r in rows
        ]

    def aging(self, as_of: dt.date) -> list[AgingRow]:
        """What customers owe on `as_of`, by days past the invoices' due dates."""
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(_SQL["aging"], {"as_of": as_of}).fetchall()
        return [
            AgingRow(
                account_id=int(r["account_id"]),
                external_id=str(r["external_id"]),
                currency=str(r["currency"]),
                current=r["current"] or _ZERO,
                days_1_30=r["days_1_30"] or _ZERO,
                days_31_60=r["days_31_60"] or _ZERO,
                days_61_90=r["days_61_90"] or _ZERO,
                days_over_90=r["days_over_90"] or _ZERO,
                total=r["total"],
            )
            for r in rows
        ]


__all__ = ["AgingRow", "Balance", "Ledger", "TrialBalanceRow", "post"]
