"""Tariffs and rate quotes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field

from tarifa.api.schemas.common import Body, Public

#: Examples for the OpenAPI document (a valid tariff, a valid CGRateS folder).
TARIFF = (
    "code: flat-voice\n"
    "currency: EUR\n"
    "time_zone: Europe/Berlin\n"
    "destinations:\n"
    '  - {code: DE, prefixes: ["49"]}\n'
    "rates:\n"
    "  - code: FLAT\n"
    "    groups:\n"
    '      - {interval_start: "0s", price: "0.06", rate_unit: "60s", increment: "60s"}\n'
    '      - {interval_start: "60s", price: "0.06", rate_unit: "60s", increment: "1s"}\n'
    "destination_rates:\n"
    "  - code: DR_FLAT\n"
    "    rounding_method: up\n"
    "    rounding_decimals: 4\n"
    "    entries:\n"
    "      - {destination: DE, rate: FLAT}\n"
    "rating_plans:\n"
    "  - code: flat\n"
    "    entries:\n"
    '      - {destination_rates: DR_FLAT, time_band: "*any", weight: "10"}\n'
    "profiles:\n"
    '  - {category: call, subject: "*any", activation: "2026-01-01T00:00:00+01:00",\n'
    "     rating_plan: flat}\n"
)

CGRATES: dict[str, Any] = {
    "files": {
        "Destinations.csv": "#Id,Prefix\nDST_DE,49\n",
        "Rates.csv": "#Id,ConnectFee,Rate,RateUnit,RateIncrement,GroupIntervalStart\n"
        "RT_DE,0,0.06,60s,1s,0s\n",
        "DestinationRates.csv": "#Id,DestinationId,RatesTag,RoundingMethod,RoundingDecimals,"
        "MaxCost,MaxCostStrategy\nDR_DE,DST_DE,RT_DE,*up,4,0,\n",
        "RatingPlans.csv": "#Id,DestinationRatesId,TimingTag,Weight\nRP_DE,DR_DE,*any,10\n",
        "RatingProfiles.csv": "#Tenant,Category,Subject,ActivationTime,RatingPlanId,"
        "RatesFallbackSubject\ncgrates.org,call,*any,2026-01-01T00:00:00Z,RP_DE,\n",
    },
    "name": "carrier-de",
    "tenant": "carrier",
    "timezone": "UTC",
    "currency": "EUR",
}


class TariffCreate(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"document": TARIFF}]}
    )

    document: str = Field(description="a tariff in tarifa's YAML format (docs/rating.md)")


class CgratesImportCreate(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CGRATES]})

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
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "call",
                    "subject": "CRM-DE-000034",
                    "destination": "4930123456",
                    "start": "2026-03-02T09:15:00+01:00",
                    "usage": "2m10s",
                }
            ]
        },
    )

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
