"""The catalog: plans and quotes; bill runs."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field

from tarifa.api.schemas.common import Amount, Body, Public


class CatalogCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"document": "# as in examples/catalog/\nproducts: []\n"}]},
    )

    document: str = Field(description="a catalog in tarifa's YAML format (docs/catalog.md)")


class CatalogLoadedPublic(Public):
    source: str
    load_id: int | None
    created: dict[str, list[str]]


class PlanQuoteCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"plan": "mobile-s", "usage": {"data_gb": "2.5"}, "period_start": "2026-03-01"}
            ]
        },
    )

    plan: str = Field(examples=["mobile-s"])
    usage: dict[str, str | list[str]] = Field(
        default_factory=dict, examples=[{"data_gb": "2.5"}], description="per charge code"
    )
    period_start: dt.date | None = None
    currency: str | None = None
    coupon: str | None = None
    quantity: int = Field(1, ge=1)
    period_index: int = Field(0, ge=0)


class QuoteLinePublic(Public):
    kind: str
    charge: str | None
    description: str
    amount: Amount
    rounded: Amount
    quantity: Amount | None
    allowance_used: Amount | None
    charged_quantity: Amount | None
    unit: str | None
    promotion: bool


class PlanQuotePublic(Public):
    plan: str
    version: int
    effective_from: dt.date
    currency: str
    period_start: dt.date
    period_end: dt.date
    period_index: int
    coupon: str | None
    lines: list[QuoteLinePublic]
    total: Amount
    precise_total: Amount


class BillRunCreate(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"as_of": "2026-11-01", "finalize": True}]}
    )

    as_of: dt.date = Field(description="invoice billing dates on or before this local date")
    seller: str | None = None
    finalize: bool = False
    dry_run: bool = False
    grace_days: int | None = Field(None, ge=0)


class CurrencyTotalPublic(Public):
    status: str
    currency: str
    invoices: int
    net: Amount
    tax: Amount
    total: Amount


class AccountFailurePublic(Public):
    account_id: int
    external_id: str
    reason: str


class BillRunPublic(Public):
    run_id: int | None
    as_of: dt.date
    seller: str
    dry_run: bool
    accounts: int
    drafted: int
    finalized: int
    totals: list[CurrencyTotalPublic]
    failures: list[AccountFailurePublic]
    completed: bool


class PlanVersionPublic(Public):
    effective_from: dt.date
    currencies: list[str]
    billing_period: str
    trial_days: int
    charges: list[str] = Field(description="the version's charge codes")


class PlanPublic(Public):
    code: str
    name: str
    description: str | None
    versions: list[PlanVersionPublic]
