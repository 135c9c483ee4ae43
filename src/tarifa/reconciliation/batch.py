"""Reconciliation a batch of a statement's transactions at a time, in one database
transaction: what taking them one by one decides (docs/payments.md "Reconciliation"), in a
few statements for the whole batch.

1. The batch's transactions are claimed at once (stored `queued` under their keys; a key
   stored before, or twice in the file, is `already_imported`).
2. Their clues are looked up at once: the invoices their RF references and invoice numbers
   name, the accounts that pay from their IBANs; the accounts concerned are locked (in id
   order) and their open invoices read into an :class:`OpenBook`.
3. They are decided in the file's order against the book, each payment spending what it
   allocates, so that a later transaction finds the invoices as the ones before it left them
   (an exact payment is one that settles what the invoice still owes at that point; a payer's
   IBAN and amount find only invoices still open for that amount).
4. The payments, allocations, credits, ledger entries and the transactions' outcomes are
   written at once, with one audit row for the payments.

What a batch cannot decide from its lookups (a debit returned, a credit that books a direct
debit awaiting its booking, a key that already names a payment) is handed to the
one-transaction path in its place in the order, after what came before it is written; the
book is read again after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.errors import ValidationError
from tarifa.payments.allocation import OpenBook
from tarifa.payments.batch import Planned, audit_batch, book, lock_accounts, open_book, plan
from tarifa.payments.received import check_payment
from tarifa.reconciliation.matching import Clues, clues, fit, redact_card_numbers
from tarifa.reconciliation.model import Entry, Statement, Transaction, transaction_key

_SQL = queries.load("reconciliation")
_PAYMENTS = queries.load("payments")

#: Transactions per database transaction: large enough that the per-statement costs vanish,
#: small enough that a batch's locks and memory stay modest.
BATCH_SIZE = 2_000

Outcome = Literal["matched", "partially_matched", "unmatched", "already_imported"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """A transaction of a statement with its key and its text as stored (card numbers
    removed)."""

    statement: Statement
    entry: Entry
    transaction: Transaction
    key: str
    remittance: str

    @property
    def is_credit(self) -> bool:
        """Money received: a credit that reverses nothing."""
        return self.transaction.direction == "credit" and not self.entry.reversal


def item(statement: Statement, entry: Entry, transaction: Transaction) -> Item:
    return Item(
        statement=statement,
        entry=entry,
        transaction=transaction,
        key=transaction_key(statement, entry, transaction),
        remittance=redact_card_numbers(transaction.remittance),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    invoice: dict[str, Any] | None
    #: How it was found, or why nothing was.
    reason: str


NOT_FOUND = "no invoice found by reference, number or payer"

#: The one-transaction path: applies a claimed transaction (its id) in the caller's transaction.
OneByOne = Callable[[Connection, int, Item], Outcome]


def take(
    conn: Connection, statement_id: int, items: Sequence[Item], *, actor: str, one: OneByOne
) -> list[Outcome]:
    """Claim, match and apply `items` (of one statement) in the caller's transaction; their
    outcomes in order."""
    claimed = _claim(conn, statement_id, items, actor)
    batch = _Batch(conn, actor, [t for i, t in zip(claimed, items, strict=True) if i is not None])
    outcomes: list[Outcome] = []
    for claimed_id, taken in zip(claimed, items, strict=True):
        if claimed_id is None:
            outcomes.append("already_imported")
            continue
        outcome: Outcome | None
        if taken.is_credit:
            outcome = batch.credit(claimed_id, taken)
        else:
            # A debit waits in the queue as claimed, unless it returns a direct debit.
            outcome = None if taken.transaction.return_reason else "unmatched"
        if outcome is None:
            batch.flush()
            outcome = one(conn, claimed_id, taken)
            batch.read()
        outcomes.append(outcome)
    batch.flush()
    return outcomes


def queue_reason(entry: Entry, transaction: Transaction) -> str:
    """Why a transaction waits in the queue when it is stored (before it is matched)."""
    if entry.reversal:
        return "a reversal of an earlier booking: for review"
    if transaction.direction == "debit":
        return "a debit: money paid out is kept for review, not applied"
    return "not matched yet"


def redacted(text: str | None) -> str | None:
    return redact_card_numbers(text) if text else text


def _claim(
    conn: Connection, statement_id: int, items: Sequence[Item], actor: str
) -> list[int | None]:
    """Each item's new row id, or None when its key was stored before (or earlier in the
    batch)."""
    txs = [(t.entry, t.transaction) for t in items]
    rows = queries.rows(
        conn,
        _SQL["claim_many"],
        {
            "statement_id": statement_id,
            "actor": actor,
            "keys": [t.key for t in items],
            "entry_positions": [e.position for e, _ in txs],
            "positions": [x.position for _, x in txs],
            "booking_dates": [e.booking_date for e, _ in txs],
            "directions": [x.direction for _, x in txs],
            "reversals": [e.reversal for e, _ in txs],
            "amounts": [x.amount for _, x in txs],
            "currencies": [x.currency for _, x in txs],
            "bank_references": [x.bank_reference or e.bank_reference for e, x in txs],
            "structured_references": [redacted(x.structured_reference) for _, x in txs],
            "remittances": [t.remittance for t in items],
            "payer_ibans": [x.payer_iban for _, x in txs],
            "payer_names": [redacted(x.payer_name) for _, x in txs],
            "reasons": [queue_reason(e, x) for e, x in txs],
        },
    )
    stored = {str(r["key"]): int(r["id"]) for r in rows}
    return [stored.pop(t.key, None) for t in items]


class _Batch:
    """The lookups of a batch's credits and the state they are decided against."""

    def __init__(self, conn: Connection, actor: str, claimed: list[Item]) -> None:
        self.conn = conn
        self.actor = actor
        credits = [t for t in claimed if t.is_credit]
        self.clues: dict[str, Clues] = {
            t.key: clues(t.transaction.structured_reference, t.transaction.remittance)
            for t in credits
        }
        self.by_reference = _grouped(queries.rows(
            conn, _SQL["invoices_by_references"],
            {"references": sorted({r for c in self.clues.values() for r in c.creditor_references})},
        ), "creditor_reference")  # fmt: skip
        self.by_number = _grouped(queries.rows(
            conn, _SQL["invoices_by_numbers"],
            {"numbers": sorted({n for c in self.clues.values() for n in c.invoice_numbers})},
        ), "compact")  # fmt: skip
        self.payers: dict[str, set[int]] = {}
        ibans = sorted({_compact(t.transaction.payer_iban) for t in credits
                        if t.transaction.payer_iban})  # fmt: skip
        for r in queries.rows(conn, _SQL["payers"], {"ibans": ibans}):
            self.payers.setdefault(str(r["iban"]), set()).add(int(r["account_id"]))
        named = [
            r for rows in (*self.by_reference.values(), *self.by_number.values()) for r in rows
        ]
        self.named_ids = sorted({int(r["id"]) for r in named})
        self.accounts = sorted(
            {int(r["account_id"]) for r in named} | {a for s in self.payers.values() for a in s}
        )
        lock_accounts(conn, self.accounts)
        self.currency = {
            int(r["id"]): str(r["currency"])
            for r in queries.rows(
                conn, _PAYMENTS["accounts_named"], {"ids": self.accounts, "external_ids": []}
            )
        }
        self.planned: list[Planned] = []
        #: (transaction id, status, reason, invoice id, key of its payment) to write.
        self.outcomes: list[tuple[int, str, str, int | None, str | None]] = []
        self.keys = [t.key for t in credits]
        self.read()

    def read(self) -> None:
        """The state a decision depends on, as the database has it now."""
        self.book: OpenBook = open_book(self.conn, self.accounts)
        self.pending = Counter(
            (int(r["invoice_id"]), Decimal(r["amount"]))
            for r in queries.rows(
                self.conn,
                _SQL["pending_debits"],
                {"invoice_ids": sorted({*self.named_ids, *self.book.invoice_ids()})},
            )
        )
        self.paid_keys = {
            str(r["idempotency_key"])
            for r in queries.rows(self.conn, _PAYMENTS["by_keys"], {"keys": self.keys})
        }

    def credit(self, claimed_id: int, taken: Item) -> Outcome | None:
        """Decide a credit; None when it is for the one-transaction path."""
        tx = taken.transaction
        found = self.find(taken)
        invoice = found.invoice
        if invoice is None or invoice["currency"] != tx.currency:
            reason = found.reason if invoice is None else "the invoice is in another currency"
            self.outcomes.append((claimed_id, "queued", reason, None, None))
            return "unmatched"
        invoice_id, account_id = int(invoice["id"]), int(invoice["account_id"])
        if taken.key in self.paid_keys or self.pending[(invoice_id, tx.amount)]:
            return None
        currency = self.currency[account_id]
        try:
            check_payment(tx.amount, currency, taken.remittance or None, "bank_transfer")
        except ValidationError as err:
            self.outcomes.append((claimed_id, "queued", f"not applied: {err}", None, None))
            return "unmatched"
        exact = fit(tx.amount, self.book.balance(invoice_id)) == "exact"
        self.planned.append(plan(self.book, Planned(
            account_id=account_id, currency=currency, amount=tx.amount, invoice_id=invoice_id,
            reference=taken.remittance or None, received_on=taken.entry.booking_date,
            kind="bank_transfer", key=taken.key,
        )))  # fmt: skip
        status: Outcome = "matched" if exact else "partially_matched"
        self.outcomes.append((claimed_id, status, found.reason, invoice_id, taken.key))
        return status

    def find(self, taken: Item) -> Found:
        """The steps of `Reconciliation`'s search, on the batch's lookups and the book."""
        found = self.clues[taken.key]
        tx = taken.transaction
        steps: list[tuple[str, Callable[[], list[dict[str, Any]]]]] = []
        if found.creditor_references:
            refs = found.creditor_references
            steps.append(("creditor reference", lambda: _named(self.by_reference, refs)))
        if found.invoice_numbers:
            numbers = found.invoice_numbers
            steps.append(("invoice number", lambda: _named(self.by_number, numbers)))
        if tx.payer_iban:
            steps.append(("payer IBAN and amount", lambda: self._by_payer(tx)))
        for how, look in steps:
            rows = look()
            if len(rows) == 1:
                return Found(invoice=rows[0], reason=f"by {how}")
            if len(rows) > 1:
                numbers_found = ", ".join(str(r["number"]) for r in rows)
                return Found(
                    invoice=None, reason=f"its {how} fits several invoices: {numbers_found}"
                )
        return Found(invoice=None, reason=NOT_FOUND)

    def _by_payer(self, tx: Transaction) -> list[dict[str, Any]]:
        """The invoices still open for exactly this amount, in its currency, of the accounts
        that pay from the transaction's IBAN."""
        accounts = sorted(self.payers.get(_compact(tx.payer_iban or ""), ()))
        return sorted(
            (
                {"id": i.id, "number": i.number, "account_id": a, "currency": tx.currency}
                for a in accounts
                for i in self.book.open_of(a, tx.currency)
                if i.balance == tx.amount
            ),
            key=lambda r: int(r["id"]),
        )

    def flush(self) -> None:
        """Write what was decided so far: the payments, then the transactions' outcomes."""
        ids = book(self.conn, self.planned, actor=self.actor)
        if self.planned:
            audit_batch(self.conn, actor=self.actor, asked=len(self.planned),
                        planned=self.planned, ids=ids)  # fmt: skip
        payment_of = {p.key: i for p, i in zip(self.planned, ids, strict=True)}
        if self.outcomes:
            self.conn.execute(
                _SQL["apply_many"],
                {
                    "actor": self.actor,
                    "ids": [o[0] for o in self.outcomes],
                    "statuses": [o[1] for o in self.outcomes],
                    "reasons": [o[2] for o in self.outcomes],
                    "invoice_ids": [o[3] for o in self.outcomes],
                    "payment_ids": [payment_of[o[4]] if o[4] else None for o in self.outcomes],
                },
            )
        self.planned, self.outcomes = [], []


def _grouped(rows: list[dict[str, Any]], column: str) -> dict[str, list[dict[str, Any]]]:
    by: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by.setdefault(str(r[column]), []).append(r)
    return by


def _named(by: dict[str, list[dict[str, Any]]], clues_: Sequence[str]) -> list[dict[str, Any]]:
    """The distinct invoices named by any of the clues, in id order (as the query of one
    transaction returns them)."""
    found = {int(r["id"]): r for c in clues_ for r in by.get(c, ())}
    return [found[i] for i in sorted(found)]


def _compact(iban: str | None) -> str:
    return (iban or "").replace(" ", "").upper()


__all__ = ["BATCH_SIZE", "NOT_FOUND", "Found", "Item", "Outcome", "item", "queue_reason", "take"]
