"""Money: an exact amount in one ISO 4217 currency, rounded once, split without losing a cent.

The rules come from DOMAIN.md, "Money and rounding":

* An amount is a :class:`~decimal.Decimal` tied to a currency. Binary floats cannot hold 0.10
  exactly, so they are refused at every entry point; text is accepted only as plain digits,
  because a formatted amount ("1,000.00") parsed back is how invoices end up a thousand times
  too small.
* Rating and pricing keep full precision; an amount is rounded to the currency's minor unit
  *once*, when an invoice line is finalized (:meth:`Money.rounded`). Rounding intermediate
  results (each increment, each line before summing) makes totals drift by a cent from what a
  customer recomputes, and a gateway that only takes whole minor units cannot charge sub-cent
  prices - so precise amounts stay precise until the very end.
* The default rounding is half-up (ties away from zero); half-even is a per-currency option
  (:class:`RoundingPolicy`).
* Splitting an amount (tax per line, proration, a payment across invoices) uses the
  largest-remainder method (:func:`allocate`), so the parts always add up to the whole.

This module is pure: no I/O, no global state. Arithmetic runs in a private decimal context,
so neither the caller's context nor the interpreter default (28 digits) can change a result.
"""

from __future__ import annotations

import decimal
import enum
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

import iso4217

from tarifa.errors import CurrencyMismatchError, FieldError, UnknownCurrencyError, ValidationError

#: Significant digits of every product, quotient and sum.
ARITHMETIC_PRECISION = 38

#: Amounts must stay below this magnitude. With 38 significant digits that leaves at least 14
#: decimal places for precise rating amounts, far more than any minor unit (at most 4) needs,
#: so arithmetic never rounds away anything an invoice could show.
AMOUNT_LIMIT = Decimal("1E24")

