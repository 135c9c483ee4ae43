"""Money, rounding and allocation: the rules of DOMAIN.md "Money and rounding", with worked
examples computed by hand and property tests for the invariants (no cent lost, no drift)."""

from __future__ import annotations

import decimal
import operator
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarifa.errors import CurrencyMismatchError, UnknownCurrencyError, ValidationError
from tarifa.money import (
    CURRENCIES,
    Currency,
    Money,
    Rounding,
    RoundingPolicy,
    allocate,
    currency,
    split_evenly,
    sum_money,
)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def amounts(parts: tuple[Money, ...]) -> list[str]:
    return [str(part.amount) for part in parts]


def fields(error: ValidationError) -> list[str]:
    return [problem.field for problem in error.errors]


# --- currencies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "minor_unit"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("BHD", 3), ("CLF", 4)]
)
def test_a_currency_has_the_minor_unit_of_the_iso_4217_table(code: str, minor_unit: int) -> None:
    assert currency(code).minor_unit == minor_unit


def test_a_currency_carries_its_numeric_code_and_name() -> None:
    euro = currency("EUR")
    assert (euro.code, euro.numeric_code, euro.name) == ("EUR", 978, "Euro")
    assert str(euro) == "EUR"


def test_currency_codes_are_read_in_any_letter_case() -> None:
    assert currency("eur") is currency("EUR")
    assert currency("Jpy") is currency("JPY")


@pytest.mark.parametrize("code", ["ZZZ", "EURO", "", "EU", "€"])
def test_an_unknown_currency_code_is_refused(code: str) -> None:
    with pytest.raises(UnknownCurrencyError):
        currency(code)


@pytest.mark.parametrize("code", ["XAU", "XAG", "XDR", "XUA", "XTS", "XXX"])
def test_a_code_without_a_minor_unit_is_not_billable(code: str) -> None:
    # ISO 4217 gives "N.A." as their minor unit: there is nothing to round to.
    with pytest.raises(UnknownCurrencyError, match="no minor unit"):
        currency(code)
    assert code not in CURRENCIES


def test_funds_codes_with_a_minor_unit_are_billable() -> None:
    assert currency("CLF").minor_unit == 4
    assert currency("BOV").minor_unit == 2


def test_a_currency_code_that_is_not_text_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        currency(978)  # type: ignore[arg-type]
    assert fields(caught.value) == ["currency"]


# --- construction -------------------------------------------------------------------------


def test_a_float_amount_is_refused() -> None:
    with pytest.raises(ValidationError, match="float") as caught:
        Money.of(0.1, "EUR")  # type: ignore[arg-type]
    assert fields(caught.value) == ["amount"]


def test_a_boolean_amount_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Money.of(True, "EUR")
    assert fields(caught.value) == ["amount"]


