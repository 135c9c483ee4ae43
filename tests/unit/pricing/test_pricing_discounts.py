"""Discounts after pricing (DOMAIN.md): percentage or fixed, scoped to the invoice, a plan or a
charge, applied in order; a fixed discount never takes a line below zero, splits without
losing a 10^-10, and what it cannot use is lost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tarifa.errors import ValidationError
from tarifa.pricing.decimals import FLOAT_REASON
from tarifa.pricing.discounts import (
    STORED_PLACES,
    Discount,
    DiscountLine,
    PricedLine,
    Scope,
    apply_discounts,
    decimal_places,
)

D = Decimal


def line(
    key: str, amount: str, plan: str | None = "basic", charge: str | None = None
) -> PricedLine:
    return PricedLine(key=key, plan=plan, charge=charge or key, amount=D(amount))


def percent(p: str, scope: Scope = Scope.INVOICE, target: str | None = None) -> Discount:
    return Discount(label=f"{p} %", scope=scope, target=target, percentage=D(p))


def fixed(amount: str, scope: Scope = Scope.INVOICE, target: str | None = None) -> Discount:
    return Discount(label=f"{amount} off", scope=scope, target=target, amount=D(amount))


def taken(lines: list[PricedLine], discounts: list[Discount]) -> dict[str, Decimal]:
    """What is left of each line after the discounts."""
    left = {item.key: item.amount for item in lines}
    for made in apply_discounts(lines, discounts):
        left[made.applies_to] += made.amount
    return left


# --- percentage -----------------------------------------------------------------------------


def test_a_percentage_discount_takes_its_share_of_every_line_in_scope() -> None:
    lines = [line("rental", "25.00"), line("calls", "12.34")]
    assert apply_discounts(lines, [percent("10")]) == (
        DiscountLine(label="10 %", applies_to="rental", amount=D("-2.5000")),
        DiscountLine(label="10 %", applies_to="calls", amount=D("-1.2340")),
    )


def test_a_percentage_discount_stays_precise() -> None:
    # 33.333 % of 10.01 = 3.3333 + 0.0033333 = 3.3366333, not rounded to cents.
    (made,) = apply_discounts([line("a", "10.01")], [percent("33.333")])
    assert made.amount == D("-3.3366333")


def test_a_hundred_percent_discount_makes_the_lines_exactly_zero() -> None:
    lines = [line("a", "19.99"), line("b", "0.0000001")]
    assert taken(lines, [percent("100")]) == {"a": 0, "b": 0}


# --- fixed ----------------------------------------------------------------------------------


def test_a_fixed_discount_larger_than_the_line_takes_it_to_exactly_zero_and_the_rest_is_lost() -> (
    None
):
    lines = [line("a", "12.50")]
    assert apply_discounts(lines, [fixed("20")]) == (
        DiscountLine(label="20 off", applies_to="a", amount=D("-12.50")),
    )


def test_a_fixed_discount_spreads_over_the_lines_in_proportion_to_what_is_left() -> None:
    # 10 over 100 and 50: 6.666...7 and 3.333...3, at ten decimals, summing to exactly 10.
    made = apply_discounts([line("a", "100"), line("b", "50")], [fixed("10")])
    assert [m.amount for m in made] == [D("-6.6666666667"), D("-3.3333333333")]
    assert sum(m.amount for m in made) == D(-10)


def test_the_odd_ten_billionth_goes_to_the_earliest_line_on_a_tie() -> None:
    made = apply_discounts([line("a", "1"), line("b", "1"), line("c", "1")], [fixed("1")])
    assert [m.amount for m in made] == [D("-0.3333333334"), D("-0.3333333333"),
                                        D("-0.3333333333")]  # fmt: skip


def test_a_fixed_discount_never_takes_a_line_below_zero_even_split_over_several() -> None:
    # 1000.005 of 1000.01 in proportion: a keeps 0.01 × 0.005 / 1000.01 ≈ 5·10^-8, b the
    # rest of 0.005; both stay above zero and together keep exactly 0.005.
    lines = [line("a", "0.01"), line("b", "1000")]
    left = taken(lines, [fixed("1000.005")])
    assert left == {"a": D("0.00000005"), "b": D("0.00499995")}
    assert taken(lines, [fixed("1000.01")]) == {"a": 0, "b": 0}


def test_lines_with_more_than_ten_decimals_still_get_an_exact_total() -> None:
    # 5·10^-10 over three lines of 1.9·10^-10: no line has room for a whole 10^-10 more
    # after its share, so parts fall back to the exact rest of a line.
    lines = [line(key, "0.00000000019") for key in "abc"]
    made = apply_discounts(lines, [fixed("0.0000000005")])
    assert sum(m.amount for m in made) == D("-0.0000000005")
    assert all(m.amount >= D("-0.00000000019") for m in made)


# --- order and scope ------------------------------------------------------------------------


def test_discounts_apply_in_the_order_given_each_to_what_is_left() -> None:
    lines = [line("a", "100.00")]
    assert taken(lines, [percent("10"), fixed("5")]) == {"a": D("85.00")}  # 100 − 10 − 5
    assert taken(lines, [fixed("5"), percent("10")]) == {"a": D("85.50")}  # (100 − 5) × 0.9


def test_a_plan_discount_touches_only_that_plans_lines() -> None:
    lines = [line("a", "10", plan="basic"), line("b", "10", plan="premium")]
    made = apply_discounts(lines, [percent("50", Scope.PLAN, "premium")])
    assert [(m.applies_to, m.amount) for m in made] == [("b", D("-5.0"))]


def test_a_charge_discount_touches_only_that_charges_lines() -> None:
    lines = [line("a", "10", charge="sms"), line("b", "10", charge="data"),
             line("c", "4", plan="other", charge="data")]  # fmt: skip
    made = apply_discounts(lines, [fixed("7", Scope.CHARGE, "data")])
    assert [(m.applies_to, m.amount) for m in made] == [("b", D(-5)), ("c", D(-2))]


def test_a_discount_with_nothing_in_scope_makes_no_lines() -> None:
    assert apply_discounts([line("a", "10")], [fixed("5", Scope.PLAN, "none")]) == ()


def test_zero_amount_discount_lines_are_not_emitted() -> None:
    lines = [line("free", "0"), line("paid", "10")]
    made = apply_discounts(lines, [percent("100"), fixed("5"), percent("10")])
    assert [(m.label, m.applies_to) for m in made] == [("100 %", "paid")]


# --- what is refused ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "reason"),
    [
        ({"percentage": D(10), "amount": D(1)}, "percentage", "give either"),
        ({}, "percentage", "give either"),
        ({"percentage": D(0)}, "percentage", "must be above 0"),
        ({"percentage": D("100.01")}, "percentage", "must be at most 100"),
        ({"percentage": 10.0}, "percentage", FLOAT_REASON),
        ({"amount": D(0)}, "amount", "must be above 0"),
        ({"amount": D(-5)}, "amount", "must be above 0"),
        ({"amount": 5.0}, "amount", FLOAT_REASON),
        ({"amount": D("0.00000000001")}, "amount", "at most 10 decimal places"),
        ({"amount": D(1), "scope": Scope.PLAN, "target": None}, "target", "is required"),
        ({"amount": D(1), "target": "basic"}, "target", "has no target"),
        ({"amount": D(1), "scope": "plan", "target": "basic"}, "scope", "must be one of"),
        ({"amount": D(1), "label": ""}, "label", "non-empty"),
    ],
)
def test_a_discount_is_checked_when_made(kwargs: dict[str, Any], field: str, reason: str) -> None:
    arguments: dict[str, Any] = {"label": "x", "scope": Scope.INVOICE, "target": None, **kwargs}
    with pytest.raises(ValidationError) as caught:
        Discount(**arguments)
    assert [e.field for e in caught.value.errors] == [field]
    assert reason in caught.value.errors[0].reason


def test_an_amount_with_trailing_zeros_past_ten_places_is_fine() -> None:
    assert fixed("1.000000000000").amount == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": D(-1)}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"key": ""}, "key"),
        ({"plan": 3}, "plan"),
    ],
)
def test_a_priced_line_is_checked_when_made(kwargs: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"key": "a", "plan": None, "charge": None, "amount": D(1)}
    with pytest.raises(ValidationError) as caught:
        PricedLine(**(arguments | kwargs))
    assert [e.field for e in caught.value.errors] == [field]


def test_line_keys_must_be_unique() -> None:
    with pytest.raises(ValidationError) as caught:
        apply_discounts([line("a", "1"), line("a", "2")], [percent("5")])
    assert caught.value.errors[0].field == "lines[1].key"


def test_decimal_places_ignore_trailing_zeros() -> None:
    assert [decimal_places(D(v)) for v in ["1.50", "100", "1E+2", "0.000", "1E-10"]] == [
        1,
        0,
        0,
        0,
        10,
    ]


# --- properties -----------------------------------------------------------------------------

ten_places = st.integers(0, 10**16).map(lambda n: D(n).scaleb(-STORED_PLACES))
plans = st.sampled_from(["basic", "premium", None])
charges = st.sampled_from(["rental", "calls", "data"])


@st.composite
def priced_lines(draw: st.DrawFn) -> list[PricedLine]:
    amounts = draw(st.lists(ten_places | st.just(D(0)), min_size=1, max_size=6))
    return [PricedLine(key=f"l{i}", plan=draw(plans), charge=draw(charges), amount=amount)
            for i, amount in enumerate(amounts)]  # fmt: skip


@st.composite
def discounts(draw: st.DrawFn) -> Discount:
    scope = draw(st.sampled_from(Scope))
    target = {Scope.INVOICE: st.none(), Scope.PLAN: st.sampled_from(["basic", "premium"]),
              Scope.CHARGE: charges}[scope]  # fmt: skip
    common = {"label": "d", "scope": scope, "target": draw(target)}
    if draw(st.booleans()):
        amount = draw(st.decimals(min_value=D("0.01"), max_value=100, places=2))
        return Discount(percentage=amount, **common)
    return Discount(amount=draw(ten_places.filter(bool)), **common)


def in_scope(priced: PricedLine, discount: Discount) -> bool:
    return (
        discount.scope is Scope.INVOICE
        or (discount.scope is Scope.PLAN and priced.plan == discount.target)
        or (discount.scope is Scope.CHARGE and priced.charge == discount.target)
    )


@settings(deadline=None)
@given(lines=priced_lines(), chosen=st.lists(discounts(), max_size=4))
def test_discounts_never_take_a_line_below_zero_and_fixed_ones_sum_exactly(
    lines: list[PricedLine], chosen: list[Discount]
) -> None:
    left = {item.key: item.amount for item in lines}
    for count, discount in enumerate(chosen):
        # Discount lines are stable by prefix: the next discount's lines come after.
        before = len(apply_discounts(lines, chosen[:count]))
        made = apply_discounts(lines, chosen[: count + 1])[before:]
        assert all(m.amount < 0 and m.label == discount.label for m in made)
        assert all(-m.amount <= left[m.applies_to] for m in made)
        scope_left = sum((left[p.key] for p in lines if in_scope(p, discount)), D(0))
        if discount.amount is not None:
            assert -sum((m.amount for m in made), D(0)) == min(discount.amount, scope_left)
            if all(decimal_places(value) <= STORED_PLACES for value in left.values()):
                assert all(decimal_places(m.amount) <= STORED_PLACES for m in made)
        for m in made:
            left[m.applies_to] += m.amount
    assert all(value >= 0 for value in left.values())


@settings(deadline=None)
@given(lines=priced_lines(), share=st.decimals(min_value=D("0.01"), max_value=100, places=2))
def test_a_percentage_discount_takes_exactly_its_share(
    lines: list[PricedLine], share: Decimal
) -> None:
    made = apply_discounts(lines, [Discount(label="p", scope=Scope.INVOICE, target=None,
                                            percentage=share)])  # fmt: skip
    expected = {p.key: -(p.amount * share / 100) for p in lines if p.amount}
    assert {m.applies_to: m.amount for m in made} == expected
