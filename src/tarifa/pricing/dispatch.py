"""One entry point for every pricing model: :func:`price`.

DOMAIN.md makes each model a pure function ``(quantity, price parameters) -> (amount,
breakdown)``. This module checks what is being priced and hands it to the model's module; the
``match`` lists every model, and mypy refuses it if one is ever left out.

What is priced depends on the model. Unit models (per_unit, graduated, volume, package) take a
``quantity`` of units. ``percentage`` takes ``transactions``: each transaction pays on its own
and the free limits count transactions, so a total alone cannot be priced. The
``graduated_percentage`` model takes ``transactions`` or a ``quantity`` that is their total
amount, since only the total matters to it. ``flat`` takes neither (a quantity, if given, is
checked and ignored). Quantities and transaction amounts are finite and not negative;
fractions are fine; floats are refused like everywhere else.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TypeAlias, assert_never

from tarifa.errors import FieldError, ValidationError
from tarifa.money import ARITHMETIC_PRECISION
from tarifa.pricing import (
    flat,
    graduated,
    graduated_percentage,
    package,
    per_unit,
    percentage,
    volume,
)
from tarifa.pricing.decimals import ZERO, add, quantity_of
from tarifa.pricing.flat import FlatSpec
from tarifa.pricing.graduated import GraduatedSpec
from tarifa.pricing.graduated_percentage import GraduatedPercentageSpec
from tarifa.pricing.package import PackageSpec
from tarifa.pricing.per_unit import PerUnitSpec
from tarifa.pricing.percentage import PercentageSpec
from tarifa.pricing.result import PriceResult
from tarifa.pricing.spec import Spec, parse_spec
from tarifa.pricing.volume import VolumeSpec

Number: TypeAlias = Decimal | int | str
"""A quantity or an amount as a caller may give it (never a float)."""

_TOO_PRECISE = (
    f"the exact amount would need more than {ARITHMETIC_PRECISION} significant digits; "
    "pricing refuses to round it"
)


def price(
    spec: Spec | Mapping[str, object],
    quantity: Number | None = None,
    *,
    transactions: Iterable[Number] | None = None,
) -> PriceResult:
    """The precise amount and breakdown of ``spec`` for this period's usage.

    ``spec`` is a typed spec (parse it once with :func:`~tarifa.pricing.parse_spec` when
    pricing many times) or the catalog mapping itself. Raises
    :class:`~tarifa.errors.ValidationError` for a bad spec, a missing, negative or float
    quantity, or input the model does not take.
    """
    if not isinstance(spec, Spec):
        spec = parse_spec(spec)
    try:
        match spec:
            case PerUnitSpec():
                return per_unit.price(spec, _units(quantity, transactions))
            case GraduatedSpec():
                return graduated.price(spec, _units(quantity, transactions))
            case VolumeSpec():
                return volume.price(spec, _units(quantity, transactions))
            case PackageSpec():
                return package.price(spec, _units(quantity, transactions))
            case PercentageSpec():
                return percentage.price(spec, _amounts(quantity, transactions))
            case GraduatedPercentageSpec():
                return graduated_percentage.price(spec, _total(quantity, transactions))
            case FlatSpec():
                _no_usage(quantity, transactions)
                return flat.price(spec)
            case _:
                assert_never(spec)
    except (decimal.Inexact, decimal.InvalidOperation, decimal.Overflow):
        field = "quantity" if transactions is None else "transactions"
        raise ValidationError.single(field, _TOO_PRECISE) from None


def _units(quantity: Number | None, transactions: Iterable[Number] | None) -> Decimal:
    # The common case first and cheaply: a clean Decimal from the period's aggregation.
    if (
        transactions is None
        and type(quantity) is Decimal
        and quantity.is_finite()
        and not quantity.is_signed()
    ):
        return quantity
    if transactions is not None:
        raise ValidationError.single(
            "transactions", "only the percentage models take transactions; give a quantity"
        )
    if quantity is None:
        raise ValidationError.single("quantity", "is required: the units used in the period")
    return quantity_of(quantity, "quantity")


def _amounts(quantity: Number | None, transactions: Iterable[Number] | None) -> Sequence[Decimal]:
    if quantity is not None:
        raise ValidationError.single(
            "quantity",
            "the percentage model prices each transaction on its own (fixed fee, clamp, "
            "free transactions); give transactions=[...] instead of a total",
        )
    if transactions is None:
        raise ValidationError.single("transactions", "is required: the period's transactions")
    return _transaction_amounts(transactions)


def _transaction_amounts(transactions: Iterable[Number]) -> Sequence[Decimal]:
    if isinstance(transactions, str | bytes | Mapping):
        raise ValidationError.single("transactions", "must be a list of amounts")
    values = transactions if type(transactions) is list or type(transactions) is tuple else None
    if values is not None:
        for value in values:
            if type(value) is not Decimal or not value.is_finite() or value.is_signed():
                break
        else:
            # All clean Decimals: use them as they are (pricing never changes the sequence).
            return values
    return _checked_amounts(transactions)


def _checked_amounts(transactions: Iterable[Number]) -> list[Decimal]:
    amounts: list[Decimal] = []
    problems: list[FieldError] = []
    for index, value in enumerate(transactions):
        try:
            amounts.append(quantity_of(value, f"transactions[{index}]"))
        except ValidationError as error:
            problems.extend(error.errors)
    if problems:
        raise ValidationError(problems)
    return amounts


def _total(quantity: Number | None, transactions: Iterable[Number] | None) -> Decimal:
    if transactions is None:
        if quantity is None:
            raise ValidationError.single(
                "quantity", "is required: the total amount of the period's transactions"
            )
        return quantity_of(quantity, "quantity")
    if quantity is not None:
        raise ValidationError.single(
            "quantity", "give either transactions or their total as quantity, not both"
        )
    total = ZERO
    for amount in _transaction_amounts(transactions):
        total = add(total, amount)
    return total


def _no_usage(quantity: Number | None, transactions: Iterable[Number] | None) -> None:
    if transactions is not None:
        raise ValidationError.single("transactions", "a flat amount does not depend on usage")
    if quantity is not None:
        quantity_of(quantity, "quantity")
