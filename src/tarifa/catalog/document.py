"""The catalog file: YAML a provider reads, reviews and keeps in version control.

Two layers check a file. The pydantic models below describe its *shape* (which keys, which
types; the shipped JSON Schema is generated from them, :func:`json_schema`), and
:mod:`tarifa.catalog.rules` checks its *meaning* (references, currencies, what each charge
kind allows, every pricing spec through :func:`tarifa.pricing.parse_spec`). Either way a
problem is reported with its path in the document, e.g. ``plans[0].versions[1].charges[2]
.pricing.tiers[1].up_to``, and every problem of a file is reported at once.

Numbers are strings (``"0.05"``); bare integers are accepted. A YAML float (``0.05`` without
quotes) is refused: it was read as a binary float, which is never exactly what was written.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from tarifa.catalog.dunning import Action
from tarifa.catalog.model import (
    BillingPeriod,
    ChargeKind,
    Duration,
    Proration,
    Scope,
    ServiceType,
    Timing,
    Unit,
)

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
FLOAT_REASON = (
    'write numbers as strings (e.g. "0.05"): this one was read as a binary float, '
    "which is never exactly what was written"
)


def _number(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a number written as a string")
    if isinstance(value, float):
        raise ValueError(FLOAT_REASON)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return value.strip()
    if isinstance(value, str):
        raise ValueError(f"{value!r} is not a number")
    raise ValueError("must be a number written as a string")


def _count(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        raise ValueError(FLOAT_REASON)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


#: A decimal number, written as a string (bare integers accepted).
Number = Annotated[
    str,
    BeforeValidator(_number),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"},
                {"type": "integer"},
            ]
        }
    ),
]
#: A whole number (digits as a string accepted).
Count = Annotated[
    int,
    BeforeValidator(_count),
    Field(ge=0),
    WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}]}
    ),
]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- pricing specs: their shape only; tarifa.pricing.parse_spec checks their meaning ------


class FlatPricing(_Strict):
    model: Literal["flat"]
    amount: Number | None = None


class PerUnitPricing(_Strict):
    model: Literal["per_unit"]
    unit_price: Number | None = None


class UnitTier(_Strict):
    up_to: Number | None = None
    unit_price: Number | None = None
    flat_fee: Number | None = None


class GraduatedPricing(_Strict):
    model: Literal["graduated"]
    tiers: list[UnitTier] | None = None


class VolumePricing(_Strict):
    model: Literal["volume"]
    tiers: list[UnitTier] | None = None


class PackagePricing(_Strict):
    model: Literal["package"]
    package_size: Number | None = None
    package_price: Number | None = None
    free_units: Number | None = None


class PercentagePricing(_Strict):
    model: Literal["percentage"]
    rate: Number | None = None
    fixed_fee: Number | None = None
    free_transactions: Count | None = None
    free_amount: Number | None = None
    min_per_transaction: Number | None = None
    max_per_transaction: Number | None = None


class PercentTier(_Strict):
    up_to: Number | None = None
    rate: Number | None = None
    flat_fee: Number | None = None


class GraduatedPercentagePricing(_Strict):
    model: Literal["graduated_percentage"]
    tiers: list[PercentTier] | None = None


Pricing = Annotated[
    FlatPricing
    | PerUnitPricing
    | GraduatedPricing
    | VolumePricing
    | PackagePricing
    | PercentagePricing
    | GraduatedPercentagePricing,
    Field(discriminator="model"),
]
MODEL_NAMES = frozenset(
    ("flat", "per_unit", "graduated", "volume", "package", "percentage", "graduated_percentage")
)


# -- the catalog -------------------------------------------------------------------------


class ProductFile(_Strict):
    code: Code
    name: Text
    service: ServiceType


class AllowanceFile(_Strict):
    quantity: Number
    prorate: bool = True
    destinations: list[Code] = []


class _Priced(_Strict):
    pricing: Pricing | None = Field(
        None, description="The price when the version has one currency."
    )
    prices: dict[CurrencyCode, Pricing] | None = Field(
        None, description="The price in each of the version's currencies."
    )


class ChargeFile(_Priced):
    code: Code
    name: Text | None = None
    kind: ChargeKind
    product: Code
    timing: Timing | None = Field(None, description="Recurring fees only; default in_advance.")
    metric: Code | None = Field(None, description="Usage priced over a metric: its name.")
    unit: Unit | None = Field(None, description="The unit the metric is priced in.")
    tariff: Code | None = Field(None, description="Usage rated by this rating plan instead.")
    allowance: AllowanceFile | None = None
    periods: Count | None = Field(
        None, description="Recurring fees only: billed for the first N periods (instalments)."
    )


class PromotionFile(_Priced):
    charge: Code
    periods: Count


class VersionFile(_Strict):
    effective_from: date
    currencies: list[CurrencyCode] = Field(min_length=1)
    billing_period: BillingPeriod
    proration: Proration = Proration.ACTUAL_DAYS
    trial_days: Count = 0
    minimum_commitment: dict[CurrencyCode, Number] = {}
    charges: list[ChargeFile] = Field(min_length=1)
    promotions: list[PromotionFile] = []


class DunningStepFile(_Strict):
    day: Count = Field(description="Days after the due date (at least 1).")
    action: Action


class PlanFile(_Strict):
    code: Code
    name: Text
    description: Annotated[str, Field(max_length=2000)] | None = None
    versions: list[VersionFile] = Field(min_length=1)
    dunning: list[DunningStepFile] | None = Field(
        None,
        description="Dunning steps on days after an invoice's due date (remind, retry, "
        "suspend, write_off); default: the installation's schedule.",
    )


class CouponFile(_Strict):
    code: Code
    name: Text
    percentage: Number | None = None
    amount: dict[CurrencyCode, Number] | None = None
    duration: Duration = Duration.ONCE
    periods: Count | None = None
    scope: Scope = Scope.INVOICE
    target: Code | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    max_redemptions: Count | None = None


class CatalogFile(_Strict):
    """A tarifa catalog: products, plans (each with its versions) and coupons."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="tarifa catalog",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )
    products: list[ProductFile] = []
    plans: list[PlanFile] = []
    coupons: list[CouponFile] = []


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a catalog file (shipped as `catalog.schema.json`)."""
    return CatalogFile.model_json_schema(mode="validation")
