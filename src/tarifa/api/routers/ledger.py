"""/api/v1/ledger and /api/v1/audit: balances, the trial balance, receivables aging, and the
tamper-evident audit log (entries of an entity, verification of the chain)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request

from tarifa.api.auth import Admin, Reader, staff_only, visible
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of
from tarifa.api.schemas.invoices import BalancePublic
from tarifa.api.schemas.ledger import (
    AgingRowPublic,
    AuditEntryPublic,
    AuditVerificationPublic,
    TrialBalanceRowPublic,
)

router = APIRouter(prefix="/api/v1", responses=COMMON)


@router.get(
    "/customers/{external_id}/balance",
    tags=["ledger"],
    response_model=dict[str, list[BalancePublic]],
)
def get_balance(external_id: str, request: Request, key: Reader) -> dict[str, list[BalancePublic]]:
    """What the customer owes, per currency, from the ledger."""
    billing = billing_of(request)
    customer = billing.customers.get_by_external_id(external_id)
    visible(key, customer.id)
    rows = billing.ledger.balance(customer.id)
    return {"data": [BalancePublic.model_validate(b) for b in rows]}


@router.get("/ledger/trial-balance", tags=["ledger"], response_model=list[TrialBalanceRowPublic])
def trial_balance(request: Request, key: Reader) -> list[TrialBalanceRowPublic]:
    """Every ledger account's debits and credits; they sum to the same total."""
    staff_only(key)
    rows = billing_of(request).ledger.trial_balance()
    return [TrialBalanceRowPublic.model_validate(r) for r in rows]


@router.get("/ledger/aging", tags=["ledger"], response_model=list[AgingRowPublic])
def aging(
    request: Request,
    key: Reader,
    as_of: Annotated[dt.date | None, Query(description="default: today (UTC)")] = None,
) -> list[AgingRowPublic]:
    """Accounts-receivable aging: current, 1-30, 31-60, 61-90 and over 90 days past due."""
    staff_only(key)
    day = as_of or dt.datetime.now(dt.UTC).date()
    return [AgingRowPublic.model_validate(r) for r in billing_of(request).ledger.aging(day)]


@router.get("/audit/entries", tags=["audit"], response_model=list[AuditEntryPublic])
def audit_entries(
    request: Request,
    key: Admin,
    entity_type: Annotated[str, Query(examples=["customer"])],
    entity_id: Annotated[str, Query(examples=["42"])],
) -> list[AuditEntryPublic]:
    """The audit log's entries about one entity, oldest first (personal data left out)."""
    rows = billing_of(request).audit.entries(entity_type, entity_id)
    return [AuditEntryPublic.model_validate(r) for r in rows]


@router.get("/audit/verify", tags=["audit"], response_model=AuditVerificationPublic)
def audit_verify(request: Request, key: Admin) -> AuditVerificationPublic:
    """Walk the hash chain: the first row that was changed or removed, if any."""
    result = billing_of(request).audit.verify()
    return AuditVerificationPublic(
        ok=result.ok,
        rows=result.rows,
        head_id=result.head.id if result.head else None,
        head_hash=result.head.hash if result.head else None,
        problem=result.problem.value if result.problem else None,
        row_id=result.row_id,
    )
