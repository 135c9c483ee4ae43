"""Subscriptions: their history (changes) and the timeline it gives."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ConfigDict, Field

from tarifa.api.schemas.common import Body, Public
from tarifa.subscriptions.service import Subscription


class SubscriptionCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account": "CRM-DE-000034",
                    "plan": "mobile-s",
                    "start": "2026-12-07",
                    "quantity": 1,
                    "external_id": "LINE-0001",
                }
            ]
        },
    )

    account: str = Field(examples=["CRM-DE-000034"], description="the customer's external id")
    plan: str = Field(examples=["mobile-s"])
    start: dt.date = Field(description="the first local date, in the account's time zone")
    quantity: int = Field(1, ge=1, description="seats, lines")
    alignment: Literal["billing_cycle_day", "anniversary"] = "billing_cycle_day"
    coupon: str | None = Field(None, examples=["WELCOME10"])
    external_id: str | None = Field(None, examples=["OMS-LINE-1"], description="its id elsewhere")


class ChangePlanBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"plan": "mobile-business", "on": "2027-01-01"}]},
    )

    plan: str = Field(examples=["mobile-business"])
    on: dt.date | None = Field(None, description="local date it takes effect (default: today)")
    at_period_end: bool = Field(False, description="from the end of the period holding `on`")


class ChangeQuantityBody(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"quantity": 3, "on": "2027-01-01"}]}
    )

    quantity: int = Field(ge=1, examples=[3])
    on: dt.date | None = None


class WhenBody(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"on": "2027-02-01"}]}
    )

    on: dt.date | None = Field(None, description="local date it takes effect (default: today)")


class CancelBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"on": "2027-03-10", "at_period_end": True}]},
    )

    on: dt.date | None = Field(None, description="first day it no longer runs (default: today)")
    at_period_end: bool = Field(False, description="from the end of the period holding `on`")


class SubscriptionChangePublic(Public):
    kind: Literal["created", "plan_changed", "quantity_changed", "suspended", "resumed",
                  "cancelled"]  # fmt: skip
    effective: dt.date
    plan: str | None
    quantity: int | None
    trial_days: int


class SegmentPublic(Public):
    start: dt.date
    end: dt.date | None = Field(description="exclusive; null: open")
    plan: str
    quantity: int
    state: Literal["trial", "active", "suspended"]


class SubscriptionPublic(Public):
    id: int
    account_id: int
    external_id: str | None
    alignment: Literal["billing_cycle_day", "anniversary"]
    started_on: dt.date
    coupon: str | None
    version: int = Field(description="grows with every change; the ETag")
    cancelled_from: dt.date | None = Field(description="the first day it no longer runs")
    changes: list[SubscriptionChangePublic]
    segments: list[SegmentPublic] = Field(description="plan, quantity and state over time")

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionPublic:
        return cls(
            id=subscription.id,
            account_id=subscription.account_id,
            external_id=subscription.external_id,
            alignment=subscription.alignment.value,
            started_on=subscription.started_on,
            coupon=subscription.coupon,
            version=subscription.version,
            cancelled_from=subscription.timeline.cancelled_from,
            changes=[SubscriptionChangePublic.model_validate(c) for c in subscription.changes],
            segments=[SegmentPublic.model_validate(s) for s in subscription.timeline.segments],
        )
