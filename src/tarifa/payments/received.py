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
import os
import uuid
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from tarifa.audit import record
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.documents.mail import SmtpSettings
from tarifa.errors import ConflictError, FieldError, NotFoundError, ValidationError
from tarifa.payments.batch import PaymentIn
from tarifa.payments.booking import spread
from tarifa.payments.collection import CollectionReport, collect, resolve
from tarifa.payments.direct_debit import (
    DirectDebitExport,
    StatusReportResult,
    apply_status_report,
    export_direct_debits,
)
from tarifa.payments.disputes import Dispute, apply_stripe_event, close_dispute, open_dispute
from tarifa.payments.dunning import DunningReport, run_dunning
from tarifa.payments.dunning_mail import smtp_if_configured
from tarifa.payments.gateway import PaymentGateway
from tarifa.payments.many import receive_many
from tarifa.payments.payment import Payment, check_payment, load_payments
from tarifa.payments.payment_file import read_payment_file

_SQL = queries.load("payments")


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
                return load_payments(conn, [existing])[0]
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
            payment = load_payments(conn, [row])[0]
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
            return receive_many(conn, payments, actor=self.actor)

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
        smtp: SmtpSettings | None = None,
        templates: Path | None = None,
    ) -> DunningReport:
        """Take the dunning steps due on `on` (default today, UTC): reminders, card retries
        through `gateway`, suspensions, write-offs and resumptions, and send the notices
        (:mod:`tarifa.payments.dunning`). `schedule` overrides the plans' and the
        installation's; `smtp` defaults to TARIFA_SMTP_* when TARIFA_SMTP_HOST is set (else
        notices wait unsent); `templates` to TARIFA_DUNNING_TEMPLATES."""
        day = on or dt.datetime.now(dt.UTC).date()
        folder = templates or os.environ.get("TARIFA_DUNNING_TEMPLATES") or None
        return run_dunning(
            self.db,
            on=day,
            actor=self.actor,
            gateway=gateway,
            schedule=schedule,
            smtp=smtp or smtp_if_configured(os.environ),
            templates=None if folder is None else Path(folder),
        )

    def open_dispute(
        self,
        *,
        charge_reference: str,
        dispute_reference: str,
        amount: Decimal,
        reason: str,
        evidence_due_by: dt.datetime | None = None,
    ) -> Dispute:
        """A chargeback of a card payment (`evidence_due_by`: the gateway's deadline; none:
        :data:`tarifa.payments.disputes.DEFAULT_EVIDENCE_DAYS` from now)."""
        return open_dispute(
            self.db,
            charge_reference=charge_reference,
            dispute_reference=dispute_reference,
            amount=amount,
            reason=reason,
            actor=self.actor,
            evidence_due_by=evidence_due_by,
        )

    def close_dispute(self, dispute_reference: str, *, won: bool) -> Dispute:
        return close_dispute(self.db, dispute_reference, won=won, actor=self.actor)

    def apply_gateway_event(self, event: Any) -> Dispute | None:
        """A verified gateway event (Stripe's shape): disputes opened and closed."""
        return apply_stripe_event(self.db, event, actor=self.actor)

    def of_payment_ids(self, ids: list[int]) -> list[Payment]:
        with self.db.transaction() as conn:
            rows = queries.rows(conn, _SQL["by_ids"], {"ids": ids})
            return load_payments(conn, rows)

    def of_account(self, account: int | str) -> list[Payment]:
        customer = Customers(self.db, actor=self.actor).account(account)
        with self.db.transaction() as conn:
            rows = conn.execute(_SQL["of_account"], {"account_id": customer.id}).fetchall()
            return load_payments(conn, rows)


def _named(conn: Connection, account_id: int, text: str) -> int:
    row = conn.execute(
        _SQL["named_invoice"], {"account_id": account_id, "text": text.strip()}
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no finalized invoice {text!r} of this account")
    return int(str(row["id"]))


def _on_line(field: str, lines: Sequence[int]) -> str:
    """ "payments[3].amount" as the file's "line 5: amount"."""
    position, _, name = field.removeprefix("payments[").partition("].")
    return f"line {lines[int(position)]}: {name}" if position.isdigit() else field


__all__ = ["Payment", "PaymentIn", "Payments", "check_payment"]
