"""Tiers: the bounds that graduated, volume and graduated-percentage pricing share.

A tier covers ``previous up_to < q ≤ up_to``; the first tier starts at 0 and the last has no
``up_to`` (DOMAIN.md, "Pricing models"). With tiers up to 100 and up to 200, 100 units are in
the first tier and 100.5 units in the second. Bounds are cumulative (a second tier "up to 200"
covers the units from 100 to 200, not 200 more) and strictly ascending; every tier but the
last needs one, and the last must be open-ended, so every quantity falls in exactly one tier.

:class:`Ladder` is the precomputed view of a list of tiers used by the tiered models: for
each tier, where it starts and the amount and breakdown items of everything below it. Pricing
then finds the tier with one binary search over the upper bounds (``bisect_left``: the first
tier whose up_to is at least the quantity, so a quantity on a bound stays in the lower tier,
zero falls in the first, and anything past the last bound in the open tier) and does a handful
of operations, however many tiers there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tarifa.errors import FieldError, ValidationError
from tarifa.pricing.decimals import ZERO, add, multiply, number_problem, raise_problems, subtract
from tarifa.pricing.result import BreakdownItem, ItemKind

MISSING_BOUND = "every tier but the last needs an up_to"
OPEN_LAST_TIER = (
    "the last tier must be open-ended: remove its up_to, or add a last tier without one"
)
NO_TIERS = "needs at least one tier, the last without an up_to"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitTier:
    """A tier priced per unit, with an optional flat fee (graduated and volume pricing)."""

    up_to: Decimal | None = None
    unit_price: Decimal
    flat_fee: Decimal = ZERO

    def __post_init__(self) -> None:
        raise_problems(
            {
                "up_to": bound_problem(self.up_to),
                "unit_price": number_problem(self.unit_price),
                "flat_fee": number_problem(self.flat_fee),
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RateTier:
    """A tier priced as a percent of the money in it (``rate`` "1" is 1 %), with a flat fee."""

    up_to: Decimal | None = None
    rate: Decimal
    flat_fee: Decimal = ZERO

    def __post_init__(self) -> None:
        raise_problems(
            {
                "up_to": bound_problem(self.up_to),
                "rate": number_problem(self.rate),
                "flat_fee": number_problem(self.flat_fee),
            }
        )


Tier = UnitTier | RateTier


def bound_problem(up_to: object) -> str | None:
    return None if up_to is None else number_problem(up_to, positive=True)


def order_problems(bounds: Sequence[tuple[int, Decimal | None]], count: int) -> list[FieldError]:
    """Problems with the tier bounds, each at ``tiers[i].up_to``.

    ``bounds`` holds (index, up_to) for every tier whose bound could be read (None: no
    up_to); ``count`` is the number of tiers, including those whose bound could not be read,
    so one bad number does not hide an ordering problem elsewhere.
    """
    problems: list[FieldError] = []
    previous: Decimal | None = None
    for index, up_to in bounds:
        path = f"tiers[{index}].up_to"
        if index == count - 1:
            if up_to is not None:
                problems.append(FieldError(path, OPEN_LAST_TIER))
        elif up_to is None:
            problems.append(FieldError(path, MISSING_BOUND))
        if up_to is not None:
            if previous is not None and up_to <= previous:
                problems.append(
                    FieldError(path, f"must be above the previous tier's up_to ({previous})")
                )
            previous = up_to
    return problems


def checked_tiers(tiers: object, kind: type[Tier]) -> tuple[Tier, ...]:
    """The tiers of a spec built in Python, as a tuple, or a ValidationError naming each problem."""
    if isinstance(tiers, str) or not isinstance(tiers, Sequence):
        raise ValidationError.single("tiers", f"must be a tuple of {kind.__name__}")
    items = tuple(tiers)
    problems = [
        FieldError(f"tiers[{index}]", f"must be a {kind.__name__}")
        for index, tier in enumerate(items)
        if not isinstance(tier, kind)
    ]
    if not items:
        problems.append(FieldError("tiers", NO_TIERS))
    if not problems:
        bounds = [(index, tier.up_to) for index, tier in enumerate(items)]
        problems = order_problems(bounds, len(items))
    if problems:
        raise ValidationError(problems)
    return items


def lower_bounds(tiers: Sequence[Tier]) -> tuple[Decimal, ...]:
    """Where each tier starts: 0, then the previous tier's up_to."""
    return (ZERO, *(tier.up_to for tier in tiers[:-1] if tier.up_to is not None))


def upper_bounds(tiers: Sequence[Tier]) -> tuple[Decimal, ...]:
    return tuple(tier.up_to for tier in tiers if tier.up_to is not None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ladder:
    """Graduated tiers, precomputed once per spec.

    For tier ``i``: ``lowers[i]`` where it starts, ``factors[i]`` what one unit in it costs
    (a unit price, or rate / 100), ``fees[i]`` its flat fee, ``below[i]`` the amount of all
    the tiers under it (each full, with its fee) and ``below_items[i]`` their breakdown items,
    ``fee_items[i]`` the item of its own fee (empty when there is none).
    """

    uppers: tuple[Decimal, ...]
    lowers: tuple[Decimal, ...]
    factors: tuple[Decimal, ...]
    fees: tuple[Decimal, ...]
    below: tuple[Decimal, ...]
    below_items: tuple[tuple[BreakdownItem, ...], ...]
    fee_items: tuple[tuple[BreakdownItem, ...], ...]


def tier_item(index: int, tier: Tier, quantity: Decimal, amount: Decimal) -> BreakdownItem:
    """The breakdown item of ``quantity`` in tier ``index`` (counted from 0) costing ``amount``."""
    if isinstance(tier, UnitTier):
        return BreakdownItem(
            kind=ItemKind.TIER,
            quantity=quantity,
            amount=amount,
            unit_price=tier.unit_price,
            tier=index + 1,
        )
    return BreakdownItem(
        kind=ItemKind.TIER, quantity=quantity, amount=amount, rate=tier.rate, tier=index + 1
    )


def ladder(tiers: Sequence[Tier], factors: Sequence[Decimal]) -> Ladder:
    """The :class:`Ladder` of ``tiers``, where one unit of tier ``i`` costs ``factors[i]``."""
    lowers = lower_bounds(tiers)
    fee_items = tuple(
        (
            BreakdownItem(
                kind=ItemKind.TIER_FLAT_FEE,
                quantity=Decimal(1),
                amount=tier.flat_fee,
                unit_price=tier.flat_fee,
                tier=index + 1,
            ),
        )
        if tier.flat_fee
        else ()
        for index, tier in enumerate(tiers)
    )
    below = [ZERO]
    below_items: list[tuple[BreakdownItem, ...]] = [()]
    for index, tier in enumerate(tiers[:-1]):
        if tier.up_to is None:  # only the last tier is open; checked when the spec was built
            raise ValueError("only the last tier may be open-ended")
        width = subtract(tier.up_to, lowers[index])
        full = multiply(width, factors[index])
        below.append(add(add(below[-1], full), tier.flat_fee))
        below_items.append(
            (*below_items[-1], tier_item(index, tier, width, full), *fee_items[index])
        )
    return Ladder(
        uppers=upper_bounds(tiers),
        lowers=lowers,
        factors=tuple(factors),
        fees=tuple(tier.flat_fee for tier in tiers),
        below=tuple(below),
        below_items=tuple(below_items),
        fee_items=fee_items,
    )
