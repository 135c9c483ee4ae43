"""What price() takes and refuses, and the edges where billing code usually goes wrong: zero,
a quantity exactly on a bound and just above it, fractions, huge quantities, precision."""

from __future__ import annotations

import dataclasses
import decimal
import inspect
from decimal import Decimal
from typing import Any

import pytest

from tarifa.errors import ValidationError
from tarifa.pricing import (
    BreakdownItem,
    ItemKind,
    PriceResult,
    PricingModel,
    parse_spec,
    price,
)
from tarifa.pricing.decimals import FLOAT_REASON
from tarifa.pricing.result import item, result

D = Decimal

PER_UNIT = {"model": "per_unit", "unit_price": "0.05"}
GRADUATED = {
    "model": "graduated",
    "tiers": [
        {"up_to": 100, "unit_price": "1", "flat_fee": "5"},
        {"up_to": 200, "unit_price": "0.5", "flat_fee": "7"},
        {"unit_price": "0.25"},
    ],
}
VOLUME = {"model": "volume", "tiers": GRADUATED["tiers"]}
PACKAGE = {"model": "package", "package_size": 100, "package_price": "5", "free_units": 100}
PERCENTAGE = {"model": "percentage", "rate": "1.2", "fixed_fee": "0.10"}
GRADUATED_PERCENTAGE = {
    "model": "graduated_percentage",
    "tiers": [{"up_to": 100, "rate": "2", "flat_fee": "1"}, {"rate": "1", "flat_fee": "3"}],
}
UNIT_MODELS = [PER_UNIT, GRADUATED, VOLUME, PACKAGE]


def field_of(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, str]]:
    return [(e.field, e.reason) for e in error.value.errors]


# --- bounds ---------------------------------------------------------------------------------


def test_a_quantity_on_a_bound_stays_in_the_lower_tier_and_just_above_enters_the_next() -> None:
    # Graduated: 100 → 100 × 1 + 5 = 105; 100.5 → 105 + 0.5 × 0.5 + 7 = 112.25.
    assert price(GRADUATED, 100).amount == D(105)
    assert price(GRADUATED, D("100.5")).amount == D("112.25")
    # Volume: 100 → 100 × 1 + 5 = 105; 100.5 → 100.5 × 0.5 + 7 = 57.25.
    assert price(VOLUME, 100).amount == D(105)
    assert price(VOLUME, D("100.5")).amount == D("57.25")
    # Graduated percentage: 100 → 2 % × 100 + 1 = 3; 100.5 → 3 + 1 % × 0.5 + 3 = 6.005.
    assert price(GRADUATED_PERCENTAGE, 100).amount == D(3)
    assert price(GRADUATED_PERCENTAGE, D("100.5")).amount == D("6.005")


def test_a_tiny_fraction_above_a_bound_still_enters_the_next_tier() -> None:
    assert price(GRADUATED, D("100.0000000001")).breakdown[-1] == BreakdownItem(
        kind=ItemKind.TIER_FLAT_FEE, quantity=D(1), amount=D(7), unit_price=D(7), tier=2
    )
    assert price(VOLUME, D("200.000001")).breakdown[0].tier == 3


# --- zero -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "amount"),
    [
        (PER_UNIT, "0"),
        (GRADUATED, "5"),  # the first tier's flat fee
        (VOLUME, "5"),  # zero falls in the first tier, with its fee
        (PACKAGE, "0"),
        (GRADUATED_PERCENTAGE, "0"),  # no money moved, no tier entered
    ],
)
def test_zero_usage(spec: dict[str, Any], amount: str) -> None:
    result = price(spec, 0)
    assert result.amount == D(amount)
    assert result.breakdown  # even at zero the invoice shows what was priced


def test_a_negative_zero_quantity_is_zero() -> None:
    result = price(PER_UNIT, D("-0"))
    assert not result.amount.is_signed()
    assert not result.breakdown[0].quantity.is_signed()


# --- fractions and huge quantities ----------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "amount"),
    [
        (PER_UNIT, "0.0617"),  # 1.234 × 0.05
        (GRADUATED, "6.234"),  # 1.234 × 1 + 5
        (VOLUME, "6.234"),
        (PACKAGE, "0"),  # within the free 100
        (GRADUATED_PERCENTAGE, "1.02468"),  # 2 % × 1.234 + 1
    ],
)
def test_fractional_quantities_are_priced_exactly(spec: dict[str, Any], amount: str) -> None:
    assert price(spec, D("1.234")).amount == D(amount)


