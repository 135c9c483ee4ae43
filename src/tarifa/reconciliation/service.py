"""Reconciliation (`tarifa.connect().reconciliation`): a bank-statement file imported,
each transaction stored once under its key and applied as a payment received when it names an
invoice, else left in the review queue; `match` applies a queued one by hand.

A statement's transactions are taken a batch at a time (:mod:`tarifa.reconciliation.batch`),
each batch one database transaction (the rows, the payments, their allocations, ledger entries
and an audit row), deciding exactly what taking them one by one decides; so a failure leaves
the batches before it applied and a re-import carries on where it stopped: a key already
stored is `already_imported`, and the payment's idempotency key is the transaction's, so it
pays once whatever happens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, ConnectionDatabase, Database
from tarifa.errors import ConflictError, NotFoundError, TarifaError, ValidationError
from tarifa.payments.direct_debit import return_debit, settle_booked_debit
from tarifa.payments.received import Payments
from tarifa.reconciliation.batch import BATCH_SIZE, NOT_FOUND, Item, Outcome, Raced, prepare, take
from tarifa.reconciliation.formats import parse_statement_file
from tarifa.reconciliation.matching import clues, fit
from tarifa.reconciliation.model import Entry, Statement, Transaction

_SQL = queries.load("reconciliation")
#: Times a batch is taken before another import storing the same bookings is a conflict.
_ATTEMPTS = 3

COUNTS = (
    "statements",
    "entries",
    "transactions",
    "matched",
    "partially_matched",
    "unmatched",
    "already_imported",
    "skipped",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """What an import did. matched + partially_matched + unmatched + already_imported ==
    transactions; `skipped` counts intraday reports and entries not read (see `problems`)."""

    statements: int
    entries: int
    transactions: int
    matched: int
    partially_matched: int
    unmatched: int
    already_imported: int
    skipped: int
    problems: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in COUNTS}


@dataclass(frozen=True, slots=True, kw_only=True)
class BankTransaction:
    id: int
    key: str
    account: str
    booking_date: dt.date
    direction: str
    reversal: bool
    amount: Decimal
    currency: str
    remittance: str
    payer_iban: str | None
    payer_name: str | None
    status: str
    reason: str
    invoice_id: int | None
    payment_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Found:
    invoice: dict[str, Any] | None
    #: How it was found, or why nothing was.
    reason: str


class Reconciliation:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def import_file(self, path: str | Path) -> ImportReport:
        """Read a camt.053/054 or MT940 file and apply what it holds (a ValidationError names
        what is wrong with a file that cannot be read at all)."""
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as err:
            raise ValidationError.single("file", f"cannot be read: {err.strerror}") from None
        parsed = parse_statement_file(data)
        digest = hashlib.sha256(data).hexdigest()
        outcomes: Counter[str] = Counter()
        for index, statement in enumerate(parsed.statements):
            statement_id = self._store_statement(statement, f"{digest}:{index}", file.name)
            pairs = [(e, t) for e in statement.entries for t in e.transactions]
            for start in range(0, len(pairs), BATCH_SIZE):
                items = prepare(statement, pairs[start : start + BATCH_SIZE])
                outcomes.update(self._take_batch(statement_id, items))
        report = ImportReport(
            statements=len(parsed.statements),
            entries=sum(len(s.entries) for s in parsed.statements) + parsed.skipped_entries,
            transactions=sum(outcomes.values()),
            matched=outcomes["matched"],
            partially_matched=outcomes["partially_matched"],
            unmatched=outcomes["unmatched"],
            already_imported=outcomes["already_imported"],
            skipped=parsed.skipped,
            problems=parsed.problems,
        )
        with self.db.transaction() as conn:
            # A bulk operation writes one audit row with its counts (DOMAIN.md).
            record(
                conn,
                actor=self.actor,
                action="reconciliation.imported",
                entity_type="bank_statement_file",
                entity_id=digest,
                data={"file": file.name, "format": parsed.format, **report.counts()},
            )
        return report

    def queue(self) -> list[BankTransaction]:
        """Transactions waiting for a person: no invoice found, ambiguous, debits, reversals."""
        with self.db.transaction() as conn:
            return [_load(r) for r in conn.execute(_SQL["queue"]).fetchall()]

    def match(self, transaction_id: int, invoice: str) -> BankTransaction:
        """Apply a queued credit to `invoice` (its number or RF reference) by hand. The same
        call again returns the same result; matching it to another invoice is refused."""
        with self.db.transaction() as conn:
            row: dict[str, Any] | None = conn.execute(
                _SQL["transaction_for_update"], {"id": transaction_id}
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no bank transaction {transaction_id}")
            target: dict[str, Any] | None = conn.execute(
                _SQL["by_invoice"], {"text": invoice.strip()}
            ).fetchone()
            if target is None:
                raise NotFoundError(f"no finalized invoice {invoice!r}")
            if row["status"] != "queued":
                if row["invoice_id"] == target["id"]:
                    return _load(row)
                raise ConflictError(
                    f"bank transaction {transaction_id} is already {row['status']}"
                    f" (invoice id {row['invoice_id']})"
                )
            if row["direction"] != "credit" or row["reversal"]:
                raise ValidationError.single(
                    "transaction", "only money received is applied to invoices"
                )
            if target["currency"] != row["currency"]:
                raise ValidationError.single(
                    "invoice", f"is in {target['currency']}, the transaction in {row['currency']}"
                )
            payment_id = self._pay(conn, row["key"], row, target)
            conn.execute(
                _SQL["apply"],
                {
                    "id": transaction_id,
                    "status": "matched_by_hand",
                    "reason": f"matched by hand to {target['number']}",
                    "invoice_id": target["id"],
                    "payment_id": payment_id,
                    "actor": self.actor,
                },
            )
            record(
                conn,
                actor=self.actor,
                action="reconciliation.matched",
                entity_type="bank_transaction",
                entity_id=transaction_id,
                data={"invoice_id": target["id"], "payment_id": payment_id},
            )
            updated = conn.execute(_SQL["transaction_for_update"], {"id": transaction_id})
            return _load(_present(updated.fetchone()))

    def _store_statement(self, statement: Statement, fingerprint: str, file_name: str) -> int:
        with self.db.transaction() as conn:
            row = queries.one(
                conn,
                _SQL["insert_statement"],
                {
                    "kind": statement.kind,
                    "identifier": statement.identifier,
                    "account": statement.account,
                    "fingerprint": fingerprint,
                    "entries": len(statement.entries),
                    "file_name": file_name,
                    "actor": self.actor,
                },
            )
            return int(row["id"])

    def _take_batch(self, statement_id: int, items: list[Item]) -> list[Outcome]:
        """One batch in one database transaction, taken again when another import stored
        some of its transactions meanwhile (they are then `already_imported`)."""
        for _ in range(_ATTEMPTS - 1):
            try:
                with self.db.transaction() as conn:
                    return take(conn, statement_id, items, actor=self.actor, one=self._take)
            except (Raced, psycopg.errors.DeadlockDetected):
                continue
        try:
            with self.db.transaction() as conn:
                return take(conn, statement_id, items, actor=self.actor, one=self._take)
        except Raced:
            raise ConflictError("another import keeps storing the same bookings") from None

    def _take(self, conn: Connection, claimed_id: int, taken: Item) -> Outcome:
        """Apply one claimed transaction in the caller's transaction, querying as it goes: the
        path of the transactions a batch cannot decide from its lookups (batch.py)."""
        entry, transaction, key = taken.entry, taken.transaction, taken.key
        if not taken.is_credit:
            return self._returned(conn, claimed_id, entry, transaction)
        found = _find(conn, transaction)
        invoice = found.invoice
        if invoice is None or invoice["currency"] != transaction.currency:
            reason = found.reason if invoice is None else "the invoice is in another currency"
            conn.execute(
                _SQL["apply"],
                {"id": claimed_id, "status": "queued", "reason": reason,
                 "invoice_id": None, "payment_id": None, "actor": self.actor},
            )  # fmt: skip
            return "unmatched"
        row = {"amount": transaction.amount, "booking_date": entry.booking_date,
               "remittance": taken.remittance}  # fmt: skip
        try:
            with conn.transaction():
                payment_id = self._pay(conn, key, row, invoice)
        except TarifaError as err:
            conn.execute(
                _SQL["apply"],
                {"id": claimed_id, "status": "queued", "reason": f"not applied: {err}",
                 "invoice_id": None, "payment_id": None, "actor": self.actor},
            )  # fmt: skip
            return "unmatched"
        exact = fit(transaction.amount, invoice["balance"]) == "exact"
        status: Outcome = "matched" if exact else "partially_matched"
        conn.execute(
            _SQL["apply"],
            {"id": claimed_id, "status": status, "reason": found.reason,
             "invoice_id": invoice["id"], "payment_id": payment_id, "actor": self.actor},
        )  # fmt: skip
        return status

    def _returned(
        self, conn: Connection, claimed_id: int, entry: Entry, transaction: Transaction
    ) -> Outcome:
        """A debit with a return reason that names an invoice with a direct debit of that
        amount: the debit comes back (its payment fails, or is returned and owed again);
        any other debit waits in the queue."""
        if not transaction.return_reason:
            return "unmatched"
        invoice = _find(conn, transaction).invoice
        if invoice is None:
            return "unmatched"
        payment_id = return_debit(
            conn,
            invoice_id=int(invoice["id"]),
            amount=transaction.amount,
            reason=transaction.return_reason,
            returned_on=entry.booking_date,
            actor=self.actor,
        )
        if payment_id is None:
            return "unmatched"
        conn.execute(
            _SQL["apply"],
            {"id": claimed_id, "status": "returned",
             "reason": f"direct debit returned ({transaction.return_reason})",
             "invoice_id": invoice["id"], "payment_id": payment_id, "actor": self.actor},
        )  # fmt: skip
        return "matched"

    def _pay(self, conn: Connection, key: str, row: dict[str, Any], invoice: dict[str, Any]) -> int:
        """A payment received for `invoice`'s account, naming it, in the caller's transaction;
        the transaction's key makes it the same payment if it was made before."""
        debit = settle_booked_debit(
            conn,
            invoice_id=int(invoice["id"]),
            amount=Decimal(row["amount"]),
            booked_on=row["booking_date"],
            actor=self.actor,
        )
        if debit is not None:
            return debit  # the direct debit tarifa exported, booked: its payment succeeds
        payments = Payments(ConnectionDatabase(conn), actor=self.actor)
        payment = payments.receive(
            int(invoice["account_id"]),
            Decimal(row["amount"]),
            invoice=str(invoice["number"]),
            reference=row["remittance"] or None,
            received_on=row["booking_date"],
            idempotency_key=key,
        )
        return payment.id