_CONTEXT = decimal.Context(
    prec=ARITHMETIC_PRECISION,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

# Plain decimal text: ASCII digits, one optional sign, one optional point, an optional exponent
# (``str(Decimal)`` writes tiny precise amounts as "1E-7", and those must read back). No
# separators of any kind, no spaces, no NaN or Infinity.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True, slots=True, kw_only=True)
class Currency:
    """A currency of the ISO 4217 table that tarifa can bill in.

    ``minor_unit`` is the number of decimals of the currency's smallest unit: EUR 2 (cents),
    JPY 0, BHD 3 (fils), CLF 4. Funds codes with a defined minor unit (CLF, BOV, CHE, USN ...)
    are ordinary currencies here.

    Codes whose minor unit ISO 4217 gives as "N.A." (precious metals XAU, XAG, XPD, XPT; units
    of account XDR, XUA, XSU and the bond-market units XBA-XBD; the test code XTS; XXX, "no
    currency") are deliberately *not* billable: they have no smallest unit to round to or to
    send a gateway, and inventing one (say 0 decimals, whole troy ounces) would round silently.
    :func:`currency` refuses them with :class:`UnknownCurrencyError`.
    """

    code: str
    numeric_code: int
    minor_unit: int
    name: str

    def __str__(self) -> str:
        return self.code

    @property
    def quantum(self) -> Decimal:
        """The smallest amount of the currency as a decimal: 0.01 for EUR, 1 for JPY."""
        return Decimal((0, (1,), -self.minor_unit))


def _load_table() -> tuple[Mapping[str, Currency], frozenset[str]]:
    billable: dict[str, Currency] = {}
    without_minor_unit: set[str] = set()
    for entry in iso4217.Currency:
        if entry.exponent is None:
            without_minor_unit.add(entry.code)
            continue
        billable[entry.code] = Currency(
            code=entry.code,
            numeric_code=entry.number,
            minor_unit=entry.exponent,
            name=entry.currency_name,
        )
    return MappingProxyType(billable), frozenset(without_minor_unit)


#: Every billable currency by its code (read-only).
CURRENCIES, _WITHOUT_MINOR_UNIT = _load_table()


def currency(code: str) -> Currency:
    """The billable currency with this ISO 4217 code, in any letter case ("eur" is EUR)."""
    if not isinstance(code, str):
        raise ValidationError.single("currency", "must be a three-letter ISO 4217 code")
    key = code.upper()
    if key in _WITHOUT_MINOR_UNIT:
        raise UnknownCurrencyError(
            f"{key} has no minor unit in ISO 4217 (a metal, unit of account or test code); "
            "tarifa does not bill in it"
        )
    try:
        return CURRENCIES[key]
    except KeyError:
        raise UnknownCurrencyError(f"{code!r} is not an ISO 4217 currency code") from None


class Rounding(enum.Enum):
    """How an amount is brought to the currency's minor unit (the values are decimal's modes).

    HALF_UP rounds ties away from zero (2.345 -> 2.35, -2.345 -> -2.35): what customers and
    EN 16931 validators expect, hence the default. HALF_EVEN (banker's rounding, 2.345 -> 2.34)
    evens out ties over many amounts. UP and DOWN go away from / toward zero, CEILING and FLOOR
    toward +/- infinity; rating uses UP and DOWN for per-tariff rounding.
    """

    _value_: str

    HALF_UP = decimal.ROUND_HALF_UP
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    UP = decimal.ROUND_UP
    DOWN = decimal.ROUND_DOWN
    CEILING = decimal.ROUND_CEILING
    FLOOR = decimal.ROUND_FLOOR


DEFAULT_ROUNDING = Rounding.HALF_UP


@dataclass(frozen=True, slots=True, kw_only=True)
class Money:
    """An exact amount of one currency, immutable.

    Build it with :meth:`Money.of` (text, int or Decimal; never float). Direct construction
    ``Money(amount=Decimal(...), currency=...)`` is checked the same way, so there is no
    unchecked path. The amount keeps its full precision until :meth:`rounded` is called.

    Amounts of different currencies never mix: +, - and ordering raise
    :class:`CurrencyMismatchError`; ``==`` simply answers False (1 EUR is not 1 USD), so Money
    stays safe to use in sets and as a dict key.
    """

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        _check_currency_object(self.currency)
        problem = _amount_problem(self.amount)
        if problem:
            raise ValidationError.single("amount", problem)
        if self.amount.is_zero() and self.amount.is_signed():
            # -0.00 (from rounding -0.001, say) is zero; never show "-0.00" on an invoice.
            object.__setattr__(self, "amount", self.amount.copy_abs())

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str | Currency) -> Money:
        """The one way in from outside: plain decimal text, an int or a Decimal, and a currency."""
        return cls(amount=_to_decimal(amount), currency=_to_currency(currency))

    @classmethod
    def zero(cls, currency: str | Currency) -> Money:
        return cls(amount=Decimal(0), currency=_to_currency(currency))

    @property
    def is_zero(self) -> bool:
        return self.amount.is_zero()

    @property
    def sign(self) -> int:
        """-1, 0 or 1: a charge is positive, a credit negative."""
        return (self.amount > 0) - (self.amount < 0)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "add")
        return self._with(_CONTEXT.add(self.amount, other.amount))

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "subtract")
        return self._with(_CONTEXT.subtract(self.amount, other.amount))

    def __neg__(self) -> Money:
        return self._with(self.amount.copy_negate())

    def __abs__(self) -> Money:
        return self._with(self.amount.copy_abs())

    def __mul__(self, factor: int | Decimal) -> Money:
        """A quantity or a rate times an amount. Money times Money has no meaning; floats raise."""
        exact = _as_factor(factor, "factor")
        if exact is None:
            return NotImplemented
        return self._with(_CONTEXT.multiply(self.amount, exact))

    __rmul__ = __mul__

    def __truediv__(self, divisor: int | Decimal) -> Money:
        """Division keeps 38 significant digits (100.00 / 3 is 33.33...3, not 33.33)."""
        exact = _as_factor(divisor, "divisor")
        if exact is None:
            return NotImplemented
        return self._with(_CONTEXT.divide(self.amount, exact))

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._compare(other) < 0

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._compare(other) <= 0

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._compare(other) > 0

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._compare(other) >= 0

    def rounded(self, rounding: Rounding = DEFAULT_ROUNDING) -> Money:
        """This amount at the currency's minor unit; call it once, when a line is finalized.

        Keep the precise amount beside the rounded one: the difference is what an auditor
        asks about, and re-rounding a rounded amount is a no-op, so nothing drifts.
        """
        quantized = self.amount.quantize(
            self.currency.quantum, rounding=rounding.value, context=_CONTEXT
        )
        return self._with(quantized)

    def minor_units(self) -> int:
        """The amount as a whole number of minor units (cents), as payment gateways want it.

        Refuses an amount that is not already rounded: deciding how to round is the caller's
        business, and a silent truncation here would charge the wrong amount.
        """
        if not self._is_at_minor_unit():
            raise ValidationError.single(
                "amount",
                f"{self.amount} {self.currency.code} has more than {self.currency.minor_unit} "
                "decimals; round it before converting to minor units",
            )
        return int(self.amount.scaleb(self.currency.minor_unit, context=_CONTEXT))

    def __str__(self) -> str:
        """For display only ("12.30 EUR"); a precise amount shows all its digits, unrounded."""
        shown = self.amount
        if self._is_at_minor_unit():
            shown = shown.quantize(self.currency.quantum, context=_CONTEXT)
        return f"{shown:f} {self.currency.code}"

    def __repr__(self) -> str:
        return f"Money.of({str(self.amount)!r}, {self.currency.code!r})"

    def _with(self, amount: Decimal) -> Money:
        return Money(amount=amount, currency=self.currency)

    def _is_at_minor_unit(self) -> bool:
        whole = self.amount.quantize(
            self.currency.quantum, rounding=decimal.ROUND_DOWN, context=_CONTEXT
        )
        return whole == self.amount

    def _compare(self, other: Money) -> int:
        self._require_same_currency(other, "compare")
        return (self.amount > other.amount) - (self.amount < other.amount)

    def _require_same_currency(self, other: Money, operation: str) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot {operation} {self.currency.code} and {other.currency.code} amounts"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundingPolicy:
    """The rounding each currency uses when an invoice line is finalized.

    Half-up for every currency unless ``overrides`` names another mode for a currency code,
    e.g. ``RoundingPolicy(overrides={"CHF": Rounding.HALF_EVEN})``. Codes are checked against
    the ISO table and normalized to upper case.
    """

    default: Rounding = DEFAULT_ROUNDING
    overrides: Mapping[str, Rounding] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = [
            FieldError(f"overrides[{code!r}]", "must be a Rounding mode")
            for code, mode in self.overrides.items()
            if not isinstance(mode, Rounding)
        ]
        if problems:
            raise ValidationError(problems)
        normalized = {currency(code).code: mode for code, mode in self.overrides.items()}
        object.__setattr__(self, "overrides", MappingProxyType(normalized))

    def rounding_for(self, money_currency: Currency) -> Rounding:
        return self.overrides.get(money_currency.code, self.default)

    def round(self, money: Money) -> Money:
        return money.rounded(self.rounding_for(money.currency))


