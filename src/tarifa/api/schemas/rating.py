"""Tariffs and rate quotes."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from tarifa.api.schemas.common import Body, Public


class TariffCreate(Body):
    document: str = Field(description="a tariff in tarifa's YAML format (docs/rating.md)")


class CgratesImportCreate(Body):
    files: dict[str, str] = Field(
        description="the tariff-plan folder's CSV files by name (Destinations.csv, Rates.csv, "
        "DestinationRates.csv, Timings.csv, RatingPlans.csv, RatingProfiles.csv)"
    )
    name: str = Field("cgrates", pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="source name")
    tenant: str = "default"
    timezone: str = "UTC"
    currency: str | None = None
    code: str | None = None


class TariffSavedPublic(Public):
    tariff_id: int
    code: str
    revision: int
    replaced_id: int | None
    changed: bool


class TariffSummaryPublic(Public):
    id: int
    code: str
    revision: int
    current: bool
    currency: str
    time_zone: str
    loaded_at: dt.datetime
    source: str
    destinations: int
    prefixes: int


class RateQuoteCreate(Body):
    category: str = Field(examples=["call"], description="call, data, sms, mms or video")
    subject: str = Field(examples=["CRM-DE-000034"])
    destination: str = Field("", examples=["4930123456"])
    start: dt.datetime = Field(examples=["2026-03-02T09:15:00+01:00"])
    usage: str = Field(examples=["2m10s"], description="a Go duration, or a number of units")
    tenant: str = "default"


class RatedSpanPublic(Public):
    start: str
    usage: str
    time_band: str
    rate: str
    rate_group_start: str
    increments: str
    cost: str


class RateQuotePublic(Public):
    cost: str = Field(examples=["0.26"], description="exactly rounding_decimals digits")
    currency: str | None
    precise_cost: str
    destination: str
    prefix: str
    rating_plan: str
    subject: str
    time_bands: list[str]
    billed_usage: str
    rounding_decimals: int
    spans: list[RatedSpanPublic]
