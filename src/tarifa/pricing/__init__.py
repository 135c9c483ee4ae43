"""Pricing: the pure functions that turn a period's usage into an amount and its breakdown.

One small module per pricing model of DOMAIN.md, "Pricing models" (:mod:`.flat`,
:mod:`.per_unit`, :mod:`.graduated`, :mod:`.volume`, :mod:`.package`, :mod:`.percentage`,
:mod:`.graduated_percentage`), each with its typed spec; :mod:`.spec` reads and writes the
catalog file form; :func:`price` dispatches on the model; :mod:`.discounts` applies discounts
to priced lines afterwards. Amounts are precise Decimals, never rounded here.

This package is pure: no database, no clock, no I/O; it imports nothing but the standard
library, :mod:`tarifa.money` and :mod:`tarifa.errors`.

    >>> spec = parse_spec({"model": "per_unit", "unit_price": "0.05"})
    >>> price(spec, 1000).amount
    Decimal('50.00')
"""

from tarifa.pricing.dispatch import Number, price
from tarifa.pricing.flat import FlatSpec
from tarifa.pricing.graduated import GraduatedSpec
from tarifa.pricing.graduated_percentage import GraduatedPercentageSpec
from tarifa.pricing.package import PackageSpec
from tarifa.pricing.per_unit import PerUnitSpec
from tarifa.pricing.percentage import PercentageSpec
from tarifa.pricing.result import BreakdownItem, ItemKind, PriceResult, PricingModel
from tarifa.pricing.spec import Spec, parse_spec, spec_to_mapping
from tarifa.pricing.tiers import RateTier, UnitTier
from tarifa.pricing.volume import VolumeSpec

__all__ = [
    "BreakdownItem",
    "FlatSpec",
    "GraduatedPercentageSpec",
    "GraduatedSpec",
    "ItemKind",
    "Number",
    "PackageSpec",
    "PerUnitSpec",
    "PercentageSpec",
    "PriceResult",
    "PricingModel",
    "RateTier",
    "Spec",
    "UnitTier",
    "VolumeSpec",
    "parse_spec",
    "price",
    "spec_to_mapping",
]
