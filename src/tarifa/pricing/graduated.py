"""Graduated (tiered) pricing: each tier prices the units that fall inside it.

With tiers up to 10 at 10.00 (flat fee 2.00), up to 20 at 5.00 (flat fee 3.00) and above at
5.00 (flat fee 3.00), 15 units cost 10 × 10.00 + 5 × 5.00 = 125.00 for the units plus 2.00 +
3.00 = 5.00 of flat fees: 130.00. The price of a unit depends on how many came before it in
the period, so raising usage never lowers the amount (as long as no price is negative).

A tier's flat fee is charged once, as soon as usage enters the tier: any quantity above the
previous tier's up_to, fractions included (10.5 units enter the second tier above). The first
tier's flat fee is charged even at zero usage: it is the charge's base fee (DOMAIN.md).

File form::

    {model: graduated, tiers: [{up_to: 10, unit_price: "10", flat_fee: "2"},
                               {up_to: 20, unit_price: "5", flat_fee: "3"},
                               {unit_price: "5", flat_fee: "3"}]}
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Literal

from tarifa.pricing.decimals import add, multiply, subtract
from tarifa.pricing.result import ItemKind, PriceResult, PricingModel, item, result
from tarifa.pricing.tiers import Ladder, UnitTier, checked_tiers, ladder

_TIER = ItemKind.TIER
_MODEL = PricingModel.GRADUATED


@dataclass(frozen=True, slots=True, kw_only=True)
class GraduatedSpec:
    model: ClassVar[Literal[PricingModel.GRADUATED]] = PricingModel.GRADUATED

    tiers: tuple[UnitTier, ...]
    _ladder: Ladder = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", checked_tiers(self.tiers, UnitTier))
        prices = [tier.unit_price for tier in self.tiers]
        object.__setattr__(self, "_ladder", ladder(self.tiers, prices))


def price(spec: GraduatedSpec, units: Decimal) -> PriceResult:
    steps = spec._ladder
    index = bisect_left(steps.uppers, units)
    in_tier = subtract(units, steps.lowers[index])
    unit_price = steps.factors[index]
    part = multiply(in_tier, unit_price)
    amount = add(add(steps.below[index], part), steps.fees[index])
    tier = item(_TIER, in_tier, part, unit_price, None, index + 1)
    return result(_MODEL, amount, steps.below_items[index] + (tier,) + steps.fee_items[index])