@pytest.mark.parametrize("amount", [1.5, 1, "1.50", True, None])
def test_direct_construction_refuses_anything_but_a_decimal(amount: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(amount=amount, currency=currency("EUR"))
    assert fields(caught.value) == ["amount"]


def test_direct_construction_refuses_a_currency_code_as_text() -> None:
    with pytest.raises(ValidationError) as caught:
        Money(amount=Decimal(1), currency="EUR")  # type: ignore[arg-type]
    assert fields(caught.value) == ["currency"]


def test_direct_construction_refuses_a_currency_not_from_the_table() -> None:
    fake_euro = Currency(code="EUR", numeric_code=978, minor_unit=5, name="Euro")
    with pytest.raises(UnknownCurrencyError):
        Money(amount=Decimal(1), currency=fake_euro)


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_non_finite_decimals_are_refused_by_both_paths(amount: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Money.of(Decimal(amount), "EUR")
    assert fields(caught.value) == ["amount"]
    with pytest.raises(ValidationError):
        Money(amount=Decimal(amount), currency=currency("EUR"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "abc",
        "1,000.00",  # a thousands separator: once parsed back as 1 (PITFALLS, ASTPP #276)
        "1.000,00",
        "1 000.00",
        "1_000.00",  # Decimal() itself would accept this
        " 12.30",  # and this
        "12.30 EUR",
        "€12.30",
        "NaN",
        "Infinity",
        "+-1",
        "1.2.3",
        "0x10",
        "١٢",  # Arabic-Indic digits, also accepted by Decimal()
    ],
)
def test_malformed_amount_text_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Money.of(text, "EUR")
    assert fields(caught.value) == ["amount"]


@pytest.mark.parametrize(
    ("given_amount", "expected"),
    [
        ("12.30", Decimal("12.30")),
        ("-0.5", Decimal("-0.5")),
        ("+7", Decimal("7")),
        (".5", Decimal("0.5")),
        ("1E-7", Decimal("0.0000001")),  # how str(Decimal) writes tiny precise amounts
        (12, Decimal(12)),
        (Decimal("0.123456789"), Decimal("0.123456789")),
    ],
)
def test_text_integers_and_decimals_are_taken_exactly(
    given_amount: str | int | Decimal, expected: Decimal
) -> None:
    assert Money.of(given_amount, "eur").amount == expected


def test_full_precision_is_kept_on_construction() -> None:
    precise = Money.of("0.123456789012345678901234567890", "EUR")
    assert precise.amount == Decimal("0.123456789012345678901234567890")


def test_an_amount_beyond_the_limit_is_refused() -> None:
    with pytest.raises(ValidationError):
        Money.of(10**24, "EUR")
    assert Money.of(10**24 - 1, "EUR").amount == Decimal(10**24 - 1)


def test_negative_zero_is_plain_zero() -> None:
    assert str(Money.of("-0.001", "EUR").rounded()) == "0.00 EUR"
    assert not Money.of("-0", "EUR").amount.is_signed()


def test_a_currency_object_is_accepted_as_well_as_a_code() -> None:
    assert Money.of("1", currency("EUR")) == eur("1")


def test_an_unknown_currency_is_refused_by_the_constructor() -> None:
    with pytest.raises(UnknownCurrencyError):
        Money.of("1", "ZZZ")


# --- arithmetic ---------------------------------------------------------------------------


def test_amounts_of_one_currency_add_and_subtract_exactly() -> None:
    assert eur("0.10") + eur("0.20") == eur("0.30")
    assert eur("1.00") - eur("2.50") == eur("-1.50")
    assert -eur("1.5") == eur("-1.5")
    assert abs(eur("-1.5")) == eur("1.5")


@pytest.mark.parametrize(
    "operation",
    [operator.add, operator.sub, operator.lt, operator.le, operator.gt, operator.ge],
)
def test_mixing_currencies_raises(operation: Callable[[Money, Money], object]) -> None:
    with pytest.raises(CurrencyMismatchError):
        operation(eur("1"), Money.of("1", "USD"))


def test_amounts_of_different_currencies_are_never_equal() -> None:
    assert eur("1") != Money.of("1", "USD")


def test_equal_amounts_with_different_trailing_zeros_are_equal() -> None:
    assert eur("1.5") == eur("1.50")
    assert hash(eur("1.5")) == hash(eur("1.50"))


def test_multiplication_by_an_int_or_a_decimal_keeps_full_precision() -> None:
    # 0.10 x 0.333 = 0.0333 exactly; nothing rounded to cents.
    assert (eur("0.10") * Decimal("0.333")).amount == Decimal("0.0333")
    assert 3 * eur("0.10") == eur("0.30")


@pytest.mark.parametrize("factor", [1.5, True, eur("2")])
def test_multiplication_by_a_float_a_bool_or_money_is_refused(factor: Any) -> None:
    with pytest.raises(TypeError):
        eur("1") * factor
    with pytest.raises(TypeError):
        factor * eur("1")


def test_division_keeps_thirty_eight_significant_digits() -> None:
    # 100 / 3 = 33.333...: 2 digits before the point, 36 after.
    third = eur("100.00") / 3
    assert third.amount == Decimal("33." + "3" * 36)
    assert third.rounded() == eur("33.33")


def test_arithmetic_ignores_the_callers_decimal_context() -> None:
    with decimal.localcontext() as narrow:
        narrow.prec = 3
        assert (eur("1234.5678") + eur("0.0001")).amount == Decimal("1234.5679")
        assert (eur("1") / 3).amount == Decimal("0." + "3" * 38)
    assert decimal.getcontext().prec == 28


def test_division_by_zero_raises() -> None:
    with pytest.raises(ZeroDivisionError):
        eur("1") / 0


def test_multiplication_by_a_non_finite_decimal_is_refused() -> None:
    with pytest.raises(ValidationError):
        eur("1") * Decimal("NaN")


def test_amounts_of_one_currency_are_ordered() -> None:
    assert eur("1.00") < eur("1.01") <= eur("1.01") < eur("2")
    assert eur("-1") < eur("0")
    assert eur("3") >= eur("2") > eur("-5")


def test_zero_is_zero_and_signs_say_charge_or_credit() -> None:
    assert Money.zero("EUR").is_zero
    assert Money.zero("EUR").sign == 0
    assert not eur("0.01").is_zero
    assert eur("0.01").sign == 1
    assert eur("-0.01").sign == -1


def test_the_sum_of_no_amounts_is_zero_in_the_given_currency() -> None:
    assert sum_money([], "JPY") == Money.zero("JPY")


def test_sum_money_adds_every_amount() -> None:
    assert sum_money([eur("0.10")] * 10, "EUR") == eur("1.00")


def test_sum_money_refuses_a_foreign_amount() -> None:
    with pytest.raises(CurrencyMismatchError):
        sum_money([eur("1"), Money.of("1", "USD")], "EUR")


# --- rounding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rounding", "expected"),
    [
        # 2.345: the third decimal is a tie. Half-up takes it away from zero -> 2.35;
        # half-even goes to the even cent -> 2.34 (4 is even).
        ("2.345", Rounding.HALF_UP, "2.35"),
        ("2.345", Rounding.HALF_EVEN, "2.34"),
        # 2.355 half-even -> 2.36 (6 is even), so ties go up and down in turn.
        ("2.355", Rounding.HALF_EVEN, "2.36"),
        # Half-up is symmetric: -2.345 -> -2.35 (away from zero, not toward +infinity).
        ("-2.345", Rounding.HALF_UP, "-2.35"),
        # Not a tie: 2.3449 is below the half, every half mode gives 2.34.
        ("2.3449", Rounding.HALF_UP, "2.34"),
        # UP: any fraction of a cent makes a cent, away from zero: 2.341 -> 2.35, -2.341 -> -2.35.
        ("2.341", Rounding.UP, "2.35"),
        ("-2.341", Rounding.UP, "-2.35"),
        # DOWN truncates toward zero: 2.349 -> 2.34, -2.349 -> -2.34.
        ("2.349", Rounding.DOWN, "2.34"),
        ("-2.349", Rounding.DOWN, "-2.34"),
        # CEILING goes toward +infinity: 2.341 -> 2.35 but -2.349 -> -2.34.
        ("2.341", Rounding.CEILING, "2.35"),
        ("-2.349", Rounding.CEILING, "-2.34"),
        # FLOOR goes toward -infinity: 2.349 -> 2.34 but -2.341 -> -2.35.
        ("2.349", Rounding.FLOOR, "2.34"),
        ("-2.341", Rounding.FLOOR, "-2.35"),
    ],
)
def test_rounding_modes_on_worked_examples(amount: str, rounding: Rounding, expected: str) -> None:
    assert eur(amount).rounded(rounding).amount == Decimal(expected)


def test_the_default_rounding_is_half_up() -> None:
    # 0.125 is a tie between 0.12 and 0.13; half-up takes 0.13.
    assert eur("0.125").rounded() == eur("0.13")


def test_a_rounded_amount_has_exactly_the_minor_unit_digits() -> None:
    assert str(eur("7").rounded().amount) == "7.00"


def test_yen_round_to_whole_yen() -> None:
    # 1234.5 JPY: half-up -> 1235, half-even -> 1234 (even).
    yen = Money.of("1234.5", "JPY")
    assert yen.rounded().amount == Decimal(1235)
    assert yen.rounded(Rounding.HALF_EVEN).amount == Decimal(1234)
    assert str(yen.rounded()) == "1235 JPY"


def test_bahraini_dinar_round_to_three_places() -> None:
    # 1.2345 BHD half-up -> 1.235 (1000 fils to the dinar).
    assert str(Money.of("1.2345", "BHD").rounded()) == "1.235 BHD"


def test_chilean_unidad_de_fomento_rounds_to_four_places() -> None:
    assert str(Money.of("0.123456", "CLF").rounded()) == "0.1235 CLF"


def test_a_rounding_policy_applies_a_per_currency_override() -> None:
    # 0.125 is a tie: half-even (the override for CHF) -> 0.12, half-up (the default) -> 0.13.
    policy = RoundingPolicy(overrides={"chf": Rounding.HALF_EVEN})
    assert policy.round(Money.of("0.125", "CHF")) == Money.of("0.12", "CHF")
    assert policy.round(eur("0.125")) == eur("0.13")
    assert policy.rounding_for(currency("CHF")) is Rounding.HALF_EVEN


def test_a_rounding_policy_refuses_unknown_codes_and_modes() -> None:
    with pytest.raises(UnknownCurrencyError):
        RoundingPolicy(overrides={"ZZZ": Rounding.HALF_EVEN})
    with pytest.raises(ValidationError):
        RoundingPolicy(overrides={"EUR": "half_even"})  # type: ignore[dict-item]


# --- minor units and display --------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "code", "units"),
    [
        ("12.30", "EUR", 1230),
        ("12.300", "EUR", 1230),
        ("-0.05", "EUR", -5),
        ("0", "EUR", 0),
        ("1234", "JPY", 1234),
        ("1.235", "BHD", 1235),
    ],
)
def test_a_rounded_amount_converts_to_whole_minor_units(amount: str, code: str, units: int) -> None:
    assert Money.of(amount, code).minor_units() == units


