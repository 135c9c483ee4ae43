"""/api/v1/webhooks: endpoints (registered with their event types; the signing secret shown
once), the events written, their deliveries and the delivery log, and replays. Delivering is
`tarifa webhooks deliver`'s (a worker of its own), not the API's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request

from tarifa.api.auth import Admin
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of
from tarifa.api.schemas.webhooks import (
    AttemptPublic,
    DeliveryPublic,
    EndpointCreate,
    EndpointCreatedPublic,
    EndpointPublic,
    EventPublic,
    ReplayCreate,
)

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=COMMON)


@router.post("/endpoints", status_code=201, response_model=EndpointCreatedPublic)
def add_endpoint(body: EndpointCreate, request: Request, key: Admin) -> EndpointCreatedPublic:
    """Register an endpoint for some event types; the answer holds its signing secret, which
    is never shown again."""
    made, secret = billing_of(request).webhooks.add_endpoint(
        body.url, body.event_types, description=body.description
    )
    return EndpointCreatedPublic.model_validate(
        EndpointPublic.model_validate(made).model_dump() | {"secret": secret}
    )


@router.get("/endpoints", response_model=list[EndpointPublic])
def list_endpoints(request: Request, key: Admin) -> list[EndpointPublic]:
    """Every endpoint (without secrets)."""
    return [EndpointPublic.model_validate(e) for e in billing_of(request).webhooks.endpoints()]


@router.post("/endpoints/{endpoint_id}/disable", response_model=EndpointPublic)
def disable_endpoint(endpoint_id: int, request: Request, key: Admin) -> EndpointPublic:
    """Stop writing events for it (deliveries queued wait until it is enabled again)."""
    return EndpointPublic.model_validate(billing_of(request).webhooks.disable(endpoint_id))


@router.post("/endpoints/{endpoint_id}/enable", response_model=EndpointPublic)
def enable_endpoint(endpoint_id: int, request: Request, key: Admin) -> EndpointPublic:
    """Write events for it again."""
    return EndpointPublic.model_validate(billing_of(request).webhooks.enable(endpoint_id))


@router.delete("/endpoints/{endpoint_id}", response_model=EndpointPublic)
def remove_endpoint(endpoint_id: int, request: Request, key: Admin) -> EndpointPublic:
    """Remove it with its deliveries and their log (the events stay)."""
    return EndpointPublic.model_validate(billing_of(request).webhooks.remove(endpoint_id))


@router.get("/events", response_model=list[EventPublic])
def list_events(
    request: Request,
    key: Admin,
    type: Annotated[str | None, Query(description="one event type")] = None,
    since: Annotated[dt.datetime | None, Query(description="written at or after")] = None,
    after: Annotated[int, Query(ge=0, description="the last `seq` seen (paging)")] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[EventPublic]:
    """Events oldest first (page on by passing the last one's `seq` as `after`)."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    found = billing_of(request).webhooks.events(since=since, type=type, after=after, limit=limit)
    return [EventPublic.model_validate(e) for e in found]


@router.get("/deliveries", response_model=list[DeliveryPublic])
def list_deliveries(
    request: Request,
    key: Admin,
    event_id: Annotated[str | None, Query()] = None,
    endpoint: Annotated[int | None, Query()] = None,
    status: Annotated[str | None, Query(pattern="^(pending|delivered|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryPublic]:
    """Deliveries, newest first."""
    found = billing_of(request).webhooks.deliveries(
        event_id=event_id, endpoint=endpoint, status=status, limit=limit
    )
    return [DeliveryPublic.model_validate(d) for d in found]


@router.get("/log", response_model=list[AttemptPublic])
def delivery_log(
    request: Request,
    key: Admin,
    event_id: Annotated[str | None, Query()] = None,
    endpoint: Annotated[int | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[AttemptPublic]:
    """Every delivery attempt with its answer or error, newest first."""
    found = billing_of(request).webhooks.log(event_id=event_id, endpoint=endpoint, limit=limit)
    return [AttemptPublic.model_validate(a) for a in found]


@router.post("/events/{event_id}/replay", response_model=list[DeliveryPublic])
def replay(
    event_id: str, request: Request, key: Admin, body: ReplayCreate | None = None
) -> list[DeliveryPublic]:
    """Deliver a past event again (same webhook-id), to one endpoint or to all it went to."""
    endpoint = body.endpoint if body is not None else None
    made = billing_of(request).webhooks.replay(event_id, endpoint=endpoint)
    return [DeliveryPublic.model_validate(d) for d in made]
