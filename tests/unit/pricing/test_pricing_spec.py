"""Reading price specs: every problem of a spec at once, each at its field path, with a reason
a catalog author can act on; typed specs built in Python are checked the same way."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tarifa.errors import ValidationError
from tarifa.pricing import (
    FlatSpec,
    GraduatedPercentageSpec,
    GraduatedSpec,
    PackageSpec,
    PercentageSpec,
    PerUnitSpec,
    PricingModel,
    RateTier,
    UnitTier,
    VolumeSpec,
    parse_spec,
    spec_to_mapping,
)
from tarifa.pricing.decimals import FLOAT_REASON

D = Decimal

ONE_OF_EACH: list[dict[str, Any]] = [
    {"model": "flat", "amount": "25.00"},
    {"model": "per_unit", "unit_price": "0.05"},
    {
        "model": "graduated",
        "tiers": [
            {"up_to": 10, "unit_price": "10", "flat_fee": "2"},
            {"up_to": 20, "unit_price": "5", "flat_fee": "3"},
            {"unit_price": "5", "flat_fee": "3"},
        ],
    },
    {
        "model": "volume",
        "tiers": [
            {"up_to": 100, "unit_price": "2", "flat_fee": "10"},
            {"up_to": 200, "unit_price": "1"},
            {"unit_price": "0.5", "flat_fee": "50"},
        ],
    },
    {"model": "package", "package_size": 10, "package_price": "100", "free_units": 10},
    {
        "model": "percentage",
        "rate": "1.2",
        "fixed_fee": "0.10",
        "free_transactions": 3,
        "free_amount": "500",
        "min_per_transaction": "0.05",
        "max_per_transaction": "20",
    },
    {
        "model": "graduated_percentage",
        "tiers": [{"up_to": "1000", "rate": "1", "flat_fee": "200"}, {"rate": "2"}],
    },
]


def problems(raw: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        parse_spec(raw)
    return {error.field: error.reason for error in caught.value.errors}


def tiers(*entries: dict[str, Any], model: str = "graduated") -> dict[str, Any]:
    return {"model": model, "tiers": list(entries)}


# --- reading the file form ------------------------------------------------------------------


def test_every_example_of_the_file_syntax_reads_into_its_typed_spec() -> None:
    specs = [parse_spec(raw) for raw in ONE_OF_EACH]
    assert [type(spec) for spec in specs] == [
        FlatSpec,
        PerUnitSpec,
        GraduatedSpec,
        VolumeSpec,
        PackageSpec,
        PercentageSpec,
        GraduatedPercentageSpec,
    ]
    assert [spec.model for spec in specs] == list(PricingModel)


def test_a_spec_reads_into_decimals_and_tuples_of_tiers() -> None:
    spec = parse_spec(ONE_OF_EACH[2])
    assert isinstance(spec, GraduatedSpec)
    assert spec.tiers == (
        UnitTier(up_to=D(10), unit_price=D(10), flat_fee=D(2)),
        UnitTier(up_to=D(20), unit_price=D(5), flat_fee=D(3)),
        UnitTier(unit_price=D(5), flat_fee=D(3)),
    )
    percentage = parse_spec(ONE_OF_EACH[5])
    assert percentage == PercentageSpec(
        rate=D("1.2"),
        fixed_fee=D("0.10"),
        free_transactions=3,
        free_amount=D(500),
        min_per_transaction=D("0.05"),
        max_per_transaction=D(20),
    )


def test_text_whole_numbers_and_decimals_are_all_read() -> None:
    assert parse_spec({"model": "per_unit", "unit_price": "5"}) == parse_spec(
        {"model": "per_unit", "unit_price": 5}
    )
    assert parse_spec({"model": "per_unit", "unit_price": D("5.0")}).unit_price == 5  # type: ignore[union-attr]


def test_optional_fields_take_their_defaults() -> None:
    assert parse_spec({"model": "package", "package_size": "10", "package_price": "1"}) == (
        PackageSpec(package_size=D(10), package_price=D(1), free_units=D(0))
    )
    assert parse_spec({"model": "percentage", "rate": "1"}) == PercentageSpec(rate=D(1))
    volume = parse_spec(tiers({"unit_price": "1"}, model="volume"))
    assert volume == VolumeSpec(tiers=(UnitTier(unit_price=D(1), flat_fee=D(0)),))


def test_a_parsed_spec_is_returned_as_is() -> None:
    spec = parse_spec(ONE_OF_EACH[0])
    assert parse_spec(spec) is spec


@pytest.mark.parametrize("raw", ONE_OF_EACH, ids=lambda raw: raw["model"])
def test_a_spec_written_back_reads_to_the_same_spec(raw: dict[str, Any]) -> None:
    spec = parse_spec(raw)
    written = spec_to_mapping(spec)
    assert parse_spec(written) == spec
    assert written["model"] == raw["model"]


def test_the_file_form_writes_every_number_as_text_and_leaves_out_unset_fields() -> None:
    assert spec_to_mapping(parse_spec(ONE_OF_EACH[2])) == {
        "model": "graduated",
        "tiers": [
            {"up_to": "10", "unit_price": "10", "flat_fee": "2"},
            {"up_to": "20", "unit_price": "5", "flat_fee": "3"},
            {"unit_price": "5", "flat_fee": "3"},
        ],
    }
    assert spec_to_mapping(parse_spec({"model": "percentage", "rate": "1.2",
                                       "free_transactions": 3})) == {
        "model": "percentage", "rate": "1.2", "free_transactions": "3"
    }  # fmt: skip


def test_tiny_precise_prices_are_written_in_plain_notation() -> None:
    spec = PerUnitSpec(unit_price=D("1E-7"))
    assert spec_to_mapping(spec) == {"model": "per_unit", "unit_price": "0.0000001"}


# --- the model ------------------------------------------------------------------------------


def test_a_missing_model_is_named() -> None:
    assert list(problems({"unit_price": "1"})) == ["model"]
    assert "per_unit" in problems({"unit_price": "1"})["model"]


@pytest.mark.parametrize("model", ["tiered", "FLAT", "", 5, None, ["flat"]])
def test_an_unknown_model_is_named_with_the_known_ones(model: object) -> None:
    reason = problems({"model": model, "amount": "1"})["model"]
    assert "graduated_percentage" in reason


def test_a_spec_that_is_not_a_mapping_is_refused() -> None:
    assert problems(["flat", "25"]) == {"pricing": "must be a mapping with a model and its prices"}


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"model": "flat", "amount": 25.0}, "amount"),
        ({"model": "per_unit", "unit_price": 0.05}, "unit_price"),
        (tiers({"up_to": 10.0, "unit_price": "1"}, {"unit_price": "1"}), "tiers[0].up_to"),
        (tiers({"up_to": 10, "unit_price": "1"}, {"unit_price": 0.5}), "tiers[1].unit_price"),
        (tiers({"unit_price": "1", "flat_fee": 2.5}, model="volume"), "tiers[0].flat_fee"),
        ({"model": "package", "package_size": 10.0, "package_price": "1"}, "package_size"),
        ({"model": "package", "package_size": 10, "package_price": "1", "free_units": 1.5},
         "free_units"),
        ({"model": "percentage", "rate": 1.2}, "rate"),
        ({"model": "percentage", "rate": "1", "free_transactions": 3.0}, "free_transactions"),
        ({"model": "percentage", "rate": "1", "max_per_transaction": 20.0},
         "max_per_transaction"),
        (tiers({"rate": 2.0}, model="graduated_percentage"), "tiers[0].rate"),
    ],
)  # fmt: skip
def test_a_float_anywhere_is_refused_at_its_field(raw: dict[str, Any], field: str) -> None:
    assert problems(raw) == {field: FLOAT_REASON}


def test_the_float_reason_says_why_and_what_to_give_instead() -> None:
    assert "inexact" in FLOAT_REASON
    assert "text" in FLOAT_REASON


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "must be a number, not true or false"),
        ("1,000.00", "not a plain decimal number"),
        (" 5", "not a plain decimal number"),
        ("five", "not a plain decimal number"),
        ("NaN", "not a plain decimal number"),
        ("Infinity", "not a plain decimal number"),
        (D("NaN"), "finite"),
        ([5], "must be a number"),
    ],
)
def test_a_number_that_is_not_plain_is_refused_with_its_reason(value: object, reason: str) -> None:
    assert reason in problems({"model": "per_unit", "unit_price": value})["unit_price"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"model": "flat", "amount": "-25"}, "amount"),
        ({"model": "per_unit", "unit_price": "-0.05"}, "unit_price"),
        (tiers({"up_to": 10, "unit_price": "-1"}, {"unit_price": "1"}), "tiers[0].unit_price"),
        (tiers({"unit_price": "1", "flat_fee": "-2"}, model="volume"), "tiers[0].flat_fee"),
        ({"model": "package", "package_size": 10, "package_price": "-1"}, "package_price"),
        ({"model": "package", "package_size": 10, "package_price": "1", "free_units": -1},
         "free_units"),
        ({"model": "percentage", "rate": "-1"}, "rate"),
        ({"model": "percentage", "rate": "1", "fixed_fee": "-0.10"}, "fixed_fee"),
        ({"model": "percentage", "rate": "1", "free_amount": "-5"}, "free_amount"),
        ({"model": "percentage", "rate": "1", "min_per_transaction": "-1"},
         "min_per_transaction"),
        (tiers({"rate": "-2"}, model="graduated_percentage"), "tiers[0].rate"),
    ],
)  # fmt: skip
def test_a_negative_price_is_refused_at_its_field(raw: dict[str, Any], field: str) -> None:
    assert problems(raw) == {field: "must not be negative"}


def test_zero_prices_are_allowed() -> None:
    assert parse_spec({"model": "per_unit", "unit_price": "0"}) == PerUnitSpec(unit_price=D(0))


@pytest.mark.parametrize("size", [0, "0", "-10", "0.000"])
def test_a_package_size_must_be_above_zero(size: object) -> None:
    raw = {"model": "package", "package_size": size, "package_price": "1"}
    assert problems(raw) == {"package_size": "must be above 0"}


@pytest.mark.parametrize("count", ["3.5", -1, "-1", D("2.5")])
def test_free_transactions_must_be_a_whole_number(count: object) -> None:
    raw = {"model": "percentage", "rate": "1", "free_transactions": count}
    assert problems(raw) == {"free_transactions": "must be a whole number of at least 0"}


def test_a_minimum_above_the_maximum_is_refused_at_the_maximum() -> None:
    raw = {"model": "percentage", "rate": "1", "min_per_transaction": "5",
           "max_per_transaction": "1"}  # fmt: skip
    assert problems(raw) == {"max_per_transaction": "must not be below min_per_transaction (5)"}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"model": "flat"}, "amount"),
        ({"model": "per_unit"}, "unit_price"),
        ({"model": "graduated"}, "tiers"),
        ({"model": "package", "package_price": "1"}, "package_size"),
        ({"model": "package", "package_size": "1"}, "package_price"),
        ({"model": "percentage"}, "rate"),
        (tiers({"up_to": 1, "unit_price": "1"}, {}), "tiers[1].unit_price"),
        (tiers({}, model="graduated_percentage"), "tiers[0].rate"),
    ],
)
def test_a_missing_required_field_is_named(raw: dict[str, Any], field: str) -> None:
    assert problems(raw) == {field: "is required"}


# --- unknown keys ---------------------------------------------------------------------------


def test_an_unknown_key_is_refused_with_the_keys_the_model_takes() -> None:
    reason = problems({"model": "per_unit", "unit_price": "1", "unit_prize": "2"})["unit_prize"]
    assert reason == "unknown key (expected one of model, unit_price)"


def test_an_unknown_key_inside_a_tier_is_named_at_its_path() -> None:
    raw = tiers({"up_to": 10, "unit_price": "1", "flat_fees": "2"}, {"unit_price": "1"})
    assert list(problems(raw)) == ["tiers[0].flat_fees"]


def test_a_key_of_another_model_is_unknown() -> None:
    assert list(problems({"model": "flat", "amount": "1", "unit_price": "1"})) == ["unit_price"]


# --- tiers ----------------------------------------------------------------------------------


def test_unsorted_tiers_are_refused_at_the_bound_out_of_order() -> None:
    raw = tiers({"up_to": 20, "unit_price": "1"}, {"up_to": 10, "unit_price": "1"},
                {"unit_price": "1"})  # fmt: skip
    assert problems(raw) == {"tiers[1].up_to": "must be above the previous tier's up_to (20)"}


def test_two_tiers_with_the_same_bound_are_refused() -> None:
    raw = tiers({"up_to": 10, "unit_price": "1"}, {"up_to": "10.0", "unit_price": "1"},
                {"unit_price": "1"})  # fmt: skip
    assert list(problems(raw)) == ["tiers[1].up_to"]


def test_tiers_without_an_open_last_tier_are_refused_at_the_last_bound() -> None:
    raw = tiers({"up_to": 10, "unit_price": "1"}, {"up_to": 20, "unit_price": "1"})
    reason = problems(raw)["tiers[1].up_to"]
    assert reason.startswith("the last tier must be open-ended")


def test_a_single_tier_with_an_up_to_is_refused() -> None:
    assert list(problems(tiers({"up_to": 10, "rate": "1"}, model="graduated_percentage"))) == [
        "tiers[0].up_to"
    ]


def test_a_tier_other_than_the_last_without_an_up_to_is_refused() -> None:
    raw = tiers({"unit_price": "2"}, {"up_to": 10, "unit_price": "1"}, {"unit_price": "1"})
    assert problems(raw) == {"tiers[0].up_to": "every tier but the last needs an up_to"}


@pytest.mark.parametrize("bound", [0, "0", "-5"])
def test_an_up_to_must_be_above_zero(bound: object) -> None:
    raw = tiers({"up_to": bound, "unit_price": "1"}, {"unit_price": "1"}, model="volume")
    assert problems(raw) == {"tiers[0].up_to": "must be above 0"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([], "needs at least one tier, the last without an up_to"),
        ("10:1", "must be a list of tiers"),
        ({"up_to": 1}, "must be a list of tiers"),
    ],
)
def test_tiers_must_be_a_non_empty_list(value: object, reason: str) -> None:
    assert problems({"model": "graduated", "tiers": value}) == {"tiers": reason}


def test_a_tier_that_is_not_a_mapping_is_named() -> None:
    assert list(problems(tiers("10", {"unit_price": "1"}))) == ["tiers[0]"]  # type: ignore[arg-type]


def test_a_bad_bound_does_not_hide_an_ordering_problem_elsewhere() -> None:
    raw = tiers(
        {"up_to": 10.5, "unit_price": "1"},
        {"up_to": 30, "unit_price": "1"},
        {"up_to": 20, "unit_price": "1"},
        {"unit_price": "1"},
    )
    assert problems(raw) == {
        "tiers[0].up_to": FLOAT_REASON,
        "tiers[2].up_to": "must be above the previous tier's up_to (30)",
    }


# --- every problem at once ------------------------------------------------------------------


def test_a_spec_with_several_problems_reports_all_of_them() -> None:
    raw = {
        "model": "graduated",
        "tiers": [
            {"up_to": 20, "unit_price": 1.5},
            {"up_to": 10, "unit_price": "-1", "flat_fe": "2"},
            {"up_to": 30, "unit_price": "1"},
        ],
        "currency": "EUR",
    }
    assert problems(raw) == {
        "tiers[0].unit_price": FLOAT_REASON,
        "tiers[1].unit_price": "must not be negative",
        "tiers[1].flat_fe": "unknown key (expected one of up_to, unit_price, flat_fee)",
        "tiers[1].up_to": "must be above the previous tier's up_to (20)",
        "tiers[2].up_to": (
            "the last tier must be open-ended: remove its up_to, or add a last tier without one"
        ),
        "currency": "unknown key (expected one of model, tiers)",
    }


def test_a_percentage_spec_with_several_problems_reports_all_of_them() -> None:
    raw = {"model": "percentage", "rate": 1.2, "fixed_fee": "-1", "free_transactions": "x",
           "min_per_transaction": "3", "max_per_transaction": "2", "cap": "1"}  # fmt: skip
    assert set(problems(raw)) == {
        "rate",
        "fixed_fee",
        "free_transactions",
        "max_per_transaction",
        "cap",
    }


# --- specs built in Python ------------------------------------------------------------------


def test_a_spec_built_in_python_refuses_a_float_at_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        PerUnitSpec(unit_price=0.05)  # type: ignore[arg-type]
    assert [(e.field, e.reason) for e in caught.value.errors] == [("unit_price", FLOAT_REASON)]


def test_a_tier_built_in_python_is_checked_field_by_field() -> None:
    with pytest.raises(ValidationError) as caught:
        UnitTier(up_to=D(0), unit_price=D(-1), flat_fee=1.0)  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == ["up_to", "unit_price", "flat_fee"]


def test_tiers_built_in_python_are_checked_for_order_and_kind() -> None:
    with pytest.raises(ValidationError) as caught:
        GraduatedSpec(tiers=(UnitTier(up_to=D(5), unit_price=D(1)),
                             UnitTier(up_to=D(2), unit_price=D(1))))  # fmt: skip
    assert [e.field for e in caught.value.errors] == ["tiers[1].up_to", "tiers[1].up_to"]
    with pytest.raises(ValidationError, match="tiers\\[0\\]: must be a RateTier"):
        GraduatedPercentageSpec(tiers=(UnitTier(unit_price=D(1)),))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="tiers: needs at least one tier"):
        VolumeSpec(tiers=())


def test_a_list_of_tiers_built_in_python_is_kept_as_a_tuple() -> None:
    spec = VolumeSpec(tiers=[UnitTier(unit_price=D(1))])  # type: ignore[arg-type]
    assert spec.tiers == (UnitTier(unit_price=D(1)),)


def test_a_percentage_spec_built_in_python_is_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        PercentageSpec(rate=D(1), free_transactions=True, min_per_transaction=D(2),
                       max_per_transaction=D(1))  # fmt: skip
    assert [e.field for e in caught.value.errors] == ["free_transactions", "max_per_transaction"]


def test_specs_are_frozen_and_compare_by_their_prices() -> None:
    spec = parse_spec(ONE_OF_EACH[3])
    assert spec == parse_spec(ONE_OF_EACH[3])
    assert hash(spec) == hash(parse_spec(ONE_OF_EACH[3]))
    with pytest.raises(AttributeError):
        spec.tiers = ()  # type: ignore[misc, union-attr]
    assert RateTier(rate=D(1)) != RateTier(rate=D(2))


def test_a_negative_zero_in_a_file_is_read_as_zero() -> None:
    spec = parse_spec({"model": "per_unit", "unit_price": "-0.00"})
    assert isinstance(spec, PerUnitSpec)
    assert not spec.unit_price.is_signed()
    with pytest.raises(ValidationError, match="unit_price: must not be negative"):
        PerUnitSpec(unit_price=D("-0"))


def test_a_price_too_precise_to_multiply_exactly_is_refused_when_read() -> None:
    assert problems({"model": "per_unit", "unit_price": "0." + "1" * 39}) == {
        "unit_price": "has more than 38 significant digits"
    }


def test_tiers_given_as_a_set_are_refused() -> None:
    assert problems({"model": "volume", "tiers": {"a"}}) == {"tiers": "must be a list of tiers"}


def test_a_null_up_to_on_the_last_tier_is_no_up_to() -> None:
    spec = parse_spec(tiers({"up_to": 5, "unit_price": "1"}, {"up_to": None, "unit_price": "2"}))
    assert isinstance(spec, GraduatedSpec)
    assert spec.tiers[-1].up_to is None
