"""Inventory: phone numbers, SIM cards (ICCID) and devices (IMEI)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ConfigDict, Field

from tarifa.api.problems import FieldProblem
from tarifa.api.schemas.common import Body, Public

Kind = Literal["phone_number", "sim", "device"]
Status = Literal["available", "reserved", "assigned", "quarantined", "retired"]


class ResourcesAdd(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "phone_number", "values": ["+4915112345678", "+4915112345679"]}]
        },
    )

    kind: Kind
    values: list[str] = Field(min_length=1, max_length=10000, examples=[["+4915112345678"]])


class AddReportPublic(Public):
    added: list[str] = Field(description="normalized values added")
    existing: list[str] = Field(description="values there already (left as they are)")
    rejected: list[FieldProblem] = Field(description="values refused, with the reason")


class ReserveBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reserved_for": "OMS-2026-000123", "until": "2026-12-31T00:00:00Z"}]
        },
    )

    reserved_for: str = Field(examples=["OMS-2026-000123"], description="an order id")
    until: dt.datetime = Field(description="the reservation lapses then")


class AssignBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"subscription_id": 1, "reserved_for": "OMS-2026-000123"}]},
    )

    subscription_id: int
    at: dt.datetime | None = Field(None, description="from when (default: now)")
    reserved_for: str | None = Field(None, description="take a resource reserved for this")


class ReleaseBody(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"quarantine_days": 30}]}
    )

    at: dt.datetime | None = Field(None, description="until when it was used (default: now)")
    quarantine_days: int | None = Field(
        None, ge=0, description="default: 90 for phone numbers, 0 for SIMs and devices"
    )


class AssignmentPublic(Public):
    subscription_id: int
    assigned_at: dt.datetime
    released_at: dt.datetime | None


class ResourcePublic(Public):
    id: int
    kind: Kind
    value: str = Field(examples=["+4915112345678"], description="normalized: E.164, digits")
    status: Status = Field(description="now: a lapsed reservation or quarantine is available")
    reserved_for: str | None
    reserved_until: dt.datetime | None
    subscription_id: int | None
    quarantine_until: dt.datetime | None
    assignments: list[AssignmentPublic] = Field(description="every assignment (GET one only)")
