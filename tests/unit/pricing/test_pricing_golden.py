"""Worked examples for every pricing model: computed by hand (the arithmetic is in a comment)
or taken from the public documentation of established billing systems (cited per test)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tarifa.pricing import BreakdownItem, ItemKind, PriceResult, PricingModel, parse_spec, price

D = Decimal

# DOMAIN.md / the graduated example: tiers up to 10 at 10 (fee 2), up to 20 at 5
# (fee 3), above at 5 (fee 3).
GRADUATED: dict[str, Any] = {
    "model": "graduated",
    "tiers": [
        {"up_to": 10, "unit_price": "10", "flat_fee": "2"},
        {"up_to": 20, "unit_price": "5", "flat_fee": "3"},
        {"unit_price": "5", "flat_fee": "3"},
    ],
}
VOLUME: dict[str, Any] = {
    "model": "volume",
    "tiers": [
        {"up_to": 100, "unit_price": "2", "flat_fee": "10"},
        {"up_to": 200, "unit_price": "1"},
        {"unit_price": "0.5", "flat_fee": "50"},
    ],
}
CARD_FEES: dict[str, Any] = {
    "model": "percentage",
    "rate": "1.2",
    "fixed_fee": "0.10",
    "free_transactions": 3,
    "free_amount": "500",
    "min_per_transaction": "0.05",
    "max_per_transaction": "20",
}


def adds_up(result: PriceResult) -> bool:
    return sum((item.amount for item in result.breakdown), D(0)) == result.amount


# --- flat -----------------------------------------------------------------------------------


def test_a_flat_fee_is_its_amount_whatever_the_usage() -> None:
    spec = parse_spec({"model": "flat", "amount": "25.00"})
    for quantity in (None, 0, 1, D("1000.5")):
        result = price(spec, quantity)
        assert result.amount == D("25.00")
        assert result.model is PricingModel.FLAT
        assert result.breakdown == (
            BreakdownItem(kind=ItemKind.FLAT, quantity=D(1), amount=D("25.00"),
                          unit_price=D("25.00")),
        )  # fmt: skip


# --- per unit -------------------------------------------------------------------------------


def test_per_unit_is_units_times_the_unit_price_as_in_lagos_standard_example() -> None:
    # https://getlago.com/docs/guide/plans/charges/charge-models/standard:
    # 1,000 API calls at $0.05 = $50.
    result = price({"model": "per_unit", "unit_price": "0.05"}, 1000)
    assert result.amount == D("50")
    assert result.breakdown == (
        BreakdownItem(kind=ItemKind.UNITS, quantity=D(1000), amount=D("50.00"),
                      unit_price=D("0.05")),
    )  # fmt: skip


def test_per_unit_prices_fractional_units_exactly() -> None:
    # 2.345 GB at 1.50 = 3.5175, not rounded to cents.
    assert price({"model": "per_unit", "unit_price": "1.50"}, D("2.345")).amount == D("3.5175")


# --- graduated ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "amount"),
    [
        ("0", "2"),  # no units; the first tier's flat fee is the base fee: 2
        ("1", "12"),  # 1 × 10 + 2
        ("10", "102"),  # 10 × 10 + 2: exactly on the bound, still the first tier
        ("10.5", "107.5"),  # 102 + 0.5 × 5 + 3: any fraction above the bound enters tier 2
        ("15", "130"),  # 102 + 5 × 5 + 3
        ("20", "155"),  # 102 + 10 × 5 + 3
        ("21", "163"),  # 155 + 1 × 5 + 3: the open tier's fee once entered
        ("25", "183"),  # 155 + 5 × 5 + 3
    ],
)
def test_graduated_prices_each_tier_and_charges_each_entered_tiers_fee_once(
    units: str, amount: str
) -> None:
    result = price(GRADUATED, D(units))
    assert result.amount == D(amount)
    assert adds_up(result)


def test_a_graduated_breakdown_lists_each_tier_then_its_fee() -> None:
    result = price(GRADUATED, D("10.5"))
    assert [(i.kind, i.tier, i.quantity, i.unit_price, i.amount) for i in result.breakdown] == [
        (ItemKind.TIER, 1, D(10), D(10), D(100)),
        (ItemKind.TIER_FLAT_FEE, 1, D(1), D(2), D(2)),
        (ItemKind.TIER, 2, D("0.5"), D(5), D("2.5")),
        (ItemKind.TIER_FLAT_FEE, 2, D(1), D(3), D(3)),
    ]


def test_graduated_at_zero_usage_shows_the_empty_first_tier_and_its_fee() -> None:
    result = price(GRADUATED, 0)
    assert [(i.kind, i.tier, i.quantity, i.amount) for i in result.breakdown] == [
        (ItemKind.TIER, 1, D(0), D(0)),
        (ItemKind.TIER_FLAT_FEE, 1, D(1), D(2)),
    ]


STRIPE_TIERS: dict[str, Any] = {
    # https://stripe.com/docs/billing/subscriptions/tiers ("Tiered pricing"): up_to 5 at $5,
    # up_to 10 at $4, up_to 15 at $3, up_to 20 at $2, then $1.
    "tiers": [
        {"up_to": 5, "unit_price": "5"},
        {"up_to": 10, "unit_price": "4"},
        {"up_to": 15, "unit_price": "3"},
        {"up_to": 20, "unit_price": "2"},
        {"unit_price": "1"},
    ]
}


@pytest.mark.parametrize(
    ("units", "amount"),
    [
        (1, "5"),  # 1 × 5
        (5, "25"),  # 5 × 5
        (6, "29"),  # Stripe's own figure: $25 for the first 5 + $4 for the 6th
        (20, "70"),  # 25 + 20 + 15 + 10
        (25, "75"),  # 70 + 5 × 1
    ],
)
def test_graduated_matches_stripes_graduated_tiers(units: int, amount: str) -> None:
    assert price({"model": "graduated", **STRIPE_TIERS}, units).amount == D(amount)


# --- volume ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "amount"),
    [
        (1, "5"),
        (5, "25"),
        (6, "24"),  # all 6 at $4: the total drops, as Stripe points out
        (20, "40"),
        (25, "25"),  # all 25 at $1
    ],
)
def test_volume_matches_stripes_volume_tiers(units: int, amount: str) -> None:
    # https://stripe.com/docs/billing/subscriptions/tiers, "Volume" (tiers_mode=volume) table.
    assert price({"model": "volume", **STRIPE_TIERS}, units).amount == D(amount)


@pytest.mark.parametrize(
    ("fonts", "amount"), [(1, "7"), (5, "35"), (6, "39"), (20, "120"), (25, "150")]
)
def test_volume_matches_stripes_typographic_example(fonts: int, amount: str) -> None:
    # https://docs.stripe.com/subscriptions/pricing-models/tiered-pricing ("Volume-based
    # pricing"): fonts 1-5 at 7 USD, 6-10 at 6.5 USD, 11+ at 6 USD.
    spec = {
        "model": "volume",
        "tiers": [
            {"up_to": 5, "unit_price": "7"},
            {"up_to": 10, "unit_price": "6.5"},
            {"unit_price": "6"},
        ],
    }
    assert price(spec, fonts).amount == D(amount)


def test_volume_matches_lagos_example_with_flat_fees() -> None:
    # https://getlago.com/docs/guide/plans/charges/charge-models/volume: tiers 0-10,000 at
    # $0.0010, 10,001-50,000 at $0.0008, 50,001-100,000 at $0.0006, then $0.0004, each with a
    # $10 fee; "65,000 API calls would cost 65,000 x $0.0006 + $10 = $49".
    spec = {
        "model": "volume",
        "tiers": [
            {"up_to": 10000, "unit_price": "0.0010", "flat_fee": "10"},
            {"up_to": 50000, "unit_price": "0.0008", "flat_fee": "10"},
            {"up_to": 100000, "unit_price": "0.0006", "flat_fee": "10"},
            {"unit_price": "0.0004", "flat_fee": "10"},
        ],
    }
    result = price(spec, 65000)
    assert result.amount == D(49)
    assert [(i.kind, i.tier, i.amount) for i in result.breakdown] == [
        (ItemKind.TIER, 3, D(39)),
        (ItemKind.TIER_FLAT_FEE, 3, D(10)),
    ]


@pytest.mark.parametrize(
    ("units", "amount"),
    [
        ("0", "10"),  # zero falls in the first tier: 0 × 2 + 10
        ("100", "210"),  # 100 × 2 + 10: on the bound, first tier
        ("100.5", "100.5"),  # 100.5 × 1, the second tier has no fee
        ("200", "200"),  # 200 × 1
        ("201", "150.5"),  # 201 × 0.5 + 50
    ],
)
def test_volume_prices_every_unit_in_the_tier_the_total_falls_in(units: str, amount: str) -> None:
    assert price(VOLUME, D(units)).amount == D(amount)


# --- package --------------------------------------------------------------------------------


def test_package_matches_lagos_example() -> None:
    # https://getlago.com/docs/guide/plans/charges/charge-models/package: $5 per 100 units,
    # first 100 free; "201 units would cost $0 (first 100 units) + $5 (next 100 units) + $5
    # (last unit) = $10".
    result = price({"model": "package", "package_size": 100, "package_price": "5",
                    "free_units": 100}, 201)  # fmt: skip
    assert result.amount == D(10)
    assert result.breakdown == (
        BreakdownItem(kind=ItemKind.FREE_UNITS, quantity=D(100), amount=D(0)),
        BreakdownItem(kind=ItemKind.PACKAGES, quantity=D(2), amount=D(10), unit_price=D(5)),
    )


@pytest.mark.parametrize(
    ("units", "packages"),
    [
        ("0", 0),  # nothing used
        ("7", 0),  # all inside the 10 free units
        ("10", 0),  # exactly the free units
        ("10.5", 1),  # 0.5 past the free units starts a package
        ("20", 1),  # 10 past: one full package
        ("21", 2),  # 11 past: ceil(11 / 10)
        ("35", 3),  # 25 past: ceil(2.5)
    ],
)
def test_package_charges_each_started_package_after_the_free_units(
    units: str, packages: int
) -> None:
    spec = {"model": "package", "package_size": 10, "package_price": "100", "free_units": 10}
    result = price(spec, D(units))
    assert result.amount == D(100) * packages
    assert result.breakdown[-1].quantity == packages


def test_free_units_above_usage_leave_nothing_to_pay_and_show_what_was_used() -> None:
    spec = {"model": "package", "package_size": 10, "package_price": "100", "free_units": 10}
    result = price(spec, 7)
    assert result.amount == 0
    assert result.breakdown[0] == BreakdownItem(
        kind=ItemKind.FREE_UNITS, quantity=D(7), amount=D(0)
    )


# --- percentage -----------------------------------------------------------------------------


def test_percentage_follows_domain_mds_worked_example() -> None:
    # rate 1.2, fixed 0.10, 3 free, free amount 500; 200, 100, 100 are free (3 transactions,
    # 400 ≤ 500), the fourth (50) is past the count: 0.10 + 1.2 % × 50 = 0.70. The same
    # example is Lago's (getlago.com/docs/guide/plans/charges/charge-models/percentage: "the
    # first 3 events or $500 are free").
    result = price(CARD_FEES, transactions=["200", "100", "100", "50"])
    assert result.amount == D("0.70")
    assert result.breakdown == (
        BreakdownItem(kind=ItemKind.FREE_TRANSACTIONS, quantity=D(400), amount=D(0),
                      transactions=3),
        BreakdownItem(kind=ItemKind.CHARGED_TRANSACTIONS, quantity=D(50), amount=D("0.70"),
                      rate=D("1.2"), transactions=1),
    )  # fmt: skip


def test_once_the_free_amount_is_passed_every_later_transaction_is_charged() -> None:
    # 300 is free; 300 more would make 600 > 500, so the second is charged: 3.60 + 0.10; the
    # third (100) would fit in what is left of 500 but comes after: 1.20 + 0.10. Total 5.00.
    result = price(CARD_FEES, transactions=[D(300), D(300), D(100)])
    assert result.amount == D("5.00")
    assert [(i.kind, i.transactions) for i in result.breakdown] == [
        (ItemKind.FREE_TRANSACTIONS, 1),
        (ItemKind.CHARGED_TRANSACTIONS, 2),
    ]


def test_a_transaction_that_brings_the_total_exactly_to_the_free_amount_is_free() -> None:
    assert price(CARD_FEES, transactions=[D(250), D(250)]).amount == 0


def test_the_per_transaction_minimum_includes_the_fixed_fee() -> None:
    # 1.2 % × 2 + 0.10 = 0.124, above the 0.05 minimum: 0.124. With a 0.50 minimum: 0.50.
    spec = {**CARD_FEES, "free_transactions": 0, "min_per_transaction": "0.50"}
    assert price(spec, transactions=[2]).amount == D("0.50")
    assert price(CARD_FEES | {"free_transactions": 0}, transactions=[2]).amount == D("0.124")


def test_the_per_transaction_maximum_caps_each_transaction_on_its_own() -> None:
    # 1.2 % × 2,000 + 0.10 = 24.10, capped at 20; 1.2 % × 100 + 0.10 = 1.30. Total 21.30.
    spec = {**CARD_FEES, "free_transactions": 0}
    assert price(spec, transactions=[2000, 100]).amount == D("21.30")


def test_only_free_transactions_given_makes_the_first_ones_free_whatever_their_amounts() -> None:
    spec = {"model": "percentage", "rate": "1", "fixed_fee": "1", "free_transactions": 2}
    # 10,000 and 20,000 free; 100: 1 + 1 = 2.
    assert price(spec, transactions=[10000, 20000, 100]).amount == D(2)


def test_only_a_free_amount_given_keeps_transactions_free_until_the_total_passes_it() -> None:
    spec = {"model": "percentage", "rate": "1", "free_amount": "100"}
    # 40, 60 free (100 ≤ 100); 1 charged: 0.01; 30 charged: 0.30.
    assert price(spec, transactions=[40, 60, 1, 30]).amount == D("0.31")


def test_without_free_limits_every_transaction_is_charged() -> None:
    spec = {"model": "percentage", "rate": "2.9", "fixed_fee": "0.30"}
    # Stripe-like card fee: 2.9 % × 100 + 0.30 = 3.20; 2.9 % × 10 + 0.30 = 0.59.
    assert price(spec, transactions=[100, 10]).amount == D("3.79")


def test_a_period_without_transactions_costs_nothing() -> None:
    result = price(CARD_FEES, transactions=[])
    assert (result.amount, result.breakdown) == (D(0), ())


# --- graduated percentage -------------------------------------------------------------------

LAGO_GRADUATED_PERCENTAGE: dict[str, Any] = {
    "model": "graduated_percentage",
    "tiers": [
        {"up_to": "1000", "rate": "1", "flat_fee": "200"},
        {"up_to": "10000", "rate": "2", "flat_fee": "300"},
        {"rate": "3", "flat_fee": "400"},
    ],
}


def test_graduated_percentage_matches_lagos_example() -> None:
    # https://getlago.com/docs/guide/plans/charges/charge-models/graduated-percentage: a $500
    # transaction costs 500 × 1 % + 200 = 205; a second of $550 costs 500 × 1 % + 50 × 2 %
    # + 300 = 306; a third of $4,000 costs 4,000 × 2 % = 80. Over the period: 591.
    assert price(LAGO_GRADUATED_PERCENTAGE, transactions=[500]).amount == D(205)
    assert price(LAGO_GRADUATED_PERCENTAGE, transactions=[500, 550]).amount == D(205 + 306)
    result = price(LAGO_GRADUATED_PERCENTAGE, transactions=[500, 550, 4000])
    assert result.amount == D(205 + 306 + 80)
    assert [(i.kind, i.tier, i.quantity, i.amount) for i in result.breakdown] == [
        (ItemKind.TIER, 1, D(1000), D(10)),
        (ItemKind.TIER_FLAT_FEE, 1, D(1), D(200)),
        (ItemKind.TIER, 2, D(4050), D(81)),
        (ItemKind.TIER_FLAT_FEE, 2, D(1), D(300)),
    ]


@pytest.mark.parametrize(
    ("total", "amount"),
    [
        (1, "200.01"),  # 200 + 1 × 1 %
        (10, "200.1"),  # 200 + 10 × 1 %
        (11, "500.12"),  # 200 + 300 + 10 × 1 % + 1 × 2 %
        (12, "500.14"),  # 200 + 300 + 10 × 1 % + 2 × 2 %
        (21, "900.33"),  # 200 + 300 + 400 + 10 × 1 % + 10 × 2 % + 1 × 3 %
    ],
)
def test_graduated_percentage_matches_lagos_own_tests(total: int, amount: str) -> None:
    # getlago/lago-api spec/services/charge_models/graduated_percentage_service_spec.rb:
    # ranges 0-10 at 1 % (flat 200), 11-20 at 2 % (flat 300), 21+ at 3 % (flat 400).
    spec = {
        "model": "graduated_percentage",
        "tiers": [
            {"up_to": 10, "rate": "1", "flat_fee": "200"},
            {"up_to": 20, "rate": "2", "flat_fee": "300"},
            {"rate": "3", "flat_fee": "400"},
        ],
    }
    assert price(spec, total).amount == D(amount)


def test_graduated_percentage_charges_nothing_when_no_money_moved() -> None:
    # As Lago's spec ("when aggregation is 0 ... does not apply the flat amount"): no tier is
    # entered, not even the first; the breakdown still shows the empty first tier.
    for result in (
        price(LAGO_GRADUATED_PERCENTAGE, 0),
        price(LAGO_GRADUATED_PERCENTAGE, transactions=[]),
        price(LAGO_GRADUATED_PERCENTAGE, transactions=[0, D("0.00")]),
    ):
        assert result.amount == 0
        assert result.breakdown == (
            BreakdownItem(kind=ItemKind.TIER, quantity=D(0), amount=D(0), rate=D(1), tier=1),
        )


def test_graduated_percentage_takes_the_total_or_the_transactions_alike() -> None:
    assert price(LAGO_GRADUATED_PERCENTAGE, D("5050")) == price(
        LAGO_GRADUATED_PERCENTAGE, transactions=[D(500), D(550), D(4000)]
    )
