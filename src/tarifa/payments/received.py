"""Payments received (`tarifa.connect().payments`): money from a customer, booked by hand or
from a bank statement, spread over its invoices (:mod:`tarifa.payments.allocation`): the
invoice the payer named (its number or RF reference), else the oldest open ones; what is left
becomes customer credit, used by the next invoices. One transaction: the payment, its
allocations, its credit, their ledger entries and an audit row.

A payment carries an idempotency key: the same key again returns the same payment (and
refuses a different one), so a retried request or a statement imported twice pays once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tarifa.audit import record
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import ConflictError, FieldError, NotFoundError, ValidationError
from tarifa.money import Money
from tarifa.payments.batch import PaymentIn, Planned, audit_batch, lock_accounts, open_book, plan
from tarifa.payments.batch import book as book_planned
from tarifa.payments.booking import spread
from tarifa.payments.cards import contains_card_number
from tarifa.payments.collection import CollectionReport, collect, resolve
from tarifa.payments.direct_debit import (
    DirectDebitExport,
    StatusReportResult,
    apply_status_report,
    export_direct_debits,
)
from tarifa.payments.disputes import Dispute, apply_stripe_event, close_dispute, open_dispute
from tarifa.payments.dunning import DunningReport, run_dunning
from tarifa.payments.gateway import PaymentGateway
from tarifa.payments.methods import CARD_NUMBER_REASON
from tarifa.payments.payment_file import read_payment_file

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


class Payments:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def receive(
        self,
        account: int | str,
        amount: Decimal,
        *,
        invoice: str | None = None,
        reference: str | None = None,
        received_on: dt.date | None = None,
        kind: str = "bank_transfer",
        idempotency_key: str | None = None,
    ) -> Payment:
        """Book money received from `account` (in its currency) and spread it."""
        customer = Customers(self.db, actor=self.actor).account(account)
        check_payment(amount, customer.currency, reference, kind)
        key = idempotency_key or f"received:{uuid.uuid4()}"
        with self.db.transaction() as conn:
            conn.execute(_SQL["lock_account"], {"account_id": customer.id})
            existing = conn.execute(_SQL["by_key"], {"key": key}).fetchone()
            named = _named(conn, customer.id, invoice) if invoice else None
            if existing is not None:
                same = (existing["account_id"], existing["amount"], existing["invoice_id"]) == (
                    customer.id,
                    amount,
                    named,
                )
                if not same:
                    raise ConflictError(f"idempotency key {key!r} names another payment")
                return _load(conn, existing)
            row = queries.one(
                conn,
                _SQL["insert"],
                {
                    "account_id": customer.id,
                    "method_id": None,
                    "kind": kind,
                    "amount": amount,
                    "currency": customer.currency,
                    "status": "succeeded",
                    "key": key,
                    "invoice_id": named,
                    "reference": reference,
                    "received_on": received_on or dt.datetime.now(dt.UTC).date(),
                    "actor": self.actor,
                },
            )
            payment_id = int(str(row["id"]))
            spread(conn, payment_id, customer.id, customer.currency, amount, named,
                   reference=reference, actor=self.actor)  # fmt: skip
            payment = _load(conn, row)
            record(
                conn,
                actor=self.actor,
                action="payment.received",
                entity_type="payment",
                entity_id=payment_id,
                data={
                    "account_id": customer.id,
                    "amount": amount,
                    "allocations": [[i, a] for i, a in payment.allocations],
                    "credit": payment.credit,
                },
            )
            return payment

    def receive_many(self, payments: Sequence[PaymentIn]) -> list[Payment]:
        """Book many payments received in one transaction, each exactly as :meth:`receive`
        books it, in the order given (a payment sees the invoices as the ones before it left
        them; the same idempotency key twice is the same payment), in a few set-based
        statements for the whole batch. All or nothing: any payment refused refuses the batch
        (a ValidationError names every problem by its position). One audit row for the
        batch, with its counts and the payments' ids."""
        if not payments:
            return []
        with self.db.transaction() as conn:
            accounts = _accounts(conn, payments)
            _check_many(payments, accounts)
            keys = [p.idempotency_key or f"received:{uuid.uuid4()}" for p in payments]
            lock_accounts(conn, (a for a, _ in accounts))
            named = _named_many(conn, payments, accounts)
            stored = {
                str(r["idempotency_key"]): r
                for r in queries.rows(conn, _SQL["by_keys"], {"keys": keys})
            }
            new_accounts = {a for (a, _), k in zip(accounts, keys, strict=True) if k not in stored}
            book = open_book(conn, new_accounts)
            planned: dict[str, Planned] = {}
            for p, (account_id, currency), key, invoice_id in zip(
                payments, accounts, keys, named, strict=True
            ):
                asked = (account_id, p.amount, invoice_id)
                earlier = stored.get(key)
                if earlier is not None:
                    same = (earlier["account_id"], earlier["amount"], earlier["invoice_id"])
                elif key in planned:
                    same = (planned[key].account_id, planned[key].amount, planned[key].invoice_id)
                else:
                    planned[key] = plan(book, Planned(
                        account_id=account_id, currency=currency, amount=p.amount,
                        invoice_id=invoice_id, reference=p.reference,
                        received_on=p.received_on or dt.datetime.now(dt.UTC).date(),
                        kind=p.kind, key=key,
                    ))  # fmt: skip
                    continue
                if same != asked:
                    raise ConflictError(f"idempotency key {key!r} names another payment")
            ids = dict(zip(planned, book_planned(conn, list(planned.values()), actor=self.actor),
                           strict=True))  # fmt: skip
            made = {key: _planned_payment(ids[key], p) for key, p in planned.items()}
            made |= {p.idempotency_key: p for p in _load_many(conn, list(stored.values()))}
            audit_batch(
                conn, actor=self.actor, asked=len(payments), planned=list(planned.values()),
                ids=list(ids.values()),
            )  # fmt: skip
            return [made[key] for key in keys]

    def receive_file(self, path: Path) -> list[Payment]:
        """Book a file of payments received (:mod:`tarifa.payments.payment_file`) whole, as
        one batch: all its lines or, when any is refused, none (a ValidationError names every
        bad line). Its lines' keys make the same file imported again pay nothing twice."""
        try:
            data = path.read_bytes()
        except OSError as err:
            raise ValidationError.single("file", f"cannot be read: {err.strerror}") from None
        lines = read_payment_file(data)
        try:
            return self.receive_many([line.payment for line in lines])
        except ValidationError as err:
            raise ValidationError(
                FieldError(_on_line(e.field, [line.line for line in lines]), e.reason)
                for e in err.errors
            ) from None

    def collect(self, gateway: PaymentGateway, *, on: dt.date | None = None) -> CollectionReport:
        """Charge every invoice due on or before `on` (default today, UTC) to its account's
        default card on `gateway` (:mod:`tarifa.payments.collection`)."""
        day = on or dt.datetime.now(dt.UTC).date()
        return collect(self.db, gateway, on=day, actor=self.actor)

    def resolve(self, gateway: PaymentGateway, *, older_than: float = 60) -> CollectionReport:
        """Settle the attempts left pending or unknown by asking `gateway`."""
        return resolve(self.db, gateway, actor=self.actor, older_than=older_than)

    def export_direct_debits(
        self,
        collection_date: dt.date,
        output: Path,
        *,
        seller: str | None = None,
        schema: str = "pain.008.001.08",
    ) -> DirectDebitExport:
        """The pain.008 file of the day's direct debits (:mod:`tarifa.payments.direct_debit`)."""
        return export_direct_debits(
            self.db,
            collection_date=collection_date,
            output=output,
            actor=self.actor,
            seller=seller,
            schema=schema,
        )

    def apply_status_report(self, path: Path) -> StatusReportResult:
        """Fail the pending direct debits a pain.002 report rejects."""
        return apply_status_report(self.db, path, actor=self.actor)

    def dunning(
        self,
        *,
        on: dt.date | None = None,
        gateway: PaymentGateway | None = None,
        schedule: str | None = None,
    ) -> DunningReport:
        """Take the dunning steps due on `on` (default today, UTC): reminders, card retries
        through `gateway`, suspensions, and resumptions (:mod:`tarifa.payments.dunning`)."""
        day = on or dt.datetime.now(dt.UTC).date()
        return run_dunning(self.db, on=day, actor=self.actor, gateway=gateway, schedule=schedule)

    def open_dispute(
        self, *, charge_reference: str, dispute_reference: str, amount: Decimal, reason: str
    ) -> Dispute:
        return open_dispute(
            self.db,
            charge_reference=charge_reference,
            dispute_reference=dispute_reference,
            amount=amount,
            reason=reason,
            actor=self.actor,
        )

    def close_dispute(self, dispute_reference: str, *, won: bool) -> Dispute:
        return close_dispute(self.db, dispute_reference, won=won, actor=self.actor)

    def apply_gateway_event(self, event: Any) -> Dispute | None:
        """A verified gateway event (Stripe's shape): disputes opened and closed."""
        return apply_stripe_event(self.db, event, actor=self.actor)

    def of_payment_ids(self, ids: list[int]) -> list[Payment]:
        with self.db.transaction() as conn:
            rows = queries.rows(conn, _SQL["by_ids"], {"ids": ids})
            return [_load(conn, r) for r in rows]

    def of_account(self, account: int | str) -> list[Payment]:
        customer = Customers(self.db, actor=self.actor).account(account)
        with self.db.transaction() as conn:
            rows = conn.execute(_SQL["of_account"], {"account_id": customer.id}).fetchall()
            return [_load(conn, r) for r in rows]


