"""Graduated percentage pricing: percent tiers over the money that moved in the period.

Like graduated pricing, but the "units" are the cumulative amount of the period's transactions
and each tier takes a percent of the part of that amount inside it, plus its flat fee once,
when the amount enters the tier. Lago's example (getlago.com/docs/guide/plans/charges/
charge-models/graduated-percentage): tiers up to 1,000 at 1 % (flat fee 200), up to 10,000 at
2 % (flat fee 300), above at 3 % (flat fee 400); transactions of 500, 550 and 4,000 bring the
period to 5,050, which costs 1 % × 1,000 + 200 + 2 % × 4,050 + 300 = 591.00 (the 205.00 +
306.00 + 80.00 Lago lists transaction by transaction).

Pass the transactions, or a quantity that is their total: only the total matters, because
the tiers run over the cumulative amount, whatever the order or number of transactions.

Zero total: nothing is charged, not even the first tier's flat fee. A percentage charge prices
money that moved; a period in which none moved enters no tier. This is what Lago does (its
``graduated_percentage_service`` spec, "when aggregation is 0 ... does not apply the flat
amount"), and it differs on purpose from unit-graduated pricing, where DOMAIN.md makes the
first tier's flat fee a base fee charged even at zero usage. An operator who wants a base fee
on a percentage charge adds a flat charge beside it. The breakdown of a zero total still shows
the first tier, with nothing in it.

File form: ``{model: graduated_percentage, tiers: [{up_to: "1000", rate: "1", flat_fee: "200"},
{rate: "2"}]}``.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Literal

from tarifa.pricing.decimals import ZERO, add, multiply, percent_factor, subtract
from tarifa.pricing.result import ItemKind, PriceResult, PricingModel, item, result
from tarifa.pricing.tiers import Ladder, RateTier, checked_tiers, ladder, tier_item

_TIER = ItemKind.TIER
_MODEL = PricingModel.GRADUATED_PERCENTAGE


@dataclass(frozen=True, slots=True, kw_only=True)
class GraduatedPercentageSpec:
    model: ClassVar[Literal[PricingModel.GRADUATED_PERCENTAGE]] = PricingModel.GRADUATED_PERCENTAGE

    tiers: tuple[RateTier, ...]
    _ladder: Ladder = field(init=False, repr=False, compare=False)
    _nothing: PriceResult = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", checked_tiers(self.tiers, RateTier))
        factors = [percent_factor(tier.rate) for tier in self.tiers]
        object.__setattr__(self, "_ladder", ladder(self.tiers, factors))
        empty = tier_item(0, self.tiers[0], ZERO, ZERO)
        object.__setattr__(
            self, "_nothing", PriceResult(model=_MODEL, amount=ZERO, breakdown=(empty,))
        )


def price(spec: GraduatedPercentageSpec, total: Decimal) -> PriceResult:
    if not total:
        return spec._nothing
    steps = spec._ladder
    index = bisect_left(steps.uppers, total)
    in_tier = subtract(total, steps.lowers[index])
    part = multiply(in_tier, steps.factors[index])
    amount = add(add(steps.below[index], part), steps.fees[index])
    tier = item(_TIER, in_tier, part, None, spec.tiers[index].rate, index + 1)
    return result(_MODEL, amount, steps.below_items[index] + (tier,) + steps.fee_items[index])
