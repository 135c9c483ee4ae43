"""/api/v1/disputes: card chargebacks (from the gateways' events) and customers' disputes of
an invoice line; their evidence notes, deadlines and outcomes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from tarifa.api.auth import Payer, Reader, Writer, staff_only, visible
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of
from tarifa.api.schemas.payments import (
    DisputeCloseCreate,
    DisputePublic,
    DisputeResolveCreate,
    EvidenceCreate,
    LineDisputeCreate,
)

router = APIRouter(prefix="/api/v1", tags=["disputes"], responses=COMMON)


@router.get("/disputes", response_model=list[DisputePublic])
def list_disputes(
    request: Request,
    key: Reader,
    status: Annotated[Literal["open", "won", "lost"] | None, Query()] = None,
    account: Annotated[str | None, Query(description="the customer's external id")] = None,
) -> list[DisputePublic]:
    """Disputes, open ones by nearest deadline first; a customer's key sees its own."""
    billing = billing_of(request)
    if account is not None:
        visible(key, billing.customers.get_by_external_id(account).id)
    owner: int | str | None = key.customer_id if key.customer_id is not None else account
    found = billing.disputes.list(status=status, account=owner)
    return [DisputePublic.model_validate(d) for d in found]


@router.get("/disputes/{dispute_id}", response_model=DisputePublic)
def get_dispute(dispute_id: int, request: Request, key: Reader) -> DisputePublic:
    """A dispute with its evidence notes."""
    dispute = billing_of(request).disputes.get(dispute_id)
    visible(key, dispute.account_id)
    return DisputePublic.model_validate(dispute)


@router.post("/disputes/{dispute_id}/evidence", response_model=DisputePublic)
def add_evidence(
    dispute_id: int, body: EvidenceCreate, request: Request, key: Payer
) -> DisputePublic:
    """Append an evidence note to an open dispute (notes are never changed)."""
    staff_only(key)
    noted = billing_of(request).disputes.add_evidence(dispute_id, body.note)
    return DisputePublic.model_validate(noted)


@router.post("/invoices/{invoice_id}/disputes", status_code=201, response_model=DisputePublic)
def open_line_dispute(
    invoice_id: int, body: LineDisputeCreate, request: Request, key: Writer
) -> DisputePublic:
    """Dispute part of a line (a customer's key may, on its own invoices): while open, the
    amount is left out of collection and dunning."""
    billing = billing_of(request)
    visible(key, billing.invoices.get(invoice_id).account_id)
    made = billing.disputes.open_line(
        invoice_id, line=body.line, amount=body.amount, reason=body.reason
    )
    return DisputePublic.model_validate(made)


@router.post("/disputes/{dispute_id}/resolve", response_model=DisputePublic)
def resolve_line_dispute(
    dispute_id: int, body: DisputeResolveCreate, request: Request, key: Writer
) -> DisputePublic:
    """Accept a line dispute (a credit note for its amount) or reject it (the amount is owed
    again and dunning resumes)."""
    staff_only(key)
    resolved = billing_of(request).disputes.resolve(dispute_id, accept=body.accept)
    return DisputePublic.model_validate(resolved)


@router.post("/disputes/{reference}/close", response_model=DisputePublic)
def close_chargeback(
    reference: str, body: DisputeCloseCreate, request: Request, key: Payer
) -> DisputePublic:
    """End a chargeback (by the gateway's id): won, nothing changes; lost, its amount is
    charged back and the invoice owes it again."""
    staff_only(key)
    closed = billing_of(request).payments.close_dispute(reference, won=body.won)
    return DisputePublic.model_validate(closed)
