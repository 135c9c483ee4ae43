"""/api/v1/invoices: listed and filtered, read, finalized, credited, and downloaded as PDF,
CSV, itemized usage or Factur-X."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from tarifa.api.auth import Reader, Writer, staff_only, visible
from tarifa.api.pagination import Cursor, Limit, Page, after, next_cursor
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of
from tarifa.api.schemas.invoices import (
    CreditNoteCreate,
    CreditNotePublic,
    FinalizeBody,
    InvoicePublic,
    State,
)

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"], responses=COMMON)

_MEDIA = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "usage": "text/csv",
    "facturx": "application/pdf",
}


@router.get("", response_model=Page[InvoicePublic])
def list_invoices(
    request: Request,
    key: Reader,
    account: Annotated[str | None, Query(description="the customer's external id")] = None,
    status: Annotated[Literal["draft", "finalized"] | None, Query()] = None,
    state: Annotated[State | None, Query()] = None,
    billed_from: Annotated[dt.date | None, Query(description="billing date on or after")] = None,
    billed_to: Annotated[dt.date | None, Query(description="billing date on or before")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[InvoicePublic]:
    """Invoices in creation order, filtered; a customer's key sees only its own."""
    billing = billing_of(request)
    account_id = key.customer_id
    if account is not None:
        customer = billing.customers.get_by_external_id(account)
        visible(key, customer.id)
        account_id = customer.id
    found = billing.invoices.list(
        account_id=account_id,
        status=status,
        state=state,
        billed_from=billed_from,
        billed_to=billed_to,
        limit=limit,
        after_id=after(cursor),
    )
    return Page(
        data=[InvoicePublic.model_validate(i) for i in found],
        next_cursor=next_cursor([i.id for i in found], limit),
    )


@router.get("/{invoice_id}", response_model=InvoicePublic)
def get_invoice(invoice_id: int, request: Request, key: Reader) -> InvoicePublic:
    """An invoice with its lines, balance and state."""
    invoice = billing_of(request).invoices.get(invoice_id)
    visible(key, invoice.account_id)
    return InvoicePublic.model_validate(invoice)


@router.post("/{invoice_id}/finalize", response_model=InvoicePublic)
def finalize_invoice(
    invoice_id: int, request: Request, key: Writer, body: FinalizeBody | None = None
) -> InvoicePublic:
    """Number and freeze a draft (finalizing a finalized invoice returns it unchanged)."""
    staff_only(key)
    issue = body.issue_date if body is not None else None
    return InvoicePublic.model_validate(
        billing_of(request).invoices.finalize(invoice_id, issue_date=issue)
    )


@router.post("/{invoice_id}/credit-notes", status_code=201, response_model=CreditNotePublic)
def credit_invoice(
    invoice_id: int, body: CreditNoteCreate, request: Request, key: Writer
) -> CreditNotePublic:
    """A credit note: in full, for some lines, or for an amount (never more than is left)."""
    staff_only(key)
    note = billing_of(request).invoices.credit(
        invoice_id, reason=body.reason, positions=body.positions, amount=body.amount
    )
    return CreditNotePublic.model_validate(note)


@router.get("/{invoice_id}/credit-notes", response_model=list[CreditNotePublic])
def list_credit_notes(invoice_id: int, request: Request, key: Reader) -> list[CreditNotePublic]:
    """The credit notes of an invoice."""
    billing = billing_of(request)
    visible(key, billing.invoices.get(invoice_id).account_id)
    return [CreditNotePublic.model_validate(n) for n in billing.invoices.credit_notes(invoice_id)]


@router.get(
    "/{invoice_id}/document",
    response_class=Response,
    responses={
        200: {"content": {m: {} for m in set(_MEDIA.values())}, "description": "the document"}
    },
)
def download_invoice(
    invoice_id: int,
    request: Request,
    key: Reader,
    format: Annotated[Literal["pdf", "csv", "usage", "facturx"], Query()] = "pdf",
) -> Response:
    """A finalized invoice as PDF, CSV of its lines, itemized usage CSV or Factur-X (PDF/A-3
    with its EN 16931 XML)."""
    billing = billing_of(request)
    invoice = billing.invoices.get(invoice_id)
    visible(key, invoice.account_id)
    content = billing.documents.render(invoice_id, format)
    suffix = "csv" if format in ("csv", "usage") else "pdf"
    name = f"{invoice.number or invoice_id}{'-usage' if format == 'usage' else ''}.{suffix}"
    return Response(
        content,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
