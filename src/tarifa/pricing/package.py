"""Package pricing: usage is sold in whole packages, ``ceil(max(units − free, 0) / size)``.

Lago's example (getlago.com/docs/guide/plans/charges/charge-models/package): 5.00 per 100
units with the first 100 free; 201 units are 0 (the free 100) + 5.00 (the next 100) + 5.00
(the one unit left, which starts a package of its own) = 10.00. A package once started is
charged whole, fractions of a unit included: 100.5 units past the free ones start a second
package of 100. ``free_units`` defaults to 0; free units beyond the usage are simply not used
(they are not carried over to another period).

File form: ``{model: package, package_size: 10, package_price: "100", free_units: 10}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal

from tarifa.pricing.decimals import (
    ONE,
    ZERO,
    add,
    divmod_,
    multiply,
    number_problem,
    raise_problems,
    subtract,
)
from tarifa.pricing.result import ItemKind, PriceResult, PricingModel, item, result

_PACKAGES = ItemKind.PACKAGES
_FREE_UNITS = ItemKind.FREE_UNITS
_MODEL = PricingModel.PACKAGE


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageSpec:
    model: ClassVar[Literal[PricingModel.PACKAGE]] = PricingModel.PACKAGE

    package_size: Decimal
    package_price: Decimal
    free_units: Decimal = ZERO

    def __post_init__(self) -> None:
        raise_problems(
            {
                "package_size": number_problem(self.package_size, positive=True),
                "package_price": number_problem(self.package_price),
                "free_units": number_problem(self.free_units),
            }
        )


def price(spec: PackageSpec, units: Decimal) -> PriceResult:
    free = spec.free_units
    package_price = spec.package_price
    if units > free:
        # divmod is exact (a whole quotient and the rest), so no rounding mode is involved.
        whole, rest = divmod_(subtract(units, free), spec.package_size)
        packages = add(whole, ONE) if rest else whole
        free_used = free
    else:
        packages = ZERO
        free_used = units
    amount = multiply(packages, package_price)
    bought = item(_PACKAGES, packages, amount, package_price)
    if not free:
        return result(_MODEL, amount, (bought,))
    return result(_MODEL, amount, (item(_FREE_UNITS, free_used, ZERO), bought))
