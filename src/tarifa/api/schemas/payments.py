"""Payment methods (tokens and mandates only), payments, refunds, disputes, bank statements."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import ConfigDict, Field

from tarifa.api.schemas.common import Amount, Body, Public

Gateway = Literal["sandbox", "stripe"]


class PaymentMethodCreate(Body):
    """A card is a gateway token with brand, last 4 digits and expiry (a card number is
    refused wherever it appears); a SEPA mandate an IBAN, mandate id and signature date."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "card",
                    "gateway": "sandbox",
                    "token": "pm_card_visa",
                    "brand": "visa",
                    "last4": "4242",
                    "exp_month": 12,
                    "exp_year": 2030,
                }
            ]
        },
    )

    kind: Literal["card", "sepa_debit", "bank_transfer"]
    gateway: Gateway | None = None
    token: str | None = Field(None, examples=["pm_card_visa"])
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    iban: str | None = None
    bic: str | None = None
    mandate_id: str | None = None
    mandate_signed_on: dt.date | None = None
    label: str | None = None
    default: bool = False

    def raw(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class PaymentMethodPublic(Public):
    id: int
    account_id: int
    kind: str
    is_default: bool
    status: str
    gateway: str | None
    token: str | None
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    iban: str | None
    bic: str | None
    mandate_id: str | None
    mandate_signed_on: dt.date | None
    sequence: str | None
    label: str | None


class PaymentCreate(Body):
    """Money received (a transfer, a cheque, cash): it pays the invoice named, else the oldest
    open ones; what is left becomes customer credit."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"account": "CRM-DE-000034", "amount": "14.27", "invoice": "INV-2026-000009"}
            ]
        },
    )

    account: str = Field(examples=["CRM-DE-000034"], description="the customer's external id")
    amount: Amount
    invoice: str | None = Field(None, description="the invoice the payer named (number or RF)")
    reference: str | None = None
    received_on: dt.date | None = None
    kind: Literal["bank_transfer", "cash", "cheque", "other"] = "bank_transfer"


class AllocationPublic(Public):
    invoice_id: int
    amount: Amount


class PaymentPublic(Public):
    id: int
    account_id: int
    kind: str
    amount: Amount
    currency: str
    status: str
    idempotency_key: str
    invoice_id: int | None
    reference: str | None
    received_on: dt.date | None
    allocations: list[AllocationPublic]
    credit: Amount


class CollectionCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"gateway": "sandbox", "date": "2026-12-01"}]},
    )

    gateway: Gateway
    date: dt.date | None = Field(None, description="collect invoices due on or before it")


class ResolveCreate(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"gateway": "sandbox", "older_than": 60}]}
    )

    gateway: Gateway
    older_than: float = Field(60, ge=0, description="leave younger pending attempts alone (s)")


class CollectionPublic(Public):
    attempted: int
    succeeded: int
    failed: int
    unknown: int
    declined: list[tuple[str, str]] = Field(description="(invoice number, decline code)")


class RefundCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "cancelled within 14 days", "amount": "5.00", "gateway": "sandbox"}
            ]
        },
    )

    reason: str
    amount: Amount | None = None
    gateway: Gateway | None = Field(None, description="a card payment's gateway")
    iban: str | None = Field(None, description="a transfer's refund account")


class RefundPublic(Public):
    id: int
    payment_id: int
    account_id: int
    amount: Amount
    currency: str
    method: str
    status: str
    reason: str
    failure_code: str | None


class DisputeCloseCreate(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"won": True}]})

    won: bool


class EvidenceNotePublic(Public):
    id: int
    note: str
    created_at: dt.datetime
    actor: str


class DisputePublic(Public):
    id: int
    kind: Literal["chargeback", "line"]
    payment_id: int | None
    invoice_id: int | None
    account_id: int
    amount: Amount
    currency: str
    status: str
    reason: str
    gateway_reference: str | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    evidence_due_by: dt.datetime | None = Field(description="a chargeback's evidence deadline")
    line_position: int | None
    net: Amount | None = Field(description="a line dispute's net amount (what it would credit)")
    credit_note_id: int | None
    notes: list[EvidenceNotePublic]


class LineDisputeCreate(Body):
    """A customer disputes part of one line of a finalized invoice (a gross amount)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"line": 2, "amount": "2.38", "reason": "roaming "
                                         "charged while at home"}]},
    )  # fmt: skip

    line: int = Field(ge=1, description="the line's position")
    amount: Amount
    reason: str


class EvidenceCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"note": "signed delivery receipt sent to the bank"}]},
    )

    note: str = Field(min_length=1)


class DisputeResolveCreate(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"accept": True}]})

    accept: bool = Field(description="true: a credit note for the amount; false: it is owed")


class StatementImportPublic(Public):
    """matched + partially_matched + unmatched + already_imported = transactions."""

    statements: int
    entries: int
    transactions: int
    matched: int
    partially_matched: int
    unmatched: int
    already_imported: int
    skipped: int
    problems: list[str]


class BankTransactionPublic(Public):
    id: int
    key: str
    account: str
    booking_date: dt.date
    direction: str
    reversal: bool
    amount: Amount
    currency: str
    remittance: str
    payer_iban: str | None
    payer_name: str | None
    status: str
    reason: str
    invoice_id: int | None
    payment_id: int | None


class MatchCreate(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"invoice": "INV-2026-000009"}]}
    )

    invoice: str = Field(description="the invoice's number or RF reference")