def test_huge_quantities_are_priced_exactly() -> None:
    units = 10**15
    assert price(PER_UNIT, units).amount == D("50000000000000.00")  # 10^15 × 0.05
    # 100 + 5 + 50 + 7 + (10^15 − 200) × 0.25
    assert price(GRADUATED, units).amount == D(162) + (D(units) - 200) * D("0.25")
    assert price(VOLUME, units).amount == D(units) * D("0.25")
    # ceil((10^15 − 100) / 100) = 10^13 − 1 packages of 5
    assert price(PACKAGE, units).amount == (D(10**13) - 1) * 5
    assert price(GRADUATED_PERCENTAGE, units).amount == D(3) + (D(units) - 100) / 100 + 3


def test_a_huge_precise_quantity_keeps_every_digit() -> None:
    units = D("999999999999999.999999")  # 21 significant digits
    # 999,999,999,999,999 × 0.05 = 49,999,999,999,999.95; 0.999999 × 0.05 = 0.04999995
    assert price(PER_UNIT, units).amount == D("49999999999999.99999995")


def test_an_amount_needing_more_than_38_digits_is_refused_not_rounded() -> None:
    spec = {"model": "per_unit", "unit_price": "0.1234567890123456789"}
    with pytest.raises(ValidationError) as caught:
        price(spec, D("12345678901234567890.123"))
    assert caught.value.errors[0].field == "quantity"
    assert "38 significant digits" in caught.value.errors[0].reason


def test_the_callers_decimal_context_changes_nothing() -> None:
    expected = price(GRADUATED, D("123.4567"))
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = decimal.ROUND_DOWN
        ctx.traps[decimal.Inexact] = True
        assert price(GRADUATED, D("123.4567")) == expected
        assert price(PERCENTAGE, transactions=[D("123.4567")]).amount == D("1.5814804")


# --- what each model takes ------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [D(5), 5, "5", "5.000"])
def test_a_quantity_may_be_a_decimal_an_int_or_plain_text(quantity: Any) -> None:
    assert price(PER_UNIT, quantity).amount == D("0.25")


