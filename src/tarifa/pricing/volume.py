"""Volume pricing: every unit at the price of the tier the total falls in, plus its flat fee.

With tiers up to 100 at 2.00 (flat fee 10.00), up to 200 at 1.00 and above at 0.50 (flat fee
50.00), 150 units cost 150 × 1.00 = 150.00, and 100 units cost 100 × 2.00 + 10.00 = 210.00:
unlike graduated pricing, the amount can drop when usage crosses a bound, which is the point
(a volume discount). Only the reached tier's flat fee is charged. Zero usage falls in the first
tier, so its flat fee is charged at zero (DOMAIN.md).

File form::

    {model: volume, tiers: [{up_to: 100, unit_price: "2", flat_fee: "10"},
                            {up_to: 200, unit_price: "1"},
                            {unit_price: "0.5", flat_fee: "50"}]}
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Literal

from tarifa.pricing.decimals import add, multiply
from tarifa.pricing.result import ItemKind, PriceResult, PricingModel, item, result
from tarifa.pricing.tiers import Ladder, UnitTier, checked_tiers, ladder

_TIER = ItemKind.TIER
_MODEL = PricingModel.VOLUME


@dataclass(frozen=True, slots=True, kw_only=True)
class VolumeSpec:
    model: ClassVar[Literal[PricingModel.VOLUME]] = PricingModel.VOLUME

    tiers: tuple[UnitTier, ...]
    # Only the bounds, prices and fee items of the ladder are used: volume tiers do not stack.
    _ladder: Ladder = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", checked_tiers(self.tiers, UnitTier))
        prices = [tier.unit_price for tier in self.tiers]
        object.__setattr__(self, "_ladder", ladder(self.tiers, prices))


def price(spec: VolumeSpec, units: Decimal) -> PriceResult:
    steps = spec._ladder
    index = bisect_left(steps.uppers, units)
    unit_price = steps.factors[index]
    part = multiply(units, unit_price)
    amount = add(part, steps.fees[index])
    tier = item(_TIER, units, part, unit_price, None, index + 1)
    return result(_MODEL, amount, (tier,) + steps.fee_items[index])
