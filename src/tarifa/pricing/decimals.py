"""Exact numbers for pricing: one private decimal context, and how numbers are read.

Pricing keeps full precision (DOMAIN.md, "Money and rounding"): nothing is rounded until an
invoice line is finalized. Every sum and product here runs in :data:`CONTEXT`, which has
:data:`~tarifa.money.ARITHMETIC_PRECISION` significant digits and *traps* ``Inexact``: if a
result ever needed more digits than that, pricing raises instead of quietly rounding. Neither
the caller's decimal context nor the interpreter default (28 digits) can change a price.

Numbers come in three ways: as text from a catalog file (``"0.05"``, the file form), as bare
whole numbers (``10``), or as :class:`~decimal.Decimal` from Python. A ``float`` is refused
everywhere, because ``0.1`` as a binary float is not one tenth; ``True`` is refused too, since
Python would otherwise read it as 1.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal

from tarifa.errors import FieldError, ValidationError
from tarifa.money import ARITHMETIC_PRECISION

CONTEXT = decimal.Context(
    prec=ARITHMETIC_PRECISION,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[
        decimal.InvalidOperation,
        decimal.DivisionByZero,
        decimal.Overflow,
        decimal.Inexact,
    ],
)

#: For what is left of a line as discounts take their parts: a prorated fee arrives with all
#: ARITHMETIC_PRECISION digits already (a fee x 14/31), and taking 10 % off it needs one more.
#: Still exact (Inexact trapped), with room for a chain of discounts.
WIDE = decimal.Context(
    prec=2 * ARITHMETIC_PRECISION,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)

# Bound once: the hot path calls these millions of times, and an attribute lookup per
# operation would cost more than the arithmetic.
add = CONTEXT.add
multiply = CONTEXT.multiply
subtract = CONTEXT.subtract
divmod_ = CONTEXT.divmod

ZERO = Decimal(0)
ONE = Decimal(1)

#: The same wording as the customer checks use, so every refusal of a float reads alike.
FLOAT_REASON = "floats are never accepted (a binary float is inexact); give text or a whole number"
BOOL_REASON = "must be a number, not true or false"
TYPE_REASON = 'must be a number written as text ("0.05") or a whole number'
NEGATIVE_REASON = "must not be negative"
POSITIVE_REASON = "must be above 0"
WHOLE_REASON = "must be a whole number of at least 0"
FINITE_REASON = "must be a finite number, not NaN or Infinity"

# Plain decimal text, as money.py reads amounts: digits, one optional sign and point, an
# optional exponent. No separators ("1,000.00" read back as 1 is how invoices go wrong), no
# spaces, no NaN or Infinity.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def percent_factor(rate: Decimal) -> Decimal:
    """``rate / 100`` exactly: "1.2" (a percent string) becomes 0.012."""
    return rate.scaleb(-2, context=CONTEXT)


def read_number(raw: object) -> Decimal | str:
    """The number a file or a Python caller gave, or the reason it is refused."""
    if isinstance(raw, float):
        return FLOAT_REASON
    if isinstance(raw, bool):
        return BOOL_REASON
    if isinstance(raw, Decimal):
        return _unsigned_zero(raw) if raw.is_finite() else FINITE_REASON
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, str):
        if not _PLAIN_NUMBER.fullmatch(raw):
            return (
                f"{raw!r} is not a plain decimal number (digits, an optional sign and decimal "
                "point; no thousands separators or spaces)"
            )
        return _unsigned_zero(Decimal(raw))
    return TYPE_REASON


def _unsigned_zero(number: Decimal) -> Decimal:
    # "-0" is zero; left signed, it would make amounts print as "-0.00" on an invoice.
    return number.copy_abs() if number.is_zero() else number


def read_count(raw: object) -> int | str:
    """A whole number of things (free transactions), or the reason it is refused."""
    number = read_number(raw)
    if isinstance(number, str):
        return number
    if number != number.to_integral_value(context=CONTEXT) or number < 0:
        return WHOLE_REASON
    return int(number)


def number_problem(value: object, *, positive: bool = False) -> str | None:
    """What is wrong with a typed price parameter, or None (Python callers skip the reading)."""
    if isinstance(value, float):
        return FLOAT_REASON
    if not isinstance(value, Decimal):
        return "must be a Decimal"
    if not value.is_finite():
        return FINITE_REASON
    if len(value.as_tuple().digits) > ARITHMETIC_PRECISION:
        # Refused here rather than when pricing: it could never be multiplied exactly.
        return f"has more than {ARITHMETIC_PRECISION} significant digits"
    if positive:
        return None if value > 0 else POSITIVE_REASON
    # is_signed() also refuses -0, which read_number turns into 0 for files.
    return NEGATIVE_REASON if value.is_signed() else None


def count_problem(value: object) -> str | None:
    if isinstance(value, float):
        return FLOAT_REASON
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return WHOLE_REASON
    return None


def raise_problems(checks: dict[str, str | None]) -> None:
    """Raise one ValidationError naming every field whose check found a problem."""
    problems = [FieldError(name, reason) for name, reason in checks.items() if reason]
    if problems:
        raise ValidationError(problems)


def quantity_of(value: object, field: str) -> Decimal:
    """A quantity to price (units, or a transaction amount): finite and not negative.

    Fractions are fine everywhere (2.5 GB, 0.75 hours). ``-0`` is read as 0 so that no
    amount ever shows as "-0".
    """
    # The common case first: a Decimal from the aggregation, already clean.
    if type(value) is Decimal and value.is_finite() and not value.is_signed():
        return value
    number = read_number(value)
    if isinstance(number, str):
        raise ValidationError.single(field, number)
    if number < 0:
        raise ValidationError.single(field, NEGATIVE_REASON)
    return number.copy_abs()