def check_payment(amount: Decimal, currency: str, reference: str | None, kind: str) -> None:
    """What `receive` refuses (ValidationError): an amount that is not positive or not in
    the currency's minor units, a reference holding a card number, an unknown kind."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ValidationError.single("amount", "must be a positive Decimal")
    if amount != Money.of(amount, currency).rounded().amount:
        raise ValidationError.single("amount", f"must be in whole {currency} minor units")
    if reference is not None and contains_card_number(reference):
        raise ValidationError.single("reference", CARD_NUMBER_REASON)
    if kind not in ("card", "sepa_debit", "bank_transfer"):
        raise ValidationError.single("kind", "must be card, sepa_debit or bank_transfer")


def _named(conn: Connection, account_id: int, text: str) -> int:
    row = conn.execute(
        _SQL["named_invoice"], {"account_id": account_id, "text": text.strip()}
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no finalized invoice {text!r} of this account")
    return int(str(row["id"]))


def _load(conn: Connection, row: Mapping[str, Any]) -> Payment:
    payment_id = int(str(row["id"]))
    allocations = queries.rows(conn, _SQL["allocations_of"], {"payment_id": payment_id})
    credit = queries.one(conn, _SQL["credit_of"], {"payment_id": payment_id})
    paid = tuple((int(a["invoice_id"]), Decimal(a["amount"])) for a in allocations)
    return _payment(row, paid, credit["amount"])


def _payment(
    row: Mapping[str, Any], allocations: tuple[tuple[int, Decimal], ...], credit: Decimal
) -> Payment:
    return Payment(
        id=int(str(row["id"])),
        account_id=int(str(row["account_id"])),
        kind=str(row["kind"]),
        amount=row["amount"],
        currency=str(row["currency"]),
        status=str(row["status"]),
        idempotency_key=str(row["idempotency_key"]),
        invoice_id=row["invoice_id"],
        reference=row["reference"],
        received_on=row["received_on"],
        allocations=allocations,
        credit=credit,
    )


def _accounts(conn: Connection, payments: Sequence[PaymentIn]) -> list[tuple[int, str]]:
    """(id, currency) of each payment's account, named by id or external id."""
    ids = sorted({p.account for p in payments if isinstance(p.account, int)})
    external = sorted({p.account for p in payments if isinstance(p.account, str)})
    by_id: dict[int | str, tuple[int, str]] = {}
    for r in queries.rows(conn, _SQL["accounts_named"], {"ids": ids, "external_ids": external}):
        found = (int(r["id"]), str(r["currency"]))
        by_id[int(r["id"])] = by_id[str(r["external_id"])] = found
    missing = [p.account for p in payments if p.account not in by_id]
    if missing:
        what = "customer" if isinstance(missing[0], int) else "customer with external id"
        raise NotFoundError(f"no {what} {missing[0]}")
    return [by_id[p.account] for p in payments]