def _find(conn: Connection, transaction: Transaction) -> _Found:
    """The invoice a credit pays: by RF reference, else by invoice number, else by the payer's
    IBAN and the amount; each step decides only when it names exactly one invoice."""
    found = clues(transaction.structured_reference, transaction.remittance)
    steps: list[tuple[str, str, dict[str, Any]]] = []
    if found.creditor_references:
        steps.append(("creditor reference", "by_creditor_reference",
                      {"references": list(found.creditor_references)}))  # fmt: skip
    if found.invoice_numbers:
        steps.append(("invoice number", "by_number", {"numbers": list(found.invoice_numbers)}))
    if transaction.payer_iban:
        iban = transaction.payer_iban.replace(" ", "").upper()
        steps.append(("payer IBAN and amount", "by_payer",
                      {"iban": iban, "amount": transaction.amount,
                       "currency": transaction.currency}))  # fmt: skip
    for how, query, params in steps:
        rows: list[dict[str, Any]] = conn.execute(_SQL[query], params).fetchall()
        if len(rows) == 1:
            return _Found(invoice=rows[0], reason=f"by {how}")
        if len(rows) > 1:
            numbers = ", ".join(str(r["number"]) for r in rows)
            return _Found(invoice=None, reason=f"its {how} fits several invoices: {numbers}")
    return _Found(invoice=None, reason=NOT_FOUND)


def _present(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        raise NotFoundError("the bank transaction disappeared")
    return row


def _load(row: dict[str, Any]) -> BankTransaction:
    return BankTransaction(
        id=int(row["id"]),
        key=str(row["key"]),
        account=str(row["account"]),
        booking_date=row["booking_date"],
        direction=str(row["direction"]),
        reversal=bool(row["reversal"]),
        amount=Decimal(row["amount"]),
        currency=str(row["currency"]),
        remittance=str(row["remittance"]),
        payer_iban=row["payer_iban"],
        payer_name=row["payer_name"],
        status=str(row["status"]),
        reason=str(row["reason"]),
        invoice_id=row["invoice_id"],
        payment_id=row["payment_id"],
    )


__all__ = ["COUNTS", "BankTransaction", "ImportReport", "Reconciliation"]
