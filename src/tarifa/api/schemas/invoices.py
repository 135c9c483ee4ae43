"""Invoices, their lines and credit notes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ConfigDict, Field

from tarifa.api.schemas.common import Amount, Body, Public

State = Literal["draft", "open", "partially_paid", "paid", "overdue", "void", "written_off"]


class InvoiceLinePublic(Public):
    position: int
    subscription_id: int | None
    kind: str
    key: str
    description: str
    service_start: dt.date
    service_end: dt.date
    quantity: Amount | None
    amount: Amount
    net: Amount
    tax_category: str = Field(examples=["S"])
    tax_percent: Amount
    tax_note: str | None


class InvoicePublic(Public):
    id: int
    seller_id: int
    account_id: int
    currency: str
    billing_date: dt.date
    period_start: dt.date
    period_end: dt.date
    status: Literal["draft", "finalized"]
    number: str | None = Field(examples=["INV-2026-000001"])
    creditor_reference: str | None = Field(examples=["RF94INV2026000001"])
    issue_date: dt.date | None
    due_date: dt.date | None
    net: Amount
    tax: Amount
    total: Amount
    credited: Amount
    allocated: Amount
    prepaid: Amount
    balance: Amount
    written_off: Amount
    disputed: Amount = Field(description="held back by open disputes of its lines")
    state: State
    lines: list[InvoiceLinePublic]


class FinalizeBody(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"issue_date": "2026-11-01"}]}
    )

    issue_date: dt.date | None = None


class CreditNoteCreate(Body):
    """Credit the whole invoice (neither `positions` nor `amount`), some of its lines, or an
    amount at the invoice's one VAT rate."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "goodwill: network outage of 3 March", "amount": "2.00"}]
        },
    )

    reason: str = Field(examples=["goodwill: network outage of 3 March"])
    positions: list[int] | None = None
    amount: Amount | None = None


class CreditNoteLinePublic(Public):
    position: int
    invoice_position: int | None
    description: str
    quantity: Amount | None
    amount: Amount
    net: Amount
    tax_category: str
    tax_percent: Amount
    tax_note: str | None


class CreditNotePublic(Public):
    id: int
    invoice_id: int
    seller_id: int
    account_id: int
    currency: str
    number: str
    issue_date: dt.date
    reason: str
    net: Amount
    tax: Amount
    total: Amount
    lines: list[CreditNoteLinePublic]


class BalancePublic(Public):
    currency: str
    receivable: Amount
    credit: Amount
    owed: Amount = Field(description="receivable - credit (negative: tarifa owes)")
