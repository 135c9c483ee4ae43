"""/api/v1/inventory: phone numbers, SIMs and devices added in bulk, listed, read, reserved
for an order, assigned to a subscription and released into quarantine. A resource is never
on two subscriptions at once (the database refuses overlapping assignments). Staff only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from tarifa.api.auth import Reader, Writer, staff_only
from tarifa.api.pagination import Cursor, Limit, Page, after, next_cursor
from tarifa.api.problems import COMMON, FieldProblem
from tarifa.api.routers._shared import billing_of
from tarifa.api.schemas.inventory import (
    AddReportPublic,
    AssignBody,
    Kind,
    ReleaseBody,
    ReserveBody,
    ResourcePublic,
    ResourcesAdd,
    Status,
)

router = APIRouter(prefix="/api/v1/inventory", tags=["inventory"], responses=COMMON)


@router.post("", response_model=AddReportPublic)
def add_resources(body: ResourcesAdd, request: Request, key: Writer) -> AddReportPublic:
    """Add resources of one kind; invalid values are reported (and not added), values there
    already are left as they are: sending the same list again adds nothing."""
    staff_only(key)
    report = billing_of(request).inventory.add(body.kind, body.values)
    return AddReportPublic(
        added=list(report.added),
        existing=list(report.existing),
        rejected=[FieldProblem(field=e.field, reason=e.reason) for e in report.rejected],
    )


@router.get("", response_model=Page[ResourcePublic])
def list_resources(
    request: Request,
    key: Reader,
    kind: Annotated[Kind | None, Query()] = None,
    status: Annotated[Status | None, Query(description="as of now")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ResourcePublic]:
    """Resources in the order they were added, by kind and status (their assignments are
    listed on GET one)."""
    staff_only(key)
    found = billing_of(request).inventory.list(
        kind=kind, status=status, limit=limit, after_id=after(cursor)
    )
    return Page(
        data=[ResourcePublic.model_validate(r) for r in found],
        next_cursor=next_cursor([r.id for r in found], limit),
    )


@router.get("/{kind}/{value}", response_model=ResourcePublic)
def get_resource(kind: Kind, value: str, request: Request, key: Reader) -> ResourcePublic:
    """A resource with its assignments. Send a phone number's `+` as `%2B`."""
    staff_only(key)
    return ResourcePublic.model_validate(billing_of(request).inventory.get(kind, value))


@router.post("/{kind}/{value}/reserve", response_model=ResourcePublic)
def reserve(
    kind: Kind, value: str, body: ReserveBody, request: Request, key: Writer
) -> ResourcePublic:
    """Hold an available resource for an order until a time (409 when it is not available);
    an order with that id then assigns it."""
    staff_only(key)
    held = billing_of(request).inventory.reserve(
        kind, value, reserved_for=body.reserved_for, until=body.until
    )
    return ResourcePublic.model_validate(held)


@router.post("/{kind}/{value}/assign", response_model=ResourcePublic)
def assign(
    kind: Kind, value: str, body: AssignBody, request: Request, key: Writer
) -> ResourcePublic:
    """Put an available resource (or one reserved for `reserved_for`) on a subscription (409
    when it is taken). Stock keeping only: an order also binds a number as the line's usage
    identifier."""
    staff_only(key)
    placed = billing_of(request).inventory.assign(
        kind, value, body.subscription_id, at=body.at, reserved_for=body.reserved_for
    )
    return ResourcePublic.model_validate(placed)


@router.post("/{kind}/{value}/release", response_model=ResourcePublic)
def release(
    kind: Kind, value: str, request: Request, key: Writer, body: ReleaseBody | None = None
) -> ResourcePublic:
    """Take an assigned resource off its subscription; it is quarantined (phone numbers 90
    days by default) before it can be reserved or assigned again."""
    staff_only(key)
    freed = billing_of(request).inventory.release(
        kind,
        value,
        at=body.at if body else None,
        quarantine_days=body.quarantine_days if body else None,
    )
    return ResourcePublic.model_validate(freed)
