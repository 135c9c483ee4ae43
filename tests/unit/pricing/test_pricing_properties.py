"""Properties of the pricing models over many generated specs and quantities, each model
checked against a plain reference written from DOMAIN.md's wording, term by term."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tarifa.pricing import (
    FlatSpec,
    GraduatedPercentageSpec,
    GraduatedSpec,
    PackageSpec,
    PercentageSpec,
    PerUnitSpec,
    RateTier,
    Spec,
    UnitTier,
    VolumeSpec,
    parse_spec,
    price,
    spec_to_mapping,
)

D = Decimal
# Generous deadlines: the machine is shared, and a slow example is not a wrong one.
relaxed = settings(deadline=None)


def decimals(low: int | str, high: int | str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(low), max_value=D(high), places=places,
                       allow_nan=False, allow_infinity=False)  # fmt: skip


quantities = decimals(0, 10**7, 3)
prices = decimals(0, 1000, 6)
fees = st.one_of(st.just(D(0)), decimals(0, 500, 2))
rates = decimals(0, 30, 3)


def exact() -> decimal.Context:
    """A context far wider than pricing's, for the references: they must not round either."""
    return decimal.Context(prec=200, traps=[decimal.Inexact, decimal.InvalidOperation])


@st.composite
def bounds(draw: st.DrawFn) -> list[Decimal]:
    return sorted(draw(st.lists(decimals("0.001", 10**6, 3), unique=True, max_size=5)))


@st.composite
def unit_tiers(draw: st.DrawFn) -> tuple[UnitTier, ...]:
    ups: list[Decimal | None] = [*draw(bounds()), None]
    return tuple(UnitTier(up_to=up, unit_price=draw(prices), flat_fee=draw(fees)) for up in ups)


@st.composite
def rate_tiers(draw: st.DrawFn) -> tuple[RateTier, ...]:
    ups: list[Decimal | None] = [*draw(bounds()), None]
    return tuple(RateTier(up_to=up, rate=draw(rates), flat_fee=draw(fees)) for up in ups)


@st.composite
def percentage_specs(draw: st.DrawFn) -> PercentageSpec:
    low = draw(st.none() | decimals(0, 5, 2))
    high = draw(st.none() | decimals(5, 50, 2))
    return PercentageSpec(
        rate=draw(rates),
        fixed_fee=draw(fees),
        free_transactions=draw(st.none() | st.integers(0, 6)),
        free_amount=draw(st.none() | decimals(0, 5000, 2)),
        min_per_transaction=low,
        max_per_transaction=high,
    )


transaction_lists = st.lists(decimals(0, 5000, 2), max_size=15)

specs: st.SearchStrategy[Spec] = st.one_of(
    st.builds(FlatSpec, amount=prices),
    st.builds(PerUnitSpec, unit_price=prices),
    st.builds(GraduatedSpec, tiers=unit_tiers()),
    st.builds(VolumeSpec, tiers=unit_tiers()),
    st.builds(
        PackageSpec,
        package_size=decimals("0.001", 1000, 3),
        package_price=prices,
        free_units=st.one_of(st.just(D(0)), quantities),
    ),
    percentage_specs(),
    st.builds(GraduatedPercentageSpec, tiers=rate_tiers()),
)


# --- references, written the way DOMAIN.md words each model ---------------------------------


def reference_graduated(tiers: Sequence[UnitTier | RateTier], units: Decimal) -> Decimal:
    """Each tier prices the units inside it; a tier's fee once usage is above its start;
    the first tier's fee always."""
    with decimal.localcontext(exact()):
        total, start = D(0), D(0)
        for index, tier in enumerate(tiers):
            if index and units <= start:
                break
            end = units if tier.up_to is None else min(units, tier.up_to)
            factor = tier.unit_price if isinstance(tier, UnitTier) else tier.rate / 100
            total += (end - start) * factor + tier.flat_fee
            start = tier.up_to if tier.up_to is not None else start
        return total


def reference_volume(tiers: Sequence[UnitTier], units: Decimal) -> Decimal:
    """All units at the price of the tier the total falls in, plus that tier's fee."""
    with decimal.localcontext(exact()):
        tier = next(t for t in tiers if t.up_to is None or units <= t.up_to)
        return units * tier.unit_price + tier.flat_fee


def reference_percentage(spec: PercentageSpec, amounts: Sequence[Decimal]) -> Decimal:
    """Per transaction: free while both limits hold, else rate + fixed fee within the clamp."""
    with decimal.localcontext(exact()):
        has_limit = spec.free_transactions is not None or spec.free_amount is not None
        total, running, free = D(0), D(0), has_limit
        for count, amount in enumerate(amounts, start=1):
            running += amount
            within_count = spec.free_transactions is None or count <= spec.free_transactions
            within_amount = spec.free_amount is None or running <= spec.free_amount
            free = free and within_count and within_amount
            if free:
                continue
            fee = spec.rate / 100 * amount + spec.fixed_fee
            if spec.min_per_transaction is not None:
                fee = max(fee, spec.min_per_transaction)
            if spec.max_per_transaction is not None:
                fee = min(fee, spec.max_per_transaction)
            total += fee
        return total


