"""Discounts, applied after pricing to the priced lines of a period.

DOMAIN.md: "Discounts apply after pricing: percentage or fixed amount, scoped to a plan, a
charge or the whole invoice ... A fixed-amount discount never takes a line below zero; what is
left of a one-period discount is lost, not carried." This module is the arithmetic of one
period; which discounts still run (one period, N periods, forever) is the caller's business.

* Discounts apply in the order given, each to what is left of each line in its scope after
  the earlier ones. Order matters: 10 % then 5.00 off a 100.00 line leaves 85.00, 5.00 then
  10 % leaves 85.50. The catalog decides the order; this function just follows it.
* A percentage discount takes ``p / 100`` of what is left of each line in scope, exactly
  (100 % takes all of it, so the line ends at exactly zero).
* A fixed discount is spread over the lines in scope in proportion to what is left of them,
  and never takes more than is left of a line. When it is at least everything left in scope,
  every line in scope ends at exactly zero and the excess is lost. Otherwise the parts are
  quantized to :data:`STORED_PLACES` decimal places (amounts are stored as numeric(30,10))
  with the largest-remainder method, so they add up exactly to the discount: rounding each
  part on its own would lose or invent a 10^-10 here and there, and the invoice's discount
  would not be the coupon's. Ties go to the earliest line, so a rerun splits the same way.

Discount lines are negative (or the line is not emitted at all: a discount that takes nothing
from a line, because the line is already at zero, leaves no line behind).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from tarifa.errors import FieldError, ValidationError
from tarifa.pricing.decimals import (
    CONTEXT,
    FLOAT_REASON,
    WIDE,
    ZERO,
    add,
    number_problem,
    percent_factor,
)

#: Decimal places of a stored precise amount (numeric(30,10)); fixed discounts split on it.
STORED_PLACES = 10
_UNITS_PER_ONE = 10**STORED_PLACES
_HUNDRED = Decimal(100)


class Scope(StrEnum):
    """What a discount applies to: every line, the lines of one plan, or of one charge."""

    INVOICE = "invoice"
    PLAN = "plan"
    CHARGE = "charge"


@dataclass(frozen=True, slots=True, kw_only=True)
class PricedLine:
    """A priced charge of the period: ``amount`` is precise and not negative.

    ``key`` identifies the line among the period's lines (discount lines refer to it);
    ``plan`` and ``charge`` are the codes discounts are scoped by.
    """

    key: str
    plan: str | None
    charge: str | None
    amount: Decimal

    def __post_init__(self) -> None:
        _raise(
            [
                FieldError(name, reason)
                for name, reason in (
                    ("key", _code_problem(self.key, required=True)),
                    ("plan", _code_problem(self.plan)),
                    ("charge", _code_problem(self.charge)),
                    ("amount", number_problem(self.amount)),
                )
                if reason
            ]
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Discount:
    """A percentage (0 < p ≤ 100) or a fixed amount (> 0) off the lines in its scope.

    ``target`` is the plan code for :attr:`Scope.PLAN`, the charge code for
    :attr:`Scope.CHARGE`, and None for :attr:`Scope.INVOICE`. A fixed amount has at most
    :data:`STORED_PLACES` decimals, the precision it is stored and split at.
    """

    label: str
    scope: Scope
    target: str | None
    percentage: Decimal | None = None
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        _raise(_discount_problems(self))


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscountLine:
    """What one discount takes off one priced line: ``amount`` is negative, precise."""

    label: str
    applies_to: str
    amount: Decimal


def apply_discounts(
    lines: Sequence[PricedLine], discounts: Sequence[Discount]
) -> tuple[DiscountLine, ...]:
    """The discount lines of the period, discount by discount, line by line in the given order."""
    _raise(_input_problems(lines, discounts))
    left = {line.key: line.amount for line in lines}
    made: list[DiscountLine] = []
    for discount in discounts:
        keys = [line.key for line in lines if _in_scope(line, discount) and left[line.key]]
        if not keys:
            continue
        parts = _parts(discount, [left[key] for key in keys])
        for key, part in zip(keys, parts, strict=True):
            if part:
                left[key] = WIDE.subtract(left[key], part)
                # copy_negate: exact (unary minus rounds to the thread's context, 28 digits).
                made.append(
                    DiscountLine(label=discount.label, applies_to=key, amount=part.copy_negate())
                )
    return tuple(made)


def _in_scope(line: PricedLine, discount: Discount) -> bool:
    match discount.scope:
        case Scope.INVOICE:
            return True
        case Scope.PLAN:
            return line.plan == discount.target
        case Scope.CHARGE:
            return line.charge == discount.target


def _parts(discount: Discount, lefts: list[Decimal]) -> list[Decimal]:
    if discount.percentage is not None:
        factor = percent_factor(discount.percentage)
        return [WIDE.multiply(left, factor) for left in lefts]
    if discount.amount is None:  # impossible: checked when the discount was made
        raise ValueError("a discount needs a percentage or an amount")
    return split_fixed(discount.amount, lefts)


def split_fixed(amount: Decimal, lefts: Sequence[Decimal]) -> list[Decimal]:
    """``min(amount, sum(lefts))`` spread over ``lefts`` in proportion, none above its own.

    Parts are whole multiples of 10^-10 (largest remainder, ties to the earliest) and sum to
    exactly ``amount``. The one exception is a line whose own amount has more than ten
    decimals and is too small to take a whole 10^-10 more: it may then take the exact rest
    of itself, so that the parts still add up.
    """
    whole = ZERO
    for left in lefts:
        whole = add(whole, left)
    if amount >= whole:
        return list(lefts)
    target = int(amount.scaleb(STORED_PLACES, context=CONTEXT))
    shares = [Fraction(target) * Fraction(left) / Fraction(whole) for left in lefts]
    caps = [Fraction(left) * _UNITS_PER_ONE for left in lefts]
    units = [Fraction(math.floor(share)) for share in shares]
    short = target - sum(units)
    by_remainder = sorted(range(len(lefts)), key=lambda i: (units[i] - shares[i], i))
    for index in by_remainder:
        if short and caps[index] - units[index] >= 1:
            units[index] += 1
            short -= 1
    for index in by_remainder:  # only lines with more than ten decimals can get here
        if short:
            extra = min(caps[index] - units[index], short)
            units[index] += extra
            short -= extra
    return [_from_units(unit) for unit in units]


def _from_units(units: Fraction) -> Decimal:
    # The denominators divide a power of ten (the amounts are decimals): the division is exact.
    exact = CONTEXT.divide(Decimal(units.numerator), Decimal(units.denominator))
    return exact.scaleb(-STORED_PLACES, context=CONTEXT)


def decimal_places(value: Decimal) -> int:
    """Decimals ``value`` needs, trailing zeros aside: 2 for 1.50, 0 for 100 and 1E+2."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return 0
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0
    return max(0, -(exponent + len(digits) - len(significant)))


