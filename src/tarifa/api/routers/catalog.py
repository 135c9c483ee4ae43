"""/api/v1/catalog and /api/v1/bill-runs: plans, quotes, catalog loads, bill runs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Request

from tarifa.api.auth import Admin, Reader, Writer, staff_only
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of
from tarifa.api.schemas.catalog import (
    BillRunCreate,
    BillRunPublic,
    CatalogCreate,
    CatalogLoadedPublic,
    PlanPublic,
    PlanQuoteCreate,
    PlanQuotePublic,
    PlanVersionPublic,
)
from tarifa.api.threads import bulk
from tarifa.catalog.model import Plan
from tarifa.errors import FieldError, ValidationError

router = APIRouter(prefix="/api/v1", responses=COMMON)


def _plan(plan: Plan) -> PlanPublic:
    return PlanPublic(
        code=plan.code,
        name=plan.name,
        description=plan.description,
        versions=[
            PlanVersionPublic(
                effective_from=v.effective_from,
                currencies=list(v.currencies),
                billing_period=str(v.billing_period.value),
                trial_days=v.trial_days,
                charges=[c.code for c in v.charges],
            )
            for v in plan.versions
        ],
    )


@router.get("/catalog/plans", tags=["catalog"], response_model=list[PlanPublic])
def list_plans(request: Request, key: Reader) -> list[PlanPublic]:
    """The plans of the current catalog with their versions."""
    return [_plan(p) for p in billing_of(request).catalog.current().plans]


@router.get("/catalog/plans/{code}", tags=["catalog"], response_model=PlanPublic)
def get_plan(code: str, request: Request, key: Reader) -> PlanPublic:
    """A plan with its versions."""
    return _plan(billing_of(request).catalog.plan(code))


@router.post("/catalog", tags=["catalog"], status_code=201, response_model=CatalogLoadedPublic)
@bulk
def load_catalog(body: CatalogCreate, request: Request, key: Admin) -> CatalogLoadedPublic:
    """Load a catalog document (products, plans and their versions, coupons)."""
    report = billing_of(request).catalog.load_text(body.document, name="api")
    return CatalogLoadedPublic.model_validate(report)


@router.post("/catalog/quote", tags=["catalog"], response_model=PlanQuotePublic)
def quote_plan(body: PlanQuoteCreate, request: Request, key: Reader) -> PlanQuotePublic:
    """The pre-tax lines of one billing period of a plan, for the usage given per charge."""
    usage: dict[str, Decimal | list[Decimal]] = {}
    problems: list[FieldError] = []
    for charge, value in body.usage.items():
        try:
            usage[charge] = (
                [Decimal(v) for v in value] if isinstance(value, list) else Decimal(value)
            )
        except InvalidOperation:
            problems.append(FieldError(f"usage.{charge}", "must be a decimal number as a string"))
    if problems:
        raise ValidationError(problems)
    quote = billing_of(request).catalog.quote(
        body.plan,
        usage,
        period_start=body.period_start,
        currency=body.currency,
        coupon=body.coupon,
        quantity=body.quantity,
        period_index=body.period_index,
    )
    return PlanQuotePublic.model_validate(quote)


@router.post("/bill-runs", tags=["bill runs"], response_model=BillRunPublic)
@bulk
def bill_run(body: BillRunCreate, request: Request, key: Writer) -> BillRunPublic:
    """Invoice every account's billing dates on or before `as_of` (idempotent: a second run
    finds the invoices made). Runs in the request with one worker; large installations run
    `tarifa bill-run --workers N` instead."""
    staff_only(key)
    summary = billing_of(request).bill_runs.run(
        body.as_of,
        seller=body.seller,
        finalize=body.finalize,
        dry_run=body.dry_run,
        grace_days=body.grace_days,
    )
    return BillRunPublic.model_validate(summary)