@pytest.mark.parametrize("spec", UNIT_MODELS, ids=lambda spec: spec["model"])
def test_a_float_quantity_is_refused_with_the_reason(spec: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        price(spec, 1.5)  # type: ignore[arg-type]
    assert field_of(caught) == [("quantity", FLOAT_REASON)]


def test_a_float_among_the_transactions_is_refused_at_its_index() -> None:
    with pytest.raises(ValidationError) as caught:
        price(PERCENTAGE, transactions=[D(1), 2.5, "3", -4, "x"])  # type: ignore[list-item]
    assert [e.field for e in caught.value.errors] == [
        "transactions[1]",
        "transactions[3]",
        "transactions[4]",
    ]
    assert caught.value.errors[0].reason == FLOAT_REASON
    assert caught.value.errors[1].reason == "must not be negative"


def test_a_float_quantity_is_refused_even_where_it_would_be_ignored() -> None:
    with pytest.raises(ValidationError, match="quantity"):
        price({"model": "flat", "amount": "1"}, 2.0)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="quantity"):
        price(GRADUATED_PERCENTAGE, 2.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("quantity", [-1, "-0.5", D("-1E-20"), D("NaN"), D("Infinity"), True])
def test_a_negative_or_non_finite_quantity_is_refused(quantity: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        price(PER_UNIT, quantity)
    assert caught.value.errors[0].field == "quantity"


@pytest.mark.parametrize("spec", UNIT_MODELS, ids=lambda spec: spec["model"])
def test_unit_models_need_a_quantity_and_take_no_transactions(spec: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        price(spec)
    assert field_of(caught) == [("quantity", "is required: the units used in the period")]
    with pytest.raises(ValidationError) as caught:
        price(spec, transactions=[D(1)])
    assert caught.value.errors[0].field == "transactions"


def test_percentage_needs_the_transactions_not_their_total() -> None:
    with pytest.raises(ValidationError) as caught:
        price(PERCENTAGE, 100)
    assert caught.value.errors[0].field == "quantity"
    assert "transactions=[...]" in caught.value.errors[0].reason
    with pytest.raises(ValidationError, match="transactions: is required"):
        price(PERCENTAGE)


def test_graduated_percentage_takes_transactions_or_a_total_but_not_both() -> None:
    with pytest.raises(ValidationError, match="not both"):
        price(GRADUATED_PERCENTAGE, 5, transactions=[D(5)])
    with pytest.raises(ValidationError, match="quantity: is required"):
        price(GRADUATED_PERCENTAGE)


def test_flat_takes_no_transactions() -> None:
    with pytest.raises(ValidationError, match="transactions"):
        price({"model": "flat", "amount": "1"}, transactions=[])


def test_transactions_may_be_any_iterable_of_numbers() -> None:
    expected = price(PERCENTAGE, transactions=[D(100), D(50)]).amount
    assert price(PERCENTAGE, transactions=(D(100), D(50))).amount == expected
    assert price(PERCENTAGE, transactions=iter(["100", "50"])).amount == expected
    assert price(GRADUATED_PERCENTAGE, transactions=(n for n in ["100", "50"])).amount == (
        price(GRADUATED_PERCENTAGE, 150).amount
    )


def test_transactions_given_as_text_are_refused_as_a_whole() -> None:
    with pytest.raises(ValidationError, match="transactions: must be a list of amounts"):
        price(PERCENTAGE, transactions="100")


def test_a_catalog_mapping_is_priced_directly_and_a_bad_one_refused() -> None:
    assert price(PER_UNIT, 10) == price(parse_spec(PER_UNIT), 10)
    with pytest.raises(ValidationError, match="unit_price"):
        price({"model": "per_unit", "unit_price": 0.05}, 10)


# --- results --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ({"model": "flat", "amount": "9.99"}, {}),
        (PER_UNIT, {"quantity": D("12.5")}),
        (GRADUATED, {"quantity": 250}),
        (VOLUME, {"quantity": 150}),
        (PACKAGE, {"quantity": 333}),
        (PERCENTAGE | {"free_transactions": 1}, {"transactions": [D(10), D(20)]}),
        (GRADUATED_PERCENTAGE, {"transactions": [D(70), D(80)]}),
    ],
    ids=lambda value: value.get("model", "") if isinstance(value, dict) else "",
)
def test_every_result_is_a_decimal_that_its_breakdown_adds_up_to(
    spec: dict[str, Any], usage: dict[str, Any]
) -> None:
    result = price(spec, **usage)
    assert result.model is PricingModel(spec["model"])
    assert type(result.amount) is Decimal
    assert isinstance(result.breakdown, tuple)
    for line in result.breakdown:
        assert type(line.amount) is Decimal
        assert type(line.quantity) is Decimal
        assert line.amount >= 0
    assert sum((line.amount for line in result.breakdown), D(0)) == result.amount


def test_the_fast_builders_make_the_same_objects_as_the_constructors() -> None:
    built = item(ItemKind.TIER, D(1), D(2), D(3), D(4), 5, 6)
    assert built == BreakdownItem(kind=ItemKind.TIER, quantity=D(1), amount=D(2),
                                  unit_price=D(3), rate=D(4), tier=5, transactions=6)  # fmt: skip
    assert hash(built) == hash(BreakdownItem(kind=ItemKind.TIER, quantity=D(1), amount=D(2),
                                             unit_price=D(3), rate=D(4), tier=5,
                                             transactions=6))  # fmt: skip
    assert repr(item(ItemKind.UNITS, D(1), D(2))) == repr(
        BreakdownItem(kind=ItemKind.UNITS, quantity=D(1), amount=D(2))
    )
    made = result(PricingModel.FLAT, D(1), (built,))
    assert made == PriceResult(model=PricingModel.FLAT, amount=D(1), breakdown=(built,))
    with pytest.raises(AttributeError):
        made.amount = D(2)  # type: ignore[misc]


def test_the_fast_builders_only_build_types_without_checks_of_their_own() -> None:
    # They skip __init__; a check added to these types later would be skipped too.
    for kind in (BreakdownItem, PriceResult):
        assert not hasattr(kind, "__post_init__")
    assert [f.name for f in dataclasses.fields(BreakdownItem)] == list(
        inspect.signature(item).parameters
    )


def test_results_are_values() -> None:
    first, second = price(GRADUATED, 150), price(GRADUATED, D("150.0"))
    assert first == second
    assert hash(first) == hash(second)
