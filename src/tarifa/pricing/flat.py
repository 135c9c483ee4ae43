"""Flat pricing: a fixed amount, whatever the usage.

A recurring fee (a monthly line rental of 25.00) or a one-time fee (activation) is one flat
amount; the billing cycle decides how often it is charged, not the pricing model. The quantity
plays no part, so the result is computed once, when the spec is built, and returned as is.

File form: ``{model: flat, amount: "25.00"}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Literal

from tarifa.pricing.decimals import ONE, number_problem, raise_problems
from tarifa.pricing.result import BreakdownItem, ItemKind, PriceResult, PricingModel


@dataclass(frozen=True, slots=True, kw_only=True)
class FlatSpec:
    model: ClassVar[Literal[PricingModel.FLAT]] = PricingModel.FLAT

    amount: Decimal
    _result: PriceResult = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        raise_problems({"amount": number_problem(self.amount)})
        item = BreakdownItem(
            kind=ItemKind.FLAT, quantity=ONE, amount=self.amount, unit_price=self.amount
        )
        result = PriceResult(model=PricingModel.FLAT, amount=self.amount, breakdown=(item,))
        object.__setattr__(self, "_result", result)


def price(spec: FlatSpec) -> PriceResult:
    return spec._result