def test_an_unrounded_amount_does_not_convert_to_minor_units() -> None:
    with pytest.raises(ValidationError, match="round it"):
        eur("0.105").minor_units()


def test_display_shows_the_minor_unit_digits_and_the_code() -> None:
    assert str(eur("12.3")) == "12.30 EUR"
    assert str(eur("-5")) == "-5.00 EUR"
    assert str(eur("1E+3")) == "1000.00 EUR"


def test_display_never_hides_the_digits_of_a_precise_amount() -> None:
    assert str(eur("0.12345")) == "0.12345 EUR"


def test_the_representation_is_the_constructor_call() -> None:
    assert repr(eur("12.30")) == "Money.of('12.30', 'EUR')"


# --- allocation ---------------------------------------------------------------------------


def test_a_hundred_euros_in_thirds_gives_the_odd_cent_to_the_first_part() -> None:
    # 10000 cents / 3 = 3333.33 each: floors 3333 x 3 = 9999, one cent left; the remainders
    # tie, so it goes to the earliest part.
    assert amounts(allocate(eur("100.00"), [1, 1, 1])) == ["33.34", "33.33", "33.33"]


def test_five_cents_in_three_parts() -> None:
    # 5 / 3 = 1.67 each: floors 1+1+1 = 3, two cents left, to the first two (ties).
    assert amounts(split_evenly(eur("0.05"), 3)) == ["0.02", "0.02", "0.01"]


