"""Orders from an order-management system, and what they did."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import ConfigDict, Field

from tarifa.api.schemas.common import Body, Public
from tarifa.api.schemas.crm import CustomerFields
from tarifa.api.schemas.inventory import Kind

Action = Literal["subscribe", "change_plan", "change_quantity", "suspend", "resume", "cancel",
                 "assign", "release"]  # fmt: skip


class OrderCustomer(CustomerFields):
    """The order's customer, by its external id: created with these fields when there is
    none (the fields a new customer needs are then required), else the fields sent are
    changed on it (kind and currency cannot change)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"external_id": "CRM-DE-000034"}]}
    )

    external_id: str = Field(examples=["CRM-DE-000034"])

    def raw(self) -> dict[str, Any]:
        return CustomerFields.raw(self) | {"external_id": self.external_id}


class OrderResource(Body):
    kind: Kind
    value: str = Field(examples=["+4915112345678"])


class OrderItemBody(Body):
    """One step of the order. subscribe: `plan`, `start`, optional `quantity`, `alignment`,
    `coupon`, `external_id` (later items may name it), `resources` to assign. The others
    name a subscription of the customer (`subscription`: its external id, or
    `subscription_id`): change_plan (`plan`, `on`, `at_period_end`), change_quantity
    (`quantity`, `on`), suspend and resume (`on`), cancel (`on`, `at_period_end`,
    `resources` to release), assign (`resources`, `on`), release (`resources`, `on`,
    `quarantine_days`)."""

    action: Action
    subscription: str | None = None
    subscription_id: int | None = None
    plan: str | None = None
    start: dt.date | None = None
    on: dt.date | None = None
    quantity: int | None = None
    at_period_end: bool | None = None
    alignment: Literal["billing_cycle_day", "anniversary"] | None = None
    coupon: str | None = None
    external_id: str | None = None
    resources: list[OrderResource] | None = None
    quarantine_days: int | None = None


class OrderCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "order_id": "OMS-2026-000123",
                    "customer": {"external_id": "CRM-DE-000034"},
                    "items": [
                        {
                            "action": "subscribe",
                            "plan": "mobile-s",
                            "start": "2026-12-07",
                            "external_id": "LINE-0001",
                            "resources": [
                                {"kind": "phone_number", "value": "+4915112345678"},
                                {"kind": "sim", "value": "8944500102198304826"},
                            ],
                        }
                    ],
                }
            ]
        },
    )

    order_id: str = Field(examples=["OMS-2026-000123"], description="the OMS's id: applied once")
    customer: OrderCustomer
    items: list[OrderItemBody] = Field(min_length=1, max_length=100)

    def raw(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "customer": self.customer.raw(),
            "items": [i.model_dump(mode="json", exclude_none=True) for i in self.items],
        }


class CustomerOutcomePublic(Public):
    id: int
    external_id: str
    outcome: Literal["created", "updated", "unchanged"]
    version: int


class ResourceOutcomePublic(Public):
    kind: Kind
    value: str
    status: str
    subscription_id: int | None = Field(description="the subscription it was put on or taken off")


class ItemOutcomePublic(Public):
    action: Action
    subscription_id: int | None
    subscription_external_id: str | None
    version: int | None = Field(description="the subscription's version after the item")
    effective: dt.date | None = Field(description="the local date the item takes effect")
    resources: list[ResourceOutcomePublic]


class OrderPublic(Public):
    order_id: str
    applied_at: dt.datetime
    replayed: bool = Field(description="true: applied before; this is that result again")
    customer: CustomerOutcomePublic
    items: list[ItemOutcomePublic]
