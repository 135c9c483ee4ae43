"""The invoices service (`tarifa.connect().invoices`): draft an account's invoices, finalize
them, read them.

An account has one invoice per billing date (a unique key): the lines the generator made for
its subscriptions (:mod:`tarifa.billing.schedule`) with the VAT category and rate that the
rules give for the account and the seller at the tax point (the last day the invoice covers),
and EN 16931 totals. Drafting again replaces a draft's lines (a draft is recomputable).
Drafting is the bill run's code for one account (:mod:`tarifa.bill_runs.batch`).

Finalizing, in one transaction: the seller's next number (gapless, :mod:`tarifa.sellers`),
the ISO 11649 creditor reference made from it, the issue date and the due date (the account's
payment terms). From then on the database refuses any change to the invoice and its lines.
Finalizing a finalized invoice returns it unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tarifa.audit import record
from tarifa.bill_runs.batch import RunContext, bill_batch
from tarifa.catalog import store as catalog_store
from tarifa.customers.model import Customer
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import NotFoundError, ValidationError
from tarifa.sellers.model import creditor_reference
from tarifa.sellers.service import Sellers, next_invoice_number
from tarifa.taxes.service import current_rates

_SQL = queries.load("invoices")


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceLine:
    position: int
    subscription_id: int | None
    kind: str
    key: str
    description: str
    service_start: dt.date
    service_end: dt.date
    quantity: Decimal | None
    amount: Decimal
    net: Decimal
    tax_category: str
    tax_percent: Decimal
    tax_note: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Invoice:
    id: int
    seller_id: int
    account_id: int
    currency: str
    billing_date: dt.date
    period_start: dt.date
    period_end: dt.date
    status: str
    number: str | None
    creditor_reference: str | None
    issue_date: dt.date | None
    due_date: dt.date | None
    net: Decimal
    tax: Decimal
    total: Decimal
    lines: tuple[InvoiceLine, ...]


class Invoices:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def bill(self, account: int | str, *, on: dt.date, seller: str | None = None) -> list[Invoice]:
        """Draft (or recompute) `account`'s invoices of its billing dates on or before the
        local date `on` that are not finalized: what a bill run does for one account
        (:mod:`tarifa.bill_runs`), with the stored VAT rates. ValidationError with the reason
        when its invoices cannot be made."""
        customer = _customer(self.db, self.actor, account)
        issuer = Sellers(self.db, actor=self.actor).issuer(seller)
        with self.db.transaction() as conn:
            ctx = RunContext(
                as_of=on,
                seller=issuer,
                catalog=catalog_store.stored_catalog(conn),
                rates=current_rates(conn),
                finalize_through=None,
                actor=self.actor,
            )
            (outcome,) = bill_batch(conn, ctx, [customer.id])
            if outcome.failure is not None:
                raise ValidationError.single("account", outcome.failure)
            return [_load(conn, i) for i in outcome.invoice_ids]

    def finalize(self, invoice_id: int, *, issue_date: dt.date | None = None) -> Invoice:
        """Number and freeze a draft (idempotent: a finalized invoice is returned as it is)."""
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["lock_invoice"], {"id": invoice_id}).fetchone()
            if row is None:
                raise NotFoundError(f"no invoice {invoice_id}")
            if row["status"] == "finalized":
                return _load(conn, invoice_id)
            customer = _customer(self.db, self.actor, int(str(row["account_id"])))
            # The issue date is today in the account's time zone, like its billing periods.
            issued = issue_date or dt.datetime.now(ZoneInfo(customer.time_zone)).date()
            _number, formatted = next_invoice_number(conn, int(str(row["seller_id"])), issued)
            queries.one(
                conn,
                _SQL["finalize"],
                {
                    "id": invoice_id,
                    "number": formatted,
                    "reference": creditor_reference(formatted),
                    "issue_date": issued,
                    "due_date": issued + dt.timedelta(days=customer.payment_terms_days),
                },
            )
            record(
                conn,
                actor=self.actor,
                action="invoice.finalized",
                entity_type="invoice",
                entity_id=invoice_id,
                data={"number": formatted, "issue_date": issued},
            )
            return _load(conn, invoice_id)

    def get(self, invoice_id: int) -> Invoice:
        with self.db.transaction() as conn:
            return _load(conn, invoice_id)

    def of_account(self, account: int | str) -> list[Invoice]:
        customer = _customer(self.db, self.actor, account)
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(
                _SQL["invoices_of_account"], {"account_id": customer.id}
            ).fetchall()
            return [_load(conn, int(r["id"])) for r in rows]


def _customer(db: Database, actor: str, account: int | str) -> Customer:
    return Customers(db, actor=actor).account(account)


def _load(conn: Connection, invoice_id: int) -> Invoice:
    row: dict[str, Any] | None = conn.execute(_SQL["invoice"], {"id": invoice_id}).fetchone()
    if row is None:
        raise NotFoundError(f"no invoice {invoice_id}")
    lines: list[dict[str, Any]] = conn.execute(_SQL["lines"], {"id": invoice_id}).fetchall()
    return Invoice(
        id=int(row["id"]),
        seller_id=int(row["seller_id"]),
        account_id=int(row["account_id"]),
        currency=str(row["currency"]),
        billing_date=row["billing_date"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        status=str(row["status"]),
        number=row["number"],
        creditor_reference=row["creditor_reference"],
        issue_date=row["issue_date"],
        due_date=row["due_date"],
        net=row["net"],
        tax=row["tax"],
        total=row["total"],
        lines=tuple(
            InvoiceLine(
                position=int(r["position"]),
                subscription_id=r["subscription_id"],
                kind=str(r["kind"]),
                key=str(r["key"]),
                description=str(r["description"]),
                service_start=r["service_start"],
                service_end=r["service_end"],
                quantity=r["quantity"],
                amount=r["amount"],
                net=r["net"],
                tax_category=str(r["tax_category"]),
                tax_percent=r["tax_percent"],
                tax_note=r["tax_note"],
            )
            for r in lines
        ),
    )


__all__ = ["Invoice", "InvoiceLine", "Invoices"]