def test_ties_in_the_remainders_go_to_the_earliest_parts() -> None:
    # 2 cents / 3: every share is 0.67, two cents go to parts one and two.
    assert amounts(split_evenly(eur("0.02"), 3)) == ["0.01", "0.01", "0.00"]


def test_the_leftover_unit_goes_to_the_largest_remainder_not_the_first_part() -> None:
    # 1 cent by weights 1:2 -> exact shares 0.333 and 0.667 cents; floors 0 and 0;
    # the cent goes to the larger remainder, the second part.
    assert amounts(allocate(eur("0.01"), [1, 2])) == ["0.00", "0.01"]


def test_decimal_weights_are_exact() -> None:
    # 101 cents by 0.5 : 0.25 : 0.25 -> 50.5, 25.25, 25.25; floors 50+25+25 = 100;
    # the cent goes to the largest remainder (0.5), the first part.
    parts = allocate(eur("1.01"), [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")])
    assert amounts(parts) == ["0.51", "0.25", "0.25"]


def test_proportional_weights_split_without_remainder() -> None:
    assert amounts(allocate(eur("10.00"), [70, 20, 10])) == ["7.00", "2.00", "1.00"]


def test_a_part_with_weight_zero_gets_nothing() -> None:
    assert amounts(allocate(eur("10.00"), [0, 1, 1])) == ["0.00", "5.00", "5.00"]
    # 1 cent by 0:1:1 -> shares 0, 0.5, 0.5; the tie goes to the earlier of the two weighted.
    assert amounts(allocate(eur("0.01"), [0, 1, 1])) == ["0.00", "0.01", "0.00"]


def test_a_negative_total_is_split_as_the_mirror_of_the_positive_one() -> None:
    assert amounts(allocate(eur("-100.00"), [1, 1, 1])) == ["-33.34", "-33.33", "-33.33"]


def test_yen_are_allocated_in_whole_yen() -> None:
    assert amounts(split_evenly(Money.of("100", "JPY"), 3)) == ["34", "33", "33"]


def test_dinar_are_allocated_in_fils() -> None:
    assert amounts(split_evenly(Money.of("1.000", "BHD"), 3)) == ["0.334", "0.333", "0.333"]


def test_a_zero_total_is_split_into_zeros() -> None:
    assert amounts(split_evenly(eur("0"), 2)) == ["0.00", "0.00"]


def test_an_unrounded_total_is_not_allocated() -> None:
    with pytest.raises(ValidationError) as caught:
        allocate(eur("100.005"), [1, 1])
    assert fields(caught.value) == ["total"]


def test_every_bad_weight_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        allocate(eur("1.00"), [1, -1, 0.5, Decimal("NaN"), True])  # type: ignore[list-item]
    assert fields(caught.value) == ["weights[1]", "weights[2]", "weights[3]", "weights[4]"]


@pytest.mark.parametrize("weights", [[], [0], [0, 0, Decimal("0.00")]])
def test_weights_without_a_positive_sum_are_refused(weights: list[int | Decimal]) -> None:
    with pytest.raises(ValidationError) as caught:
        allocate(eur("1.00"), weights)
    assert fields(caught.value) == ["weights"]


@pytest.mark.parametrize("parts", [0, -1, True, 2.0])
def test_splitting_needs_a_whole_number_of_parts(parts: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        split_evenly(eur("1.00"), parts)
    assert fields(caught.value) == ["parts"]


# --- properties ---------------------------------------------------------------------------

billable_currencies = st.sampled_from(sorted(CURRENCIES.values(), key=lambda c: c.code))
rounding_modes = st.sampled_from(list(Rounding))
weight_lists = st.lists(
    st.integers(min_value=0, max_value=1000)
    | st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=12,
).filter(lambda weights: sum(weights) > 0)


@st.composite
def rounded_totals(draw: st.DrawFn) -> Money:
    """An amount already at its currency's minor unit, of a random billable currency."""
    money_currency = draw(billable_currencies)
    units = draw(st.integers(min_value=-(10**12), max_value=10**12))
    return Money(amount=Decimal(units).scaleb(-money_currency.minor_unit), currency=money_currency)


@st.composite
def precise_amounts(draw: st.DrawFn) -> Money:
    """An amount with up to 8 decimals, more than any currency's minor unit."""
    money_currency = draw(billable_currencies)
    amount = draw(st.decimals(min_value=-(10**9), max_value=10**9, places=8))
    return Money(amount=amount, currency=money_currency)


@given(total=rounded_totals(), weights=weight_lists)
def test_allocated_parts_always_sum_exactly_to_the_total(
    total: Money, weights: list[int | Decimal]
) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum_money(parts, total.currency) == total


@given(total=rounded_totals(), weights=weight_lists)
def test_each_part_is_within_one_minor_unit_of_its_exact_share(
    total: Money, weights: list[int | Decimal]
) -> None:
    whole = sum(Fraction(weight) for weight in weights)
    one_unit = Fraction(total.currency.quantum)
    for part, weight in zip(allocate(total, weights), weights, strict=True):
        exact_share = Fraction(total.amount) * Fraction(weight) / whole
        assert abs(Fraction(part.amount) - exact_share) < one_unit
        assert part.rounded() == part


@given(total=rounded_totals(), weights=weight_lists)
def test_a_negative_total_allocates_as_the_mirror_of_its_positive(
    total: Money, weights: list[int | Decimal]
) -> None:
    assert allocate(-total, weights) == tuple(-part for part in allocate(total, weights))


@given(total=rounded_totals(), parts=st.integers(min_value=1, max_value=50))
def test_even_parts_differ_by_at_most_one_minor_unit(total: Money, parts: int) -> None:
    shares = split_evenly(total, parts)
    one_unit = Money(amount=total.currency.quantum, currency=total.currency)
    assert sum_money(shares, total.currency) == total
    assert max(shares) - min(shares) <= one_unit


@given(amount=precise_amounts(), first=rounding_modes, second=rounding_modes)
def test_rounding_an_already_rounded_amount_changes_nothing(
    amount: Money, first: Rounding, second: Rounding
) -> None:
    once = amount.rounded(first)
    assert once.rounded(second) == once


@given(amount=precise_amounts(), rounding=st.sampled_from([Rounding.HALF_UP, Rounding.HALF_EVEN]))
def test_half_rounding_moves_an_amount_by_at_most_half_a_minor_unit(
    amount: Money, rounding: Rounding
) -> None:
    drift = abs(amount.rounded(rounding) - amount).amount
    assert drift <= amount.currency.quantum / 2


@given(amount=precise_amounts(), rounding=rounding_modes)
def test_any_rounding_moves_an_amount_by_less_than_one_minor_unit(
    amount: Money, rounding: Rounding
) -> None:
    assert abs(amount.rounded(rounding) - amount).amount < amount.currency.quantum


@given(amount=precise_amounts())
def test_an_amount_reads_back_from_its_own_text(amount: Money) -> None:
    assert Money.of(str(amount.amount), amount.currency) == amount
    assert eval(repr(amount), {"Money": Money}) == amount  # noqa: S307 - our own repr
