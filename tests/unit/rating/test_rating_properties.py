"""Properties of the reference rater over generated tariffs and events: cost never falls as a
call grows, splitting never loses usage, the final cost has exactly its rounding decimals,
one-band costs match a plain exact reference written from DOMAIN.md, band splits match a
second-by-second reading of the bands, and tariff files and durations round-trip."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from rating_builders import band, binding, call, group, plan, profile, rate, tariff

from tarifa.rating import (
    ANY,
    MaxCostStrategy,
    Rate,
    RatedEvent,
    RoundingMethod,
    Tariff,
    rate_event,
)
from tarifa.rating import bands as band_rules
from tarifa.rating.document import read_tariff, tariff_to_yaml
from tarifa.rating.durations import format_seconds, parse_quantity

D = Decimal
relaxed = settings(deadline=None, max_examples=150)

prices = st.decimals(min_value=0, max_value=5, places=4, allow_nan=False, allow_infinity=False)
units = st.sampled_from(["0", "1", "6", "30", "60"])
steps = st.sampled_from(["0", "1", "6", "10", "30", "60"])
methods = st.sampled_from(list(RoundingMethod))
usages = st.decimals(min_value=0, max_value=7200, places=1, allow_nan=False, allow_infinity=False)
starts = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001 — hypothesis wants naive bounds
    max_value=dt.datetime(2026, 12, 31),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
).map(lambda t: t.replace(microsecond=0))


@st.composite
def rates(draw: st.DrawFn, code: str = "RT") -> Rate:
    later = draw(st.lists(st.integers(1, 600), unique=True, max_size=2))
    positions = [0, *sorted(later)]
    groups = [(str(p), str(draw(prices)), draw(units), draw(steps)) for p in positions]
    fee = draw(st.sampled_from(["0", "0.05", "0.15"]))
    return rate(code, *groups, connect_fee=fee)


@st.composite
def one_band_tariffs(draw: st.DrawFn) -> Tariff:
    cap = draw(st.one_of(st.none(), st.sampled_from(["0.5", "2", "10"])))
    strategy = draw(st.sampled_from(list(MaxCostStrategy))) if cap else None
    return tariff(
        destinations={},
        rates=(draw(rates()),),
        bindings=(
            group(
                "DR",
                binding(
                    ANY,
                    "RT",
                    method=draw(methods),
                    decimals=draw(st.integers(0, 6)),
                    max_cost=cap,
                    strategy=strategy,
                ),
            ),
        ),
        plans=(plan("RP", ("DR", ANY, "10")),),
        profiles=(profile("RP"),),
        increment_decimals=draw(st.sampled_from([None, 4, 5])),
    )


def rated(
    t: Tariff, usage: Decimal, start: dt.datetime | str = "2024-03-04T10:00:00+00:00"
) -> RatedEvent:
    result = rate_event(t, call(str(usage), start))
    assert isinstance(result, RatedEvent), result
    return result


# -- one band ------------------------------------------------------------------------------


@relaxed
@given(one_band_tariffs(), usages, usages)
def test_cost_never_falls_as_a_call_grows(t: Tariff, a: Decimal, b: Decimal) -> None:
    shorter, longer = sorted((a, b))
    assert rated(t, shorter).precise_cost <= rated(t, longer).precise_cost
    assert rated(t, shorter).cost <= rated(t, longer).cost


@relaxed
@given(one_band_tariffs(), usages)
def test_the_final_cost_has_exactly_its_rounding_decimals(t: Tariff, usage: Decimal) -> None:
    result = rated(t, usage)
    decimals = t.destination_rates[0].entries[0].rounding_decimals
    assert result.cost.as_tuple().exponent == -decimals
    assert result.rounding_decimals == decimals
    assert abs(result.cost - result.precise_cost) < D(1).scaleb(-decimals)


@relaxed
@given(one_band_tariffs(), usages)
def test_one_band_costs_match_a_plain_exact_reference(t: Tariff, usage: Decimal) -> None:
    assert rated(t, usage).cost == reference_cost(t, usage)


def reference_cost(t: Tariff, usage: Decimal) -> Decimal:
    """DOMAIN.md term by term, in exact fractions: the rate groups cut the usage where they
    start; each piece is rounded up to whole increments, each increment costs
    price / rate_unit × increment (rounded half-up to increment_decimals when set, else the
    piece kept to 12 places); the connect fee once when usage > 0; max cost *free caps; the
    destination rate rounds the total."""
    r, b = t.rates[0], t.destination_rates[0].entries[0]
    starts_ = [Fraction(g.interval_start) for g in r.groups] + [Fraction(usage)]
    total = Fraction(r.connect_fee) if usage > 0 else Fraction(0)
    for g, low, high in zip(r.groups, starts_, starts_[1:], strict=False):
        high = min(high, Fraction(usage))
        if high <= low:
            continue
        step, unit = Fraction(g.increment or 1), Fraction(g.rate_unit or 1)
        count = -(-(high - low) // step)  # ceil
        each = Fraction(g.price) * step / unit
        if t.increment_decimals is None:
            total += half_up(count * each, 12)
        else:
            total += count * half_up(each, t.increment_decimals)
    if b.max_cost is not None and b.max_cost_strategy is MaxCostStrategy.FREE:
        total = min(total, Fraction(b.max_cost))
    mode = {"up": ROUND_CEILING, "half_up": ROUND_HALF_UP, "down": ROUND_DOWN}[b.rounding_method]
    exact = Decimal(total.numerator) / Decimal(total.denominator)  # terminates: 12 places at most
    return exact.quantize(D(1).scaleb(-b.rounding_decimals), rounding=mode)


def half_up(x: Fraction, places: int) -> Fraction:
    scale = 10**places
    return Fraction(int(x * scale + Fraction(1, 2)), scale)  # x ≥ 0, so int() is floor


# -- several bands -------------------------------------------------------------------------

BAND_TIMES = st.sampled_from(["00:00:00", "02:30:00", "07:00:00", "08:00:00", "19:00:00"])
WEEKDAY_SETS = st.sampled_from([(), (1, 2, 3, 4, 5), (6, 7), (0, 6), (3,)])


@st.composite
def banded_tariffs(draw: st.DrawFn) -> Tariff:
    count = draw(st.integers(1, 4))
    bands_ = [band(f"B{i}", draw(BAND_TIMES), weekdays=draw(WEEKDAY_SETS)) for i in range(count)]
    rates_ = tuple(draw(rates(f"R{i}")) for i in range(count))
    return tariff(
        destinations={},
        rates=rates_,
        bindings=tuple(group(f"DR{i}", binding(ANY, f"R{i}")) for i in range(count)),
        bands=(*bands_, band("ALL", "00:00:00")),  # ALL keeps every instant priced
        plans=(
            plan(
                "RP",
                ("DR0", "ALL", "0"),
                *((f"DR{i}", f"B{i}", str(draw(st.integers(0, 3)))) for i in range(count)),
            ),
        ),
        profiles=(profile("RP"),),
        time_zone=draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"])),
        increment_decimals=draw(st.sampled_from([None, 5])),
    )


@relaxed
@given(banded_tariffs(), st.integers(0, 3 * 3600), starts)
def test_splitting_never_loses_usage(t: Tariff, seconds: int, start: dt.datetime) -> None:
    result = rated(t, D(seconds), start)
    assert sum((s.usage for s in result.spans), D(0)) == seconds
    position = D(0)
    for span in result.spans:  # contiguous, in order, each billed at least its usage
        assert span.start == start + dt.timedelta(seconds=int(position))
        position += span.usage
        assert span.increments > 0
    assert result.billed_usage >= seconds


@relaxed
@given(banded_tariffs(), st.integers(1, 2 * 3600), starts)
def test_bands_match_a_second_by_second_reading(
    t: Tariff, seconds: int, start: dt.datetime
) -> None:
    """Every band change falls on a whole second here, so reading the bands at each second
    of the call, by the rules alone, must give the spans' bands."""
    zone = band_rules.zone(t.time_zone)
    entries = t.rating_plans[0].entries
    order = sorted(
        range(len(entries)),
        key=lambda i: (-entries[i].weight, -_seconds(t.time_band(entries[i].time_band)), i),
    )
    expected: list[tuple[str, int]] = []
    for k in range(seconds):
        wall = (start + dt.timedelta(seconds=k)).astimezone(zone)
        winner = next(
            entries[i].time_band
            for i in order
            if band_rules.is_active(t.time_band(entries[i].time_band), wall)
        )
        if expected and expected[-1][0] == winner:
            expected[-1] = (winner, expected[-1][1] + 1)
        else:
            expected.append((winner, 1))
    got: list[tuple[str, int]] = []
    for span in rated(t, D(seconds), start).spans:  # merge rate-group cuts of one band
        if got and got[-1][0] == span.time_band:
            got[-1] = (span.time_band, got[-1][1] + int(span.usage))
        else:
            got.append((span.time_band, int(span.usage)))
    assert merge_same(got) == merge_same(expected)


def _seconds(b: object) -> int:
    time = band_rules.start_time_of(b)  # type: ignore[arg-type]
    return time.hour * 3600 + time.minute * 60 + time.second


def merge_same(parts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    merged: list[tuple[str, int]] = []
    for name, length in parts:
        if merged and merged[-1][0] == name:
            merged[-1] = (name, merged[-1][1] + length)
        else:
            merged.append((name, length))
    return merged


# -- files and durations -------------------------------------------------------------------


@relaxed
@given(banded_tariffs())
def test_a_tariff_file_round_trips(t: Tariff) -> None:
    assert read_tariff(tariff_to_yaml(t)) == t


@relaxed
@given(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False))
def test_go_durations_round_trip(seconds: Decimal) -> None:
    assert parse_quantity(format_seconds(seconds)) == seconds
