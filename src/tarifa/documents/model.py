"""The invoice document: everything a PDF, a CSV file or an e-invoice prints, as values.

:func:`build_document` turns a stored invoice, its seller, its customer and a summary of the
period's usage into an :class:`InvoiceDocument`: parties, lines as EN 16931 wants them
(:mod:`tarifa.documents.lines`), the VAT breakdown per category and rate with the legal note
each category needs, totals, due date and payment instructions (the seller's IBAN and BIC
and the invoice's ISO 11649 ``RF`` reference, which a bank transfer quotes). Every renderer
reads this one model, so the PDF, the CSV and the Factur-X XML cannot disagree.

The VAT breakdown is computed again from the lines with :func:`tarifa.billing.taxes.tax_totals`
(EN 16931: the tax of a category is the rounded sum of its nets x rate) and must give back
the totals stored on the invoice; a document that disagrees with its invoice is refused.

Amounts are ``Decimal`` in the document's currency, at its minor unit (prices excepted).
A credit note (type 381) is built the same way from the lines it credits, with positive
amounts and the number of the invoice it corrects. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from tarifa.billing.taxes import (
    OUTSIDE_SCOPE_NOTE,
    REVERSE_CHARGE_NOTE,
    TaxCategory,
    TaxedLine,
    tax_totals,
)
from tarifa.customers.model import Address, Customer
from tarifa.documents.lines import DocumentLine, LineFacts, Tier, document_lines
from tarifa.errors import FieldError, ValidationError
from tarifa.money import Money
from tarifa.sellers.model import Seller


class DocumentType(StrEnum):
    """UNTDID 1001 document type codes (EN 16931 BT-3)."""

    INVOICE = "380"
    CREDIT_NOTE = "381"


class InvoiceLineSource(Protocol):
    """What the builder reads of a stored invoice line (:class:`tarifa.invoices.InvoiceLine`)."""

    @property
    def position(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def service_start(self) -> dt.date: ...
    @property
    def service_end(self) -> dt.date: ...
    @property
    def quantity(self) -> Decimal | None: ...
    @property
    def net(self) -> Decimal: ...
    @property
    def tax_category(self) -> str: ...
    @property
    def tax_percent(self) -> Decimal: ...
    @property
    def tax_note(self) -> str | None: ...


class InvoiceSource(Protocol):
    """What the builder reads of a stored invoice (:class:`tarifa.invoices.Invoice`)."""

    @property
    def id(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def period_start(self) -> dt.date: ...
    @property
    def period_end(self) -> dt.date: ...
    @property
    def number(self) -> str | None: ...
    @property
    def creditor_reference(self) -> str | None: ...
    @property
    def issue_date(self) -> dt.date | None: ...
    @property
    def due_date(self) -> dt.date | None: ...
    @property
    def net(self) -> Decimal: ...
    @property
    def tax(self) -> Decimal: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def prepaid(self) -> Decimal: ...
    @property
    def lines(self) -> Sequence[InvoiceLineSource]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """Seller or buyer as printed: `identifier` is the seller's code or the account's id."""

    identifier: str
    name: str
    address: Address
    vat_id: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxSummary:
    """One row of the VAT breakdown (EN 16931 BG-23), with its legal note (BT-120)."""

    category: TaxCategory
    percent: Decimal
    taxable: Decimal
    tax: Decimal
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    net: Decimal
    tax: Decimal
    total: Decimal
    #: Paid already when issued: the customer credit applied to it (EN 16931 BT-113).
    prepaid: Decimal = Decimal(0)

    @property
    def due(self) -> Decimal:
        return self.total - self.prepaid


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentInstructions:
    """A SEPA credit transfer to the seller quoting the creditor reference."""

    account_holder: str
    iban: str
    bic: str | None
    reference: str
    due_date: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceUsage:
    """A service's billable records of the period: count, usage in `unit`, rated cost."""

    service: str
    unit: str
    records: int
    usage: Decimal
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DestinationUsage:
    service: str
    destination: str
    unit: str
    records: int
    usage: Decimal
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageSummary:
    services: tuple[ServiceUsage, ...] = ()
    #: The destinations called most (by usage), largest first.
    top_destinations: tuple[DestinationUsage, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceDocument:
    type_code: DocumentType
    invoice_id: int
    number: str
    issue_date: dt.date
    due_date: dt.date | None
    currency: str
    #: The customer's locale (BCP 47, "de-DE"), which the PDF is written in.
    locale: str
    seller: Party
    buyer: Party
    period_start: dt.date
    #: The period's last day (the stored period is half-open, [start, end)).
    period_last_day: dt.date
    lines: tuple[DocumentLine, ...]
    tax_summary: tuple[TaxSummary, ...]
    totals: Totals
    payment: PaymentInstructions | None
    usage: UsageSummary
    legal_footer: str | None = None
    #: A credit note's corrected invoice (EN 16931 BT-25).
    preceding_invoice: str | None = None

    @property
    def is_credit_note(self) -> bool:
        return self.type_code is DocumentType.CREDIT_NOTE

    @property
    def notes(self) -> tuple[str, ...]:
        """The legal notes the VAT breakdown requires, each once."""
        return tuple(dict.fromkeys(t.note for t in self.tax_summary if t.note))


def build_document(
    invoice: InvoiceSource,
    seller: Seller,
    customer: Customer,
    usage: UsageSummary | None = None,
    *,
    type_code: DocumentType = DocumentType.INVOICE,
    preceding_invoice: str | None = None,
    tiers: Mapping[int, Sequence[Tier]] | None = None,
) -> InvoiceDocument:
    """The document of a finalized invoice (or of a credit note, with `type_code`).
    `tiers` maps a line's position to its pricing tiers, printed one line each.
    ValidationError when the invoice is a draft or its stored totals disagree with its
    lines."""
    if invoice.number is None or invoice.issue_date is None:
        raise ValidationError.single("invoice", "a draft has no number yet: finalize it first")
    if type_code is DocumentType.CREDIT_NOTE and preceding_invoice is None:
        raise ValidationError.single("preceding_invoice", "a credit note names its invoice")
    currency = invoice.currency
    facts = [_facts(line) for line in invoice.lines]
    split = tiers or {}
    lines = tuple(
        printed
        for fact in facts
        for printed in document_lines(fact, currency, split.get(fact.position, ()))
    )
    summary = _tax_summary(invoice, facts)
    totals = Totals(
        net=sum((t.taxable for t in summary), Decimal(0)),
        tax=sum((t.tax for t in summary), Decimal(0)),
        total=sum((t.taxable + t.tax for t in summary), Decimal(0)),
        prepaid=invoice.prepaid,
    )
    stored = (invoice.net, invoice.tax, invoice.total)
    if (totals.net, totals.tax, totals.total) != stored:
        raise ValidationError.single(
            "invoice", f"stored totals {stored} disagree with its lines' EN 16931 totals"
        )
    payment = None
    if (
        type_code is DocumentType.INVOICE
        and totals.due > 0  # nothing to pay: an invoice settled by credit, or one that gives back
        and seller.iban
        and invoice.creditor_reference
        and invoice.due_date
    ):
        payment = PaymentInstructions(
            account_holder=seller.legal_name,
            iban=seller.iban,
            bic=seller.bic,
            reference=invoice.creditor_reference,
            due_date=invoice.due_date,
        )
    return InvoiceDocument(
        type_code=type_code,
        invoice_id=invoice.id,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=currency,
        locale=customer.locale,
        seller=Party(
            identifier=seller.code,
            name=seller.legal_name,
            address=seller.address,
            vat_id=seller.vat_id,
            email=seller.email,
        ),
        buyer=Party(
            identifier=customer.external_id,
            name=customer.legal_name,
            address=customer.address,
            vat_id=customer.tax_id,
            email=customer.emails[0] if customer.emails else None,
        ),
        period_start=invoice.period_start,
        period_last_day=invoice.period_end - dt.timedelta(days=1),
        lines=lines,
        tax_summary=summary,
        totals=totals,
        payment=payment,
        usage=usage or UsageSummary(),
        legal_footer=seller.legal_footer,
        preceding_invoice=preceding_invoice,
    )


def _facts(line: InvoiceLineSource) -> LineFacts:
    return LineFacts(
        position=line.position,
        kind=line.kind,
        description=line.description,
        service_start=line.service_start,
        # Service periods are stored half-open; a document prints the last day.
        service_end=line.service_end - dt.timedelta(days=1),
        quantity=line.quantity,
        net=line.net,
        tax_category=TaxCategory(line.tax_category),
        tax_percent=line.tax_percent,
    )


def _tax_summary(invoice: InvoiceSource, facts: Sequence[LineFacts]) -> tuple[TaxSummary, ...]:
    currency = invoice.currency
    totals = tax_totals(
        (TaxedLine(Money.of(f.net, currency), f.tax_category, f.tax_percent) for f in facts),
        currency,
    )
    notes: dict[TaxCategory, str] = {}
    for line in invoice.lines:
        if line.tax_note:
            notes.setdefault(TaxCategory(line.tax_category), line.tax_note)
    problems = []
    rows = []
    for sub in totals.subtotals:
        note = notes.get(sub.category, _DEFAULT_NOTES.get(sub.category))
        if sub.category is not TaxCategory.STANDARD and note is None:
            # EN 16931 BR-E-10: an exempt supply must say why (the customer's reason).
            problems.append(FieldError("lines", f"category {sub.category} needs its reason"))
        rows.append(
            TaxSummary(
                category=sub.category,
                percent=sub.percent,
                taxable=sub.taxable.amount,
                tax=sub.tax.amount,
                note=note,
            )
        )
    if problems:
        raise ValidationError(problems)
    return tuple(rows)


_DEFAULT_NOTES = {
    TaxCategory.REVERSE_CHARGE: REVERSE_CHARGE_NOTE,
    TaxCategory.OUTSIDE_SCOPE: OUTSIDE_SCOPE_NOTE,
}


__all__ = [
    "DestinationUsage",
    "DocumentType",
    "InvoiceDocument",
    "InvoiceLineSource",
    "InvoiceSource",
    "Party",
    "PaymentInstructions",
    "ServiceUsage",
    "TaxSummary",
    "Totals",
    "UsageSummary",
    "build_document",
]