def _discount_problems(discount: Discount) -> list[FieldError]:
    problems: list[FieldError] = []
    if not isinstance(discount.label, str) or not discount.label:
        problems.append(FieldError("label", "must be a non-empty text"))
    if not isinstance(discount.scope, Scope):
        problems.append(FieldError("scope", f"must be one of {', '.join(Scope)}"))
    elif discount.scope is Scope.INVOICE and discount.target is not None:
        problems.append(FieldError("target", "an invoice-wide discount has no target"))
    elif discount.scope is not Scope.INVOICE and not discount.target:
        problems.append(FieldError("target", f"is required: the {discount.scope} code"))
    if (discount.percentage is None) == (discount.amount is None):
        problems.append(FieldError("percentage", "give either a percentage or an amount"))
    if discount.percentage is not None:
        reason = number_problem(discount.percentage, positive=True)
        if not reason and discount.percentage > _HUNDRED:
            reason = "must be at most 100"
        if reason:
            problems.append(FieldError("percentage", reason))
    if discount.amount is not None:
        reason = number_problem(discount.amount, positive=True)
        if not reason and decimal_places(discount.amount) > STORED_PLACES:
            reason = f"must have at most {STORED_PLACES} decimal places"
        if reason:
            problems.append(FieldError("amount", reason))
    return problems


def _input_problems(lines: Sequence[PricedLine], discounts: Sequence[Discount]) -> list[FieldError]:
    problems = [
        FieldError(f"lines[{index}]", "must be a PricedLine")
        for index, line in enumerate(lines)
        if not isinstance(line, PricedLine)
    ]
    problems += [
        FieldError(f"discounts[{index}]", "must be a Discount")
        for index, discount in enumerate(discounts)
        if not isinstance(discount, Discount)
    ]
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if isinstance(line, PricedLine):
            if line.key in seen:
                problems.append(FieldError(f"lines[{index}].key", f"{line.key!r} is used twice"))
            seen.add(line.key)
    return problems


def _code_problem(value: object, *, required: bool = False) -> str | None:
    if value is None:
        return "is required" if required else None
    if isinstance(value, float):
        return FLOAT_REASON
    if not isinstance(value, str) or not value:
        return "must be a non-empty text"
    return None


def _raise(problems: list[FieldError]) -> None:
    if problems:
        raise ValidationError(problems)
