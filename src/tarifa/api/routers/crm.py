"""/api/v1/crm: customers upserted by the CRM's external id (PUT), and a feed of changed
customers and subscriptions the CRM pulls from a cursor (docs/integration.md)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from tarifa.api.auth import Reader, Writer, staff_only
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of, if_match, set_etag
from tarifa.api.schemas.crm import ChangesPagePublic, CustomerFields, FeedChangePublic
from tarifa.api.schemas.customers import CustomerPublic
from tarifa.api.schemas.subscriptions import SubscriptionPublic
from tarifa.crm.model import Change, Entity

router = APIRouter(prefix="/api/v1/crm", tags=["crm"], responses=COMMON)


@router.put(
    "/customers/{external_id}",
    response_model=CustomerPublic,
    responses={201: {"model": CustomerPublic, "description": "created"}},
)
def upsert_customer(
    external_id: str, body: CustomerFields, request: Request, response: Response, key: Writer
) -> CustomerPublic:
    """Create the customer the CRM knows as `external_id` (201), or change the fields sent
    on it (200; fields left out keep their value). With `If-Match: "<version>"`, 412 unless
    the customer exists at that version."""
    staff_only(key)
    upserted = billing_of(request).crm.upsert(
        external_id, body.raw(), expected_version=if_match(request)
    )
    if upserted.created:
        response.status_code = 201
        response.headers["Location"] = f"/api/v1/customers/{quote(external_id, safe='')}"
    set_etag(response, upserted.customer.version)
    return CustomerPublic.model_validate(upserted.customer)


@router.get("/changes", response_model=ChangesPagePublic)
def changes(
    request: Request,
    key: Reader,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="changes read per page")] = 100,
    entity: Annotated[list[Literal["customer", "subscription"]] | None, Query()] = None,
) -> ChangesPagePublic:
    """Customers and subscriptions changed after the cursor (none: from the beginning), in
    commit order, each as it is now and listed once per page. Keep `next_cursor` and ask
    with it again: a change never falls between two pages, however late it commits."""
    staff_only(key)
    page = billing_of(request).crm.changes(
        cursor, limit=limit, entities=entity or (Entity.CUSTOMER, Entity.SUBSCRIPTION)
    )
    return ChangesPagePublic(
        data=[_public(c) for c in page.changes],
        next_cursor=page.next.token(),
        has_more=page.more,
    )


def _public(change: Change) -> FeedChangePublic:
    is_customer = change.entity is Entity.CUSTOMER
    return FeedChangePublic(
        cursor=change.position.token(),
        entity=change.entity.value,
        id=change.entity_id,
        action=change.action,
        recorded_at=change.recorded_at,
        customer=CustomerPublic.model_validate(change.current) if is_customer else None,
        subscription=None if is_customer else SubscriptionPublic.of(change.current),
    )
