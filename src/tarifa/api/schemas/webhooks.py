"""Webhook endpoints, events, deliveries and their log (docs/webhooks.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field

from tarifa.api.schemas.common import Body, Public


class EndpointCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://crm.example/hooks/tarifa",
                    "event_types": ["invoice.finalized", "invoice.paid"],
                    "description": "CRM",
                }
            ]
        },
    )

    url: str
    event_types: list[str] = Field(min_length=1, description="event types, or ['*'] for all")
    description: str | None = None


class EndpointPublic(Public):
    id: int
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: dt.datetime


class EndpointCreatedPublic(EndpointPublic):
    secret: str = Field(description="the signing secret (whsec_...): shown this once")


class EventPublic(Public):
    id: str = Field(description="the webhook-id of its deliveries")
    seq: int
    type: str
    payload: dict[str, Any]
    created_at: dt.datetime


class DeliveryPublic(Public):
    id: int
    event_id: str
    event_type: str
    endpoint_id: int
    url: str
    replay: bool
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class AttemptPublic(Public):
    id: int
    delivery_id: int
    event_id: str
    event_type: str
    endpoint_id: int
    url: str
    attempt: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status_code: int | None
    duration_ms: int | None
    error: str | None


class ReplayCreate(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"endpoint": 1}]})

    endpoint: int | None = Field(None, description="only to this endpoint (default: all)")
