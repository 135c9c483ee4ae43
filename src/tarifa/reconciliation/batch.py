"""Reconciliation a batch of a statement's transactions at a time, in one database
transaction: what taking them one by one decides (docs/payments.md "Reconciliation"), in a
few statements for the whole batch.

1. The keys stored before are read at once: those transactions (and a key given twice in
   the file) are `already_imported`.
2. The others' clues (found in their texts beforehand, :func:`prepare`) are looked up at
   once: the invoices their RF references and invoice numbers name, the accounts that pay
   from their IBANs; the accounts concerned are locked (in id order) and their open invoices
   read into an :class:`OpenBook`.
3. They are decided in the file's order against the book, each payment spending what it
   allocates, so that a later transaction finds the invoices as the ones before it left them
   (an exact payment is one that settles what the invoice still owes at that point; a payer's
   IBAN and amount find only invoices still open for that amount).
4. The payments, allocations, credits and ledger entries are written at once, with one audit
   row for the payments; then the transactions, each stored once with its outcome.

The transactions are stored last, under their unique keys: an import of the same bookings
running at the same time may have stored some meanwhile (its insert commits first, ours
finds the keys taken), and then the whole batch is refused with :class:`Raced` and rolled
back, for the caller to take it again (those keys are then `already_imported`).

What a batch cannot decide from its lookups (a debit returned, a credit that books a direct
debit awaiting its booking, a key that already names a payment) is stored `queued` and
handed to the one-transaction path in its place in the order, after what came before it is
written; the book is read again after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.errors import ValidationError
from tarifa.payments.allocation import OpenBook
from tarifa.payments.batch import Planned, audit_batch, book, lock_accounts, open_book, plan
from tarifa.payments.payment import check_payment
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
    """A transaction of a statement with its key, its text as stored (card numbers removed)
    and, for a credit, the clues in it."""

    statement: Statement
    entry: Entry
    transaction: Transaction
    key: str
    remittance: str
    clues: Clues | None = None

    @property
    def is_credit(self) -> bool:
        """Money received: a credit that reverses nothing."""
        return self.transaction.direction == "credit" and not self.entry.reversal


def item(statement: Statement, entry: Entry, transaction: Transaction) -> Item:
    credit = transaction.direction == "credit" and not entry.reversal
    return Item(
        statement=statement,
        entry=entry,
        transaction=transaction,
        key=transaction_key(statement, entry, transaction),
        remittance=redact_card_numbers(transaction.remittance),
        clues=clues(transaction.structured_reference, transaction.remittance) if credit else None,
    )


def prepare(statement: Statement, pairs: Sequence[tuple[Entry, Transaction]]) -> list[Item]:
    """The items of a batch, with everything worked out that needs no database. (Preparing
    the next batch in a thread while the database writes this one was tried: it was slower,
    the thread holding the interpreter lock each time a query's answer came back.)"""
    return [item(statement, e, t) for e, t in pairs]


class Raced(Exception):
    """Another import stored some of the batch's transactions while it was taken: the batch
    is rolled back, to be taken again."""


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
    """Match, apply and store `items` (of one statement) in the caller's transaction; their
    outcomes in order. Raises Raced when another import stored some of them meanwhile."""
    stored = {
        str(r["key"])
        for r in queries.rows(conn, _SQL["known_keys"], {"keys": [t.key for t in items]})
    }
    fresh = []
    for taken in items:
        fresh.append(taken.key not in stored)
        stored.add(taken.key)
    batch = _Batch(
        conn, statement_id, actor, [t for t, new in zip(items, fresh, strict=True) if new]
    )
    outcomes: list[Outcome] = []
    for taken, new in zip(items, fresh, strict=True):
        if not new:
            outcomes.append("already_imported")
            continue
        outcome: Outcome | None
        if taken.is_credit:
            outcome = batch.credit(taken)
        elif taken.transaction.return_reason:
            outcome = None
        else:
            # A debit waits in the queue, unless it returns a direct debit.
            outcome = batch.keep(taken, "queued", queue_reason(taken.entry, taken.transaction))
        if outcome is None:
            batch.flush()
            outcome = one(conn, batch.claim(taken), taken)
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


class _Batch:
    """The lookups of a batch's credits, the state they are decided against, and what was
    decided and is not written yet."""

    def __init__(self, conn: Connection, statement_id: int, actor: str, fresh: list[Item]) -> None:
        self.conn = conn
        self.statement_id = statement_id
        self.actor = actor
        credits = [t for t in fresh if t.is_credit]
        self.clues: dict[str, Clues] = {
            t.key: t.clues or clues(t.transaction.structured_reference, t.transaction.remittance)
            for t in credits
        }
        # Each step is looked up only for the credits the steps before it leave undecided
        # (a step that names one invoice or several decides, whatever the balances).
        self.by_reference = _grouped(queries.rows(
            conn, _SQL["invoices_by_references"],
            {"references": sorted({r for c in self.clues.values() for r in c.creditor_references})},
        ), "creditor_reference")  # fmt: skip
        refs = self.by_reference
        rest = [t for t in credits if not _named(refs, self.clues[t.key].creditor_references)]
        self.by_number = _grouped(queries.rows(
            conn, _SQL["invoices_by_numbers"],
            {"numbers": sorted({n for t in rest for n in self.clues[t.key].invoice_numbers})},
        ), "compact")  # fmt: skip
        rest = [t for t in rest if not _named(self.by_number, self.clues[t.key].invoice_numbers)]
        self.payers: dict[str, set[int]] = {}
        ibans = sorted({_compact(t.transaction.payer_iban) for t in rest
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
        #: The transactions decided: (item, status, reason, invoice id, key of its payment).
        self.decided: list[tuple[Item, str, str, int | None, str | None]] = []
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

    def keep(self, taken: Item, status: str, reason: str, invoice_id: int | None = None,
             payment_key: str | None = None) -> Outcome:  # fmt: skip
        """Note what was decided for a transaction, to store it with the next flush."""
        self.decided.append((taken, status, reason, invoice_id, payment_key))
        return "unmatched" if status == "queued" else cast(Outcome, status)

    def claim(self, taken: Item) -> int:
        """Store a transaction `queued` now, for the one-transaction path; its id."""
        reason = queue_reason(taken.entry, taken.transaction)
        values = _stored(taken, self.statement_id, self.actor, "queued", reason)
        row = self.conn.execute(_SQL["claim"], values).fetchone()
        if row is None:
            raise Raced(taken.key)
        return int(str(row["id"]))

    def credit(self, taken: Item) -> Outcome | None:
        """Decide a credit; None when it is for the one-transaction path."""
        tx = taken.transaction
        found = self.find(taken)
        invoice = found.invoice
        if invoice is None or invoice["currency"] != tx.currency:
            reason = found.reason if invoice is None else "the invoice is in another currency"
            return self.keep(taken, "queued", reason)
        invoice_id, account_id = int(invoice["id"]), int(invoice["account_id"])
        if taken.key in self.paid_keys or self.pending[(invoice_id, tx.amount)]:
            return None
        currency = self.currency[account_id]
        try:
            check_payment(tx.amount, currency, taken.remittance or None, "bank_transfer")
        except ValidationError as err:
            return self.keep(taken, "queued", f"not applied: {err}")
        exact = fit(tx.amount, self.book.balance(invoice_id)) == "exact"
        self.planned.append(plan(self.book, Planned(
            account_id=account_id, currency=currency, amount=tx.amount, invoice_id=invoice_id,
            reference=taken.remittance or None, received_on=taken.entry.booking_date,
            kind="bank_transfer", key=taken.key,
        )))  # fmt: skip
        status = "matched" if exact else "partially_matched"
        return self.keep(taken, status, found.reason, invoice_id, taken.key)

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
        """Write what was decided so far: the payments, then the transactions with their
        outcomes (Raced when another import stored one of them meanwhile)."""
        ids = book(self.conn, self.planned, actor=self.actor)
        if self.planned:
            audit_batch(self.conn, actor=self.actor, asked=len(self.planned),
                        planned=self.planned, ids=ids)  # fmt: skip
        payment_of = {p.key: i for p, i in zip(self.planned, ids, strict=True)}
        if self.decided:
            rows = [
                _stored(t, self.statement_id, self.actor, status, reason) | {
                    "invoice_id": invoice_id,
                    "payment_id": payment_of[key] if key else None,
                }
                for t, status, reason, invoice_id, key in self.decided
            ]  # fmt: skip
            stored = queries.rows(
                self.conn, _SQL["store_many"],
                {"statement_id": self.statement_id, "actor": self.actor}
                | {column: [r[column] for r in rows] for column in _STORED},
            )  # fmt: skip
            if len(stored) != len(rows):
                raise Raced(f"{len(rows) - len(stored)} of the batch's transactions")
        self.planned, self.decided = [], []


_STORED = (
    "key", "entry_position", "position", "booking_date", "direction", "reversal", "amount",
    "currency", "bank_reference", "structured_reference", "remittance", "payer_iban",
    "payer_name", "status", "reason", "invoice_id", "payment_id",
)  # fmt: skip


def _stored(taken: Item, statement_id: int, actor: str, status: str, reason: str) -> dict[str, Any]:
    """The row a transaction is stored as."""
    entry, tx = taken.entry, taken.transaction
    return {
        "key": taken.key,
        "statement_id": statement_id,
        "entry_position": entry.position,
        "position": tx.position,
        "booking_date": entry.booking_date,
        "direction": tx.direction,
        "reversal": entry.reversal,
        "amount": tx.amount,
        "currency": tx.currency,
        "bank_reference": tx.bank_reference or entry.bank_reference,
        "structured_reference": redacted(tx.structured_reference),
        "remittance": taken.remittance,
        "payer_iban": tx.payer_iban,
        "payer_name": redacted(tx.payer_name),
        "status": status,
        "reason": reason,
        "actor": actor,
    }


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


__all__ = [
    "BATCH_SIZE", "NOT_FOUND", "Found", "Item", "Outcome", "Raced", "item", "prepare",
    "queue_reason", "take",
]  # fmt: skip
