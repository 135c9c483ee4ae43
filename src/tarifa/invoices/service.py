"""The invoices service (`tarifa.connect().invoices`): store drafts, finalize them.

A draft holds the lines the generator made (:func:`tarifa.billing.draft.draft_lines`) with
the VAT category and rate that the rules give for the account and the seller at the tax point
(the period's last day), and EN 16931 totals. Drafting an account's period again replaces
its lines (a draft is recomputable); a period has one invoice, whatever happens (a unique key).

Finalizing, in one transaction: the seller's next number (gapless, :mod:`tarifa.sellers`),
the ISO 11649 creditor reference made from it, the issue date and the due date (the account's
payment terms). From then on the database refuses any change to the invoice and its lines.
Finalizing a finalized invoice returns it unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tarifa.audit import record
from tarifa.billing.cycles import Cycle, Period, day_start
from tarifa.billing.draft import DraftLine, draft_lines
from tarifa.billing.taxes import TaxedLine, TaxParty, TaxRates, decide, tax_totals
from tarifa.billing.usage_totals import Window, usage_totals
from tarifa.catalog.service import CatalogService
from tarifa.customers.model import Customer, CustomerKind
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import ConflictError, NotFoundError
from tarifa.sellers.model import creditor_reference
from tarifa.sellers.service import Sellers, next_invoice_number
from tarifa.subscriptions.service import Subscription, Subscriptions

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

    def draft(
        self,
        account: int | str,
        *,
        seller: str,
        period: Period,
        lines: Sequence[DraftLine],
        rates: TaxRates,
    ) -> Invoice:
        """Store (or recompute) the draft of `account`'s `period`. ConflictError when the
        period's invoice is finalized already."""
        customer = _customer(self.db, self.actor, account)
        issuer = Sellers(self.db, actor=self.actor).get(seller)
        decision = decide(
            rates,
            seller_country=issuer.address.country,
            customer=_party(customer),
            tax_point=period.end - dt.timedelta(days=1),
        )
        taxed = [TaxedLine(line.rounded, decision.category, decision.percent) for line in lines]
        totals = tax_totals(taxed, customer.currency)
        with self.db.transaction() as conn:
            row = queries.one(
                conn,
                _SQL["upsert_draft"],
                {
                    "seller_id": issuer.id,
                    "account_id": customer.id,
                    "currency": customer.currency,
                    "period_start": period.start,
                    "period_end": period.end,
                },
            )
            if row["status"] != "draft":
                raise ConflictError(f"the invoice of {period.start} .. {period.end} is finalized")
            conn.execute(_SQL["delete_lines"], {"id": row["id"]})
            for position, line in enumerate(lines, start=1):
                conn.execute(
                    _SQL["insert_line"],
                    {
                        "invoice_id": row["id"],
                        "position": position,
                        "subscription_id": line.subscription_id,
                        "kind": line.kind.value,
                        "key": line.key,
                        "description": line.description,
                        "service_start": line.start,
                        "service_end": line.end,
                        "quantity": line.quantity,
                        "amount": line.amount.amount,
                        "net": line.rounded.amount,
                        "tax_category": decision.category.value,
                        "tax_percent": decision.percent,
                        "tax_note": decision.note,
                    },
                )
            conn.execute(
                _SQL["set_totals"],
                {
                    "id": row["id"],
                    "net": totals.net.amount,
                    "tax": totals.tax.amount,
                    "total": totals.total.amount,
                },
            )
            record(
                conn,
                actor=self.actor,
                action="invoice.drafted",
                entity_type="invoice",
                entity_id=int(row["id"]),
                data={
                    "account_id": customer.id,
                    "period_start": period.start,
                    "period_end": period.end,
                    "lines": len(lines),
                    "total": totals.total.amount,
                    "tax_category": decision.category.value,
                },
            )
            return _load(conn, int(row["id"]))

    def draft_period(
        self, account: int | str, *, on: dt.date, seller: str, rates: TaxRates
    ) -> list[Invoice]:
        """Draft the invoice of `account`'s billing period that holds the local date `on`:
        every subscription's lines for that period (fees as owed now, usage read from the
        database in the plan's units, allowances, minimum commitment, coupon), one invoice per
        period (subscriptions aligned differently have periods of their own)."""
        customer = _customer(self.db, self.actor, account)
        subscriptions = Subscriptions(self.db, actor=self.actor)
        catalog = CatalogService(self.db, self.actor).current()
        zone = ZoneInfo(customer.time_zone)
        due: dict[Period, list[tuple[Subscription, Cycle, int]]] = {}
        for sub in subscriptions.of_account(customer.id):
            if sub.started_on > on:
                continue
            cycle = subscriptions.cycle_of(sub)
            whole = cycle.period_of(on)
            period = Period(max(whole.start, sub.started_on), whole.end)
            if not sub.timeline.within(period):
                continue  # cancelled before it
            index = sum(1 for _ in cycle.periods(sub.started_on, until=period.start))
            due.setdefault(period, []).append((sub, cycle, index))
        windows = [
            Window(
                subscription_id=sub.id,
                start=day_start(period.start, zone),
                end=day_start(period.end, zone),
            )
            for period, subs in due.items()
            for sub, _cycle, _index in subs
        ]
        with self.db.transaction() as conn:
            totals = usage_totals(conn, windows, customer.currency)
        drafted = []
        for period, subs in sorted(due.items()):
            lines: list[DraftLine] = []
            for sub, cycle, index in subs:
                last = sub.timeline.within(period)[-1]
                version = catalog.plan(last.plan).version_on(sub.timeline.plan_since(last.start))
                metrics, rated = totals[sub.id].for_plan(catalog, version)
                coupon = catalog.coupon(sub.coupon) if sub.coupon else None
                lines += draft_lines(
                    subscription_id=sub.id,
                    history=sub.timeline,
                    catalog=catalog,
                    cycle=cycle,
                    period=period,
                    period_index=index,
                    currency=customer.currency,
                    zone=zone,
                    usage=metrics,
                    rated=rated,
                    coupon=coupon,
                )
            drafted.append(
                self.draft(customer.id, seller=seller, period=period, lines=lines, rates=rates)
            )
        return drafted

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


def _party(customer: Customer) -> TaxParty:
    return TaxParty(
        country=customer.country,
        business=customer.kind is CustomerKind.BUSINESS,
        # Stored VAT ids passed their country's checksum when the customer was saved.
        vat_id_valid=customer.tax_id is not None,
        postcode=customer.address.postal_code,
        exempt_reason=customer.tax_exempt_reason,
    )


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