def _check_many(payments: Sequence[PaymentIn], accounts: Sequence[tuple[int, str]]) -> None:
    problems = []
    for position, (p, (_, currency)) in enumerate(zip(payments, accounts, strict=True)):
        try:
            check_payment(p.amount, currency, p.reference, p.kind)
        except ValidationError as err:
            problems += [
                FieldError(f"payments[{position}].{e.field}", e.reason) for e in err.errors
            ]
    if problems:
        raise ValidationError(problems)


def _named_many(
    conn: Connection, payments: Sequence[PaymentIn], accounts: Sequence[tuple[int, str]]
) -> list[int | None]:
    """The invoice each payment names (by number or RF reference, of its account), as
    `_named` finds it; NotFoundError for the first that names none."""
    texts = sorted({p.invoice.strip() for p in payments if p.invoice})
    if not texts:
        return [None] * len(payments)
    rows = queries.rows(
        conn,
        _SQL["named_invoices"],
        {
            "account_ids": sorted({a for a, _ in accounts}),
            "texts": texts,
            "references": sorted({_compact(t) for t in texts}),
        },
    )
    by_number = {(int(r["account_id"]), str(r["number"])): int(r["id"]) for r in rows}
    by_reference = {
        (int(r["account_id"]), str(r["creditor_reference"])): int(r["id"])
        for r in rows
        if r["creditor_reference"]
    }
    found: list[int | None] = []
    for p, (account_id, _) in zip(payments, accounts, strict=True):
        if not p.invoice:
            found.append(None)
            continue
        text = p.invoice.strip()
        invoice = by_number.get((account_id, text)) or by_reference.get(
            (account_id, _compact(text))
        )
        if invoice is None:
            raise NotFoundError(f"no finalized invoice {text!r} of this account")
        found.append(invoice)
    return found


def _on_line(field: str, lines: Sequence[int]) -> str:
    """ "payments[3].amount" as the file's "line 5: amount"."""
    position, _, name = field.removeprefix("payments[").partition("].")
    return f"line {lines[int(position)]}: {name}" if position.isdigit() else field


def _compact(text: str) -> str:
    """An RF reference as stored: without spaces, upper case (as the SQL compares them)."""
    return text.replace(" ", "").upper()


def _planned_payment(payment_id: int, p: Planned) -> Payment:
    return Payment(
        id=payment_id,
        account_id=p.account_id,
        kind=p.kind,
        amount=p.amount,
        currency=p.currency,
        status="succeeded",
        idempotency_key=p.key,
        invoice_id=p.invoice_id,
        reference=p.reference,
        received_on=p.received_on,
        allocations=tuple((a.invoice_id, a.amount) for a in p.allocations),
        credit=p.credit,
    )


def _load_many(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Payment]:
    """Stored payments with what they paid, in three statements."""
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
        _payment(r, tuple(paid.get(i, ())), credit.get(i, Decimal(0)))
        for i, r in zip(ids, rows, strict=True)
    ]


__all__ = ["Payment", "PaymentIn", "Payments", "check_payment"]
