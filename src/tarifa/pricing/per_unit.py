"""Per-unit pricing: ``units × unit_price``.

The simplest usage charge: 1,000 API calls at 0.05 are 50.00; 2.5 GB at 4.00 per GB are
10.00 (fractional units are priced as they are; increment rounding, if a charge wants it,
happens before pricing, when usage is aggregated).

File form: ``{model: per_unit, unit_price: "0.05"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal

from tarifa.pricing.decimals import multiply, number_problem, raise_problems
from tarifa.pricing.result import ItemKind, PriceResult, PricingModel, item, result

_UNITS = ItemKind.UNITS
_MODEL = PricingModel.PER_UNIT


@dataclass(frozen=True, slots=True, kw_only=True)
class PerUnitSpec:
    model: ClassVar[Literal[PricingModel.PER_UNIT]] = PricingModel.PER_UNIT

    unit_price: Decimal

    def __post_init__(self) -> None:
        raise_problems({"unit_price": number_problem(self.unit_price)})


def price(spec: PerUnitSpec, units: Decimal) -> PriceResult:
    unit_price = spec.unit_price
    amount = multiply(units, unit_price)
    return result(_MODEL, amount, (item(_UNITS, units, amount, unit_price),))