# --- the properties -------------------------------------------------------------------------


@relaxed
@given(unit_price=prices, first=quantities, second=quantities)
def test_per_unit_is_linear(unit_price: Decimal, first: Decimal, second: Decimal) -> None:
    spec = PerUnitSpec(unit_price=unit_price)
    together = price(spec, first + second).amount
    assert together == price(spec, first).amount + price(spec, second).amount
    assert together == (first + second) * unit_price


@relaxed
@given(tiers=unit_tiers(), units=quantities)
def test_graduated_is_the_sum_of_what_each_tier_prices(
    tiers: tuple[UnitTier, ...], units: Decimal
) -> None:
    assert price(GraduatedSpec(tiers=tiers), units).amount == reference_graduated(tiers, units)


@relaxed
@given(tiers=unit_tiers(), first=quantities, second=quantities)
def test_graduated_never_decreases_as_quantity_grows(
    tiers: tuple[UnitTier, ...], first: Decimal, second: Decimal
) -> None:
    spec = GraduatedSpec(tiers=tiers)
    low, high = sorted((first, second))
    assert price(spec, low).amount <= price(spec, high).amount


@relaxed
@given(tiers=unit_tiers(), data=st.data())
def test_graduated_never_decreases_across_each_bound(
    tiers: tuple[UnitTier, ...], data: st.DataObject
) -> None:
    spec = GraduatedSpec(tiers=tiers)
    step = data.draw(decimals("0.000001", 1, 6))
    for tier in tiers[:-1]:
        assert tier.up_to is not None
        assert price(spec, tier.up_to).amount <= price(spec, tier.up_to + step).amount


@relaxed
@given(tiers=unit_tiers(), units=quantities)
def test_volume_is_the_reached_tiers_price_times_the_quantity_plus_its_fee(
    tiers: tuple[UnitTier, ...], units: Decimal
) -> None:
    assert price(VolumeSpec(tiers=tiers), units).amount == reference_volume(tiers, units)


@relaxed
@given(
    size=decimals("0.001", 1000, 3),
    package_price=decimals("0.01", 1000, 2),
    free=st.one_of(st.just(D(0)), quantities),
    units=quantities,
)
def test_package_amounts_are_whole_packages_just_covering_the_usage(
    size: Decimal, package_price: Decimal, free: Decimal, units: Decimal
) -> None:
    result = price(PackageSpec(package_size=size, package_price=package_price,
                               free_units=free), units)  # fmt: skip
    packages = result.breakdown[-1].quantity
    assert result.amount % package_price == 0
    assert result.amount == packages * package_price
    assert packages == packages.to_integral_value()
    charged = max(units - free, D(0))
    assert packages * size >= charged
    assert packages == 0 or (packages - 1) * size < charged


@relaxed
@given(spec=percentage_specs(), amounts=transaction_lists)
def test_percentage_follows_the_rule_transaction_by_transaction(
    spec: PercentageSpec, amounts: list[Decimal]
) -> None:
    assert price(spec, transactions=amounts).amount == reference_percentage(spec, amounts)


@relaxed
@given(tiers=rate_tiers(), amounts=transaction_lists)
def test_graduated_percentage_prices_the_periods_total_tier_by_tier(
    tiers: tuple[RateTier, ...], amounts: list[Decimal]
) -> None:
    spec = GraduatedPercentageSpec(tiers=tiers)
    total = sum(amounts, D(0))
    result = price(spec, transactions=amounts)
    assert result == price(spec, total)
    assert result.amount == (reference_graduated(tiers, total) if total else 0)


@relaxed
@given(spec=specs, units=quantities, amounts=transaction_lists)
def test_every_breakdown_adds_up_to_its_amount_in_decimals(
    spec: Spec, units: Decimal, amounts: list[Decimal]
) -> None:
    if isinstance(spec, PercentageSpec):
        result = price(spec, transactions=amounts)
    else:
        result = price(spec, None if isinstance(spec, FlatSpec) else units)
    assert type(result.amount) is Decimal
    assert all(type(item.amount) is Decimal and item.amount >= 0 for item in result.breakdown)
    assert sum((item.amount for item in result.breakdown), D(0)) == result.amount


@relaxed
@given(spec=specs)
def test_a_spec_written_to_the_file_form_reads_back_equal(spec: Spec) -> None:
    written = spec_to_mapping(spec)
    assert parse_spec(written) == spec
    for value in written.values():
        assert isinstance(value, str | list)
