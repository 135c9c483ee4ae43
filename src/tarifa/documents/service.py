"""The documents service (`tarifa.connect().documents`): render and send invoice documents.

It loads a finalized invoice (by number or id), its seller, its customer and the usage of
its period from PostgreSQL, builds the document model (pure) and hands it to a renderer. The
usage summary and the itemized export read the records of the invoice's subscriptions that
started within its period: the period's local dates taken as instants in the account's time
zone, as the invoice counted them. Rendering changes nothing; sending writes an audit row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tarifa.audit import record
from tarifa.billing.cycles import Cycle, Period, day_start
from tarifa.catalog.model import Catalog
from tarifa.catalog.service import CatalogService
from tarifa.customers.model import Customer
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.documents.csv_export import UsageItem, lines_csv, usage_csv
from tarifa.documents.einvoice import render_facturx
from tarifa.documents.lines import Tier
from tarifa.documents.mail import (
    Attachment,
    SmtpSettings,
    deliver,
    invoice_message,
    smtp_from_environment,
)
from tarifa.documents.model import (
    DestinationUsage,
    DocumentType,
    InvoiceDocument,
    ServiceUsage,
    UsageSummary,
    build_document,
)
from tarifa.documents.pdf import render_pdf
from tarifa.documents.tiers import USAGE_KEY, usage_tiers
from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.invoices.service import CreditNote, Invoice, Invoices
from tarifa.sellers.service import Sellers
from tarifa.subscriptions.service import Subscription, Subscriptions

_SQL = queries.load("documents")
TOP_DESTINATIONS = 5


class Format(StrEnum):
    PDF = "pdf"
    CSV = "csv"
    FACTURX = "facturx"
    #: The itemized usage of the invoice's period, one row per record.
    USAGE = "usage"

    @property
    def suffix(self) -> str:
        return {"pdf": ".pdf", "csv": ".csv", "facturx": "-facturx.pdf", "usage": "-usage.csv"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class _Loaded:
    invoice: Invoice
    customer: Customer
    document: InvoiceDocument


@dataclass(slots=True)
class _Cache:
    """What a batch of documents shares: the catalog, the subscriptions read so far."""

    catalog: Catalog | None = None
    subscriptions: dict[int, tuple[Subscription, Cycle]] = field(default_factory=dict)


class Documents:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def document(self, invoice: int | str) -> InvoiceDocument:
        """The document model of a finalized invoice, named by its number or id."""
        return self._load(invoice).document

    def render(self, invoice: int | str, fmt: Format | str) -> bytes:
        """One document of an invoice (named by its number or id), or of a credit note
        (named by its number), as bytes."""
        if isinstance(invoice, str):
            with self.db.transaction() as conn:
                note = _credit_note_id(conn, invoice)
            if note is not None:
                return self.render_credit_note(note, fmt)
        return self._render(self._load(invoice), Format(fmt))

    def render_credit_note(self, note_id: int, fmt: Format | str) -> bytes:
        """A credit note as PDF, CSV or Factur-X (EN 16931 type 381, naming the invoice it
        corrects); it has no usage of its own."""
        wanted = Format(fmt)
        if wanted is Format.USAGE:
            raise ValidationError.single("format", "a credit note has no itemized usage")
        invoices = Invoices(self.db, actor=self.actor)
        note = invoices.credit_note(note_id)
        original = invoices.get(note.invoice_id)
        with self.db.transaction() as conn:
            seller_row = queries.one(conn, _SQL["seller_code"], {"id": note.seller_id})
        seller = Sellers(self.db, actor=self.actor).get(str(seller_row["code"]))
        customer = Customers(self.db, actor=self.actor).get(note.account_id)
        document = build_document(
            _CreditNoteSource.of(note, original),
            seller,
            customer,
            type_code=DocumentType.CREDIT_NOTE,
            preceding_invoice=original.number,
        )
        return self._render(_Loaded(original, customer, document), wanted)

    def render_many(
        self,
        ids: Iterable[int],
        directory: Path,
        formats: Sequence[Format | str] = (Format.PDF,),
    ) -> list[Path]:
        """Write each invoice's documents into `directory` as NUMBER.pdf, NUMBER.csv,
        NUMBER-facturx.pdf, NUMBER-usage.csv; return the files written, in order."""
        wanted = [Format(f) for f in formats]
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        cache = _Cache()
        for invoice_id in ids:
            loaded = self._load(int(invoice_id), cache)
            stem = _filename(loaded.document.number)
            for fmt in wanted:
                path = directory / f"{stem}{fmt.suffix}"
                path.write_bytes(self._render(loaded, fmt))
                written.append(path)
        return written

    def finalized_of_account(self, account: int | str) -> list[int]:
        """The ids of an account's finalized invoices, oldest period first."""
        customer = Customers(self.db, actor=self.actor).account(account)
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(
                _SQL["finalized_of_account"], {"account_id": customer.id}
            ).fetchall()
            return [int(r["id"]) for r in rows]

    def finalized_of_bill_run(self, run_id: int) -> list[int]:
        """The ids of the finalized invoices a bill run made, by account and date."""
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(
                _SQL["finalized_of_bill_run"], {"run_id": run_id}
            ).fetchall()
            return [int(r["id"]) for r in rows]

    def send(self, invoice: int | str, smtp: SmtpSettings | None = None) -> list[str]:
        """E-mail the PDF and the Factur-X file to the customer's addresses; returns them.
        Settings default to TARIFA_SMTP_* (see :mod:`tarifa.documents.mail`)."""
        settings = smtp or smtp_from_environment()
        loaded = self._load(invoice)
        document = loaded.document
        recipients = list(loaded.customer.emails)
        if not recipients:
            raise ValidationError.single("emails", f"account {document.buyer.identifier} has none")
        sender = settings.sender or document.seller.email
        if not sender:
            raise ValidationError.single(
                "TARIFA_SMTP_FROM", "is required: the seller has no e-mail"
            )
        stem = _filename(document.number)
        message = invoice_message(
            document,
            sender=sender,
            recipients=recipients,
            attachments=[
                Attachment(
                    filename=f"{stem}.pdf",
                    content=render_pdf(document),
                    maintype="application",
                    subtype="pdf",
                ),
                Attachment(
                    filename=f"{stem}-facturx.pdf",
                    content=render_facturx(document),
                    maintype="application",
                    subtype="pdf",
                ),
            ],
        )
        deliver(message, settings)
        with self.db.transaction() as conn:
            record(
                conn,
                actor=self.actor,
                action="invoice.sent",
                entity_type="invoice",
                entity_id=document.invoice_id,
                data={"number": document.number, "attachments": 2},
                personal={"to": recipients},
            )
        return recipients

    def _render(self, loaded: _Loaded, fmt: Format) -> bytes:
        if fmt is Format.PDF:
            return render_pdf(loaded.document)
        if fmt is Format.CSV:
            return lines_csv(loaded.document)
        if fmt is Format.FACTURX:
            return render_facturx(loaded.document)
        return usage_csv(loaded.document.number, self._usage_items(loaded))

    def _load(self, invoice: int | str, cache: _Cache | None = None) -> _Loaded:
        with self.db.transaction() as conn:
            invoice_id = _resolve(conn, invoice)
        found = Invoices(self.db, actor=self.actor).get(invoice_id)
        if found.status != "finalized":
            raise ConflictError(f"invoice {invoice_id} is a draft: finalize it first")
        with self.db.transaction() as conn:
            seller_row = queries.one(conn, _SQL["seller_code"], {"id": found.seller_id})
        seller = Sellers(self.db, actor=self.actor).get(str(seller_row["code"]))
        customer = Customers(self.db, actor=self.actor).get(found.account_id)
        document = build_document(
            found,
            seller,
            customer,
            self._usage(found, customer),
            tiers=self._tiers(found, customer, cache or _Cache()),
        )
        return _Loaded(found, customer, document)

    def _tiers(
        self, invoice: Invoice, customer: Customer, cache: _Cache
    ) -> dict[int, tuple[Tier, ...]]:
        """The pricing tiers of the invoice's usage lines, by line position."""
        usage = [
            line
            for line in invoice.lines
            if line.subscription_id is not None and line.key.startswith(USAGE_KEY)
        ]
        if not usage:
            return {}
        if cache.catalog is None:
            cache.catalog = CatalogService(self.db, actor=self.actor).current()
        subscriptions = Subscriptions(self.db, actor=self.actor)
        found = {}
        for line in usage:
            sub_id = int(line.subscription_id or 0)
            if sub_id not in cache.subscriptions:
                # cycle_of reads the catalog again: once per subscription and batch, not line.
                read = subscriptions.get(sub_id)
                cache.subscriptions[sub_id] = (read, subscriptions.cycle_of(read))
            sub, cycle = cache.subscriptions[sub_id]
            tiers = usage_tiers(
                key=line.key,
                quantity=line.quantity,
                net=line.net,
                subscription_id=sub.id,
                history=sub.timeline,
                catalog=cache.catalog,
                cycle=cycle,
                period=Period(line.service_start, line.service_end),
                currency=invoice.currency,
                zone=ZoneInfo(customer.time_zone),
            )
            if tiers:
                found[line.position] = tiers
        return found

    def _window(self, invoice: Invoice, customer: Customer) -> dict[str, Any]:
        """The usage the invoice bills: its usage lines' service dates (an invoice also
        covers the coming period's fees in advance, whose usage is billed later)."""
        zone = ZoneInfo(customer.time_zone)
        subscriptions = sorted({ln.subscription_id for ln in invoice.lines if ln.subscription_id})
        usage = [ln for ln in invoice.lines if ln.kind == "usage"] or list(invoice.lines)
        start = min((ln.service_start for ln in usage), default=invoice.period_start)
        end = max((ln.service_end for ln in usage), default=invoice.period_end)
        return {
            "subscriptions": subscriptions,
            "starts": day_start(start, zone),
            "ends": day_start(end, zone),
            "currency": invoice.currency,
        }

    def _usage(self, invoice: Invoice, customer: Customer) -> UsageSummary:
        window = self._window(invoice, customer)
        if not window["subscriptions"]:
            return UsageSummary()
        with self.db.transaction() as conn:
            services: list[dict[str, Any]] = conn.execute(
                _SQL["usage_by_service"], window
            ).fetchall()
            top: list[dict[str, Any]] = conn.execute(
                _SQL["top_destinations"], {**window, "limit": TOP_DESTINATIONS}
            ).fetchall()
        return UsageSummary(
            services=tuple(
                ServiceUsage(
                    service=str(r["service"]),
                    unit=str(r["unit"]),
                    records=int(r["records"]),
                    usage=Decimal(r["usage"]),
                    cost=r["cost"],
                )
                for r in services
            ),
            top_destinations=tuple(
                DestinationUsage(
                    service=str(r["service"]),
                    destination=str(r["destination"]),
                    unit=str(r["unit"]),
                    records=int(r["records"]),
                    usage=Decimal(r["usage"]),
                    cost=r["cost"],
                )
                for r in top
            ),
        )

    def _usage_items(self, loaded: _Loaded) -> list[UsageItem]:
        window = self._window(loaded.invoice, loaded.customer)
        if not window["subscriptions"]:
            return []
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(_SQL["usage_items"], window).fetchall()
        return [
            UsageItem(
                subscription_id=int(r["subscription_id"]),
                source=str(r["source"]),
                record_id=str(r["record_id"]),
                service=str(r["service"]),
                started_at=r["started_at"],
                destination=str(r["destination"]),
                usage=r["usage"],
                unit=str(r["unit"]),
                status=str(r["status"]),
                disposition=r["disposition"],
                cost=r["cost"],
                currency=None if r["currency"] is None else str(r["currency"]).strip(),
            )
            for r in rows
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class _CreditLine:
    position: int
    kind: str
    description: str
    service_start: dt.date
    service_end: dt.date
    quantity: Decimal | None
    net: Decimal
    tax_category: str
    tax_percent: Decimal
    tax_note: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _CreditNoteSource:
    """A stored credit note in the shape documents are built from: the corrected invoice's
    period, each line the service dates of the line it credits."""

    id: int
    currency: str
    period_start: dt.date
    period_end: dt.date
    number: str
    creditor_reference: str | None
    issue_date: dt.date
    due_date: dt.date | None
    net: Decimal
    tax: Decimal
    total: Decimal
    lines: tuple[_CreditLine, ...]
    prepaid: Decimal = Decimal(0)

    @classmethod
    def of(cls, note: CreditNote, invoice: Invoice) -> _CreditNoteSource:
        credited = {line.position: line for line in invoice.lines}
        lines = []
        for line in note.lines:
            source = credited.get(line.invoice_position or 0)
            lines.append(
                _CreditLine(
                    position=line.position,
                    kind=source.kind if source else "credit_note",
                    description=line.description,
                    service_start=source.service_start if source else invoice.period_start,
                    service_end=source.service_end if source else invoice.period_end,
                    quantity=line.quantity,
                    net=line.net,
                    tax_category=line.tax_category,
                    tax_percent=line.tax_percent,
                    tax_note=line.tax_note,
                )
            )
        return cls(
            id=note.id,
            currency=note.currency,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            number=note.number,
            creditor_reference=None,
            issue_date=note.issue_date,
            due_date=None,
            net=note.net,
            tax=note.tax,
            total=note.total,
            lines=tuple(lines),
        )


def _credit_note_id(conn: Connection, number: str) -> int | None:
    """The credit note numbered `number`, unless an invoice carries that number."""
    if conn.execute(_SQL["invoices_by_number"], {"number": number}).fetchone() is not None:
        return None
    row = conn.execute(_SQL["credit_notes_by_number"], {"number": number}).fetchone()
    return None if row is None else int(str(row["id"]))


def _resolve(conn: Connection, invoice: int | str) -> int:
    """An invoice id from a number or an id (digits that are not a number are an id)."""
    if isinstance(invoice, int):
        return invoice
    rows: list[dict[str, Any]] = conn.execute(
        _SQL["invoices_by_number"], {"number": invoice}
    ).fetchall()
    if len(rows) > 1:
        raise ConflictError(f"{len(rows)} sellers issued an invoice {invoice!r}: name it by id")
    if rows:
        return int(rows[0]["id"])
    if invoice.isdigit():
        return int(invoice)
    raise NotFoundError(f"no invoice numbered {invoice!r}")


def _filename(number: str) -> str:
    """A file name from an invoice number (patterns may hold / or spaces)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", number)


__all__ = ["Documents", "Format"]