def sum_money(amounts: Iterable[Money], currency: str | Currency) -> Money:
    """The sum of the amounts; zero in ``currency`` when there are none (an empty invoice)."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def allocate(total: Money, weights: Sequence[int | Decimal]) -> tuple[Money, ...]:
    """Split ``total`` in proportion to ``weights``; the parts always add up to ``total``.

    Rounding each proportional share on its own loses or invents minor units (100.00 EUR in
    thirds rounds to 33.33 three times: 99.99). The largest-remainder method works in whole
    minor units: every part first gets its share rounded down, then the units left over go one
    each to the parts whose share was cut the most. So the parts sum exactly to the total and
    no part is a whole minor unit away from its exact share; a part with weight 0 gets nothing.

    Ties in the remainders go to the earliest part: the same input always splits the same
    way, so a rerun or a recomputed draft yields the same lines. A negative total (a credit)
    is split as the mirror of the positive one, so a credit note splits like its invoice.

    ``total`` must already be at the currency's minor unit (round it first); weights are
    non-negative ints or Decimals with a positive sum.
    """
    units = _minor_units_of_total(total)
    counts = _largest_remainder(abs(units), _checked_weights(weights))
    sign = -1 if units < 0 else 1
    return tuple(_from_minor_units(sign * count, total.currency) for count in counts)


def split_evenly(total: Money, parts: int) -> tuple[Money, ...]:
    """``total`` in ``parts`` equal shares, earlier parts taking the odd minor units."""
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
        raise ValidationError.single("parts", "must be a whole number of at least 1")
    return allocate(total, (1,) * parts)


def _largest_remainder(units: int, weights: Sequence[Fraction]) -> list[int]:
    whole = sum(weights)
    shares = [units * weight / whole for weight in weights]
    counts = [math.floor(share) for share in shares]
    left_over = units - sum(counts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for index in by_remainder[:left_over]:
        counts[index] += 1
    return counts


def _minor_units_of_total(total: Money) -> int:
    if not isinstance(total, Money):
        raise ValidationError.single("total", "must be Money")
    if not total._is_at_minor_unit():
        raise ValidationError.single(
            "total",
            f"{total.amount} {total.currency.code} must be rounded to "
            f"{total.currency.minor_unit} decimals before it is allocated",
        )
    return total.minor_units()


def _checked_weights(weights: Sequence[int | Decimal]) -> tuple[Fraction, ...]:
    problems = [
        FieldError(f"weights[{index}]", problem)
        for index, weight in enumerate(weights)
        if (problem := _weight_problem(weight))
    ]
    if problems:
        raise ValidationError(problems)
    exact = tuple(Fraction(weight) for weight in weights)
    if sum(exact) <= 0:
        raise ValidationError.single("weights", "must have at least one positive weight")
    return exact


def _weight_problem(weight: object) -> str | None:
    if isinstance(weight, bool) or not isinstance(weight, int | Decimal):
        return "must be an int or a Decimal"
    if isinstance(weight, Decimal) and not weight.is_finite():
        return "must be a finite number"
    if weight < 0:
        return "must not be negative"
    return None


def _from_minor_units(units: int, money_currency: Currency) -> Money:
    amount = Decimal(units).scaleb(-money_currency.minor_unit, context=_CONTEXT)
    return Money(amount=amount, currency=money_currency)


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, float):
        raise ValidationError.single(
            "amount", "a float cannot hold an exact amount of money; pass a str, int or Decimal"
        )
    if isinstance(value, bool):
        raise ValidationError.single("amount", "must be a number, not a boolean")
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, str):
        if not _PLAIN_NUMBER.fullmatch(value):
            raise ValidationError.single(
                "amount",
                f"{value!r} is not a plain decimal number (digits, an optional sign and "
                "decimal point; no thousands separators or spaces)",
            )
        return Decimal(value)
    raise ValidationError.single("amount", "must be a str, int or Decimal")


def _to_currency(value: object) -> Currency:
    if isinstance(value, Currency):
        return value
    if isinstance(value, str):
        return currency(value)
    raise ValidationError.single("currency", "must be an ISO 4217 code or a Currency")


def _amount_problem(amount: object) -> str | None:
    if not isinstance(amount, Decimal):
        return "must be a Decimal (use Money.of to convert text or an int)"
    if not amount.is_finite():
        return "must be a finite number, not NaN or Infinity"
    if amount.copy_abs() >= AMOUNT_LIMIT:
        return f"must be below {AMOUNT_LIMIT} in magnitude"
    return None


def _check_currency_object(value: object) -> None:
    if not isinstance(value, Currency):
        raise ValidationError.single("currency", "must be a Currency (use Money.of for a code)")
    known = CURRENCIES.get(value.code)
    if known is not value and known != value:
        raise UnknownCurrencyError(f"{value!r} is not a billable currency of the ISO 4217 table")


def _as_factor(value: object, field_name: str) -> Decimal | None:
    """The factor as a Decimal; None (so Python raises TypeError) for floats, bools, Money."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValidationError.single(field_name, "must be a finite number")
    return Decimal(value)
