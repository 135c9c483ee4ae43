"""Golden costs of the reference rater, each computed by hand from DOMAIN.md ("Telecom event
rating") with the arithmetic written beside it. The cases are the classic schemes (60/60, 60/1,
30/6, 1/1) and the pitfalls the field has hit (PITFALLS.md: per-increment rounding, longest
prefix, 30/6 billed wrong)."""

from __future__ import annotations

import datetime as dt

import pytest
from rating_builders import (
    D,
    band,
    binding,
    call,
    group,
    one_rate,
    plan,
    profile,
    rate,
    tariff,
)

from tarifa.rating import (
    ANY,
    MaxCostStrategy,
    RatedEvent,
    RatingError,
    RoundingMethod,
    Tariff,
    UsageEvent,
    UsageUnit,
    rate_event,
)


def rated(t: Tariff, event: UsageEvent) -> RatedEvent:
    result = rate_event(t, event)
    assert isinstance(result, RatedEvent), result
    return result


# -- the classic schemes -------------------------------------------------------------------

PER_MINUTE = one_rate(("0", "0.60", "60", "60"), decimals=2)  # 60/60 at 0.60 a minute
MINUTE_THEN_SECONDS = one_rate(("0", "0.60", "60", "60"), ("60", "0.60", "60", "1"), decimals=2)
THIRTY_SIX = one_rate(("0", "0.006", "60", "30"), ("30", "0.006", "60", "6"), decimals=4)
PER_SECOND = one_rate(("0", "0.01", "1", "1"), decimals=2)  # 1/1 at 0.01 a second


@pytest.mark.parametrize(
    ("usage", "cost", "billed"),
    [
        ("1", "0.60", "60"),  # any started minute is a whole minute: 1 × 0.60
        ("60", "0.60", "60"),  # exactly one minute
        ("61", "1.20", "120"),  # ceil(61/60) = 2 minutes × 0.60
        ("119.5", "1.20", "120"),  # fractions of a second count too
    ],
)
def test_a_60_60_rate_bills_every_started_minute(usage: str, cost: str, billed: str) -> None:
    result = rated(PER_MINUTE, call(usage))
    assert (result.cost, result.billed_usage) == (D(cost), D(billed))


@pytest.mark.parametrize(
    ("usage", "cost", "billed"),
    [
        ("30", "0.60", "60"),  # the first minute is billed whole
        ("61", "0.61", "61"),  # 0.60 + 1 s × 0.60/60 = 0.60 + 0.01
        ("125", "1.25", "125"),  # 0.60 + 65 × 0.01
    ],
)
def test_a_60_1_rate_bills_a_first_minute_then_seconds(usage: str, cost: str, billed: str) -> None:
    result = rated(MINUTE_THEN_SECONDS, call(usage))
    assert (result.cost, result.billed_usage) == (D(cost), D(billed))


@pytest.mark.parametrize(
    ("usage", "cost", "billed"),
    [
        # CGRateS #118, the cases its reporter expected: the first 30 s cost
        # 0.006/60 × 30 = 0.003, then each started 6 s costs 0.006/60 × 6 = 0.0006.
        ("32", "0.0036", "36"),  # 0.003 + ceil(2/6) = 1 × 0.0006
        ("57", "0.0060", "60"),  # 0.003 + ceil(27/6) = 5 × 0.0006 = 0.003
        ("75", "0.0078", "78"),  # 0.003 + ceil(45/6) = 8 × 0.0006 = 0.0048
        ("30", "0.0030", "30"),  # exactly the first block
    ],
)
def test_a_30_6_rate_bills_30_seconds_then_blocks_of_6(usage: str, cost: str, billed: str) -> None:
    result = rated(THIRTY_SIX, call(usage))
    assert (result.cost, result.billed_usage) == (D(cost), D(billed))


def test_a_1_1_rate_bills_every_started_second() -> None:
    result = rated(PER_SECOND, call("59.2"))  # ceil(59.2) = 60 s × 0.01
    assert (result.cost, result.billed_usage) == (D("0.60"), D("60"))


def test_the_rate_group_position_counts_from_the_start_of_the_call() -> None:
    # 60/1 over 61 s: the span [0, 60) in the first group, [60, 61) in the second
    result = rated(MINUTE_THEN_SECONDS, call("61"))
    assert [(s.rate_group_start, s.usage, s.increments) for s in result.spans] == [
        (D(0), D(60), D(1)),
        (D(60), D(1), D(1)),
    ]
    assert result.spans[1].start == result.spans[0].start + dt.timedelta(seconds=60)


# -- per-increment rounding (PITFALLS.md) --------------------------------------------------


def test_increment_rounding_to_5_decimals_makes_0_1749_that_rounds_up_to_0_18() -> None:
    # CGRateS #260: 0.05 a minute billed per second, connect fee 0.15, a 30 s call.
    # One increment: 0.05/60 × 1 = 0.000833… → 0.00083 (5 decimals, half-up);
    # 30 × 0.00083 = 0.0249; + 0.15 = 0.1749; final *up to 2 decimals = 0.18 (not 0.174).
    t = one_rate(("0", "0.05", "60", "1"), connect_fee="0.15", decimals=2, increment_decimals=5)
    result = rated(t, call("30"))
    assert (result.precise_cost, result.cost) == (D("0.1749"), D("0.18"))


def test_increment_rounding_to_4_decimals_gives_0_4980_for_a_minute_at_0_50() -> None:
    # ivozprovider #692: 0.50 a minute per second; 0.50/60 = 0.008333… → 0.0083 (4 decimals);
    # 60 × 0.0083 = 0.4980, not 0.50. With 5 decimals: 60 × 0.00833 = 0.4998.
    # Without increment rounding: 60 × 0.50 / 60 = 0.50 exactly.
    groups = ("0", "0.50", "60", "1")
    four = rated(one_rate(groups, increment_decimals=4), call("60"))
    five = rated(one_rate(groups, increment_decimals=5), call("60"))
    exact = rated(one_rate(groups), call("60"))
    assert (four.cost, five.cost, exact.cost) == (D("0.4980"), D("0.4998"), D("0.5000"))


def test_without_increment_rounding_a_span_keeps_12_decimals() -> None:
    # 7 s at 0.10 a minute: 7 × 0.10 / 60 = 0.011666… → 0.011666666667 (12 places, half-up)
    result = rated(one_rate(("0", "0.10", "60", "1"), decimals=2), call("7"))
    assert result.precise_cost == D("0.011666666667")
    assert result.cost == D("0.02")  # up


@pytest.mark.parametrize(
    ("method", "cost"),
    [(RoundingMethod.UP, "0.02"), (RoundingMethod.HALF_UP, "0.01"), (RoundingMethod.DOWN, "0.01")],
)
def test_the_final_rounding_follows_the_destination_rate(method: RoundingMethod, cost: str) -> None:
    # 7 s × 0.10/60 = 0.011666…: up 0.02, half-up 0.01, down 0.01
    t = one_rate(("0", "0.10", "60", "1"), decimals=2, method=method)
    assert rated(t, call("7")).cost == D(cost)


def test_half_up_rounds_a_tie_away_from_zero() -> None:
    # 1 s × 0.005 = 0.005 → 0.01 half-up (0.00 with banker's rounding)
    t = one_rate(("0", "0.005", "1", "1"), decimals=2, method=RoundingMethod.HALF_UP)
    assert rated(t, call("1")).cost == D("0.01")


# -- connect fee, zero usage, max cost -----------------------------------------------------


def test_the_connect_fee_is_charged_once_inside_the_final_rounding() -> None:
    # 0.0333 + 61 s at 60/1 0.60 (0.61) = 0.6433 → up to 2 decimals = 0.65
    t = one_rate(
        ("0", "0.60", "60", "60"), ("60", "0.60", "60", "1"), connect_fee="0.0333", decimals=2
    )
    result = rated(t, call("61"))
    assert (result.precise_cost, result.cost) == (D("0.6433"), D("0.65"))


def test_a_zero_duration_call_costs_nothing_not_even_the_connect_fee() -> None:
    t = one_rate(("0", "0.60", "60", "60"), connect_fee="0.20", decimals=2)
    result = rated(t, call("0"))
    assert (result.cost, result.billed_usage, result.spans) == (D("0.00"), D(0), ())
    assert str(result.cost) == "0.00"


@pytest.mark.parametrize(
    ("strategy", "cost"),
    [
        (MaxCostStrategy.FREE, "0.6200"),  # 120 s × 0.01 = 1.20, capped at 0.62
        (MaxCostStrategy.DISCONNECT, "1.2000"),  # not capped: only a signal to end the call
    ],
)
def test_max_cost_caps_the_event_only_with_the_free_strategy(
    strategy: MaxCostStrategy, cost: str
) -> None:
    # the tutorial deck's DR_1007_MAXCOST_FREE / _DISC: 0.01 a second, max cost 0.62
    t = one_rate(("0", "0.01", "1", "1"), max_cost="0.62", strategy=strategy)
    assert rated(t, call("120")).cost == D(cost)


def test_max_cost_includes_the_connect_fee() -> None:
    # 0.50 + 10 × 0.01 = 0.60 > 0.55 → 0.55
    t = one_rate(
        ("0", "0.01", "1", "1"), connect_fee="0.50", max_cost="0.55", strategy=MaxCostStrategy.FREE
    )
    assert rated(t, call("10")).cost == D("0.5500")


# -- destinations --------------------------------------------------------------------------

PREFIXES = tariff(
    destinations={"NANP": ("1",), "NANP_PREMIUM": ("1234",), "DE": ("49",)},
    rates=(rate("CHEAP", ("0", "0.01", "60", "60")), rate("DEAR", ("0", "0.20", "60", "60"))),
    bindings=(group("DR", binding("NANP", "CHEAP"), binding("NANP_PREMIUM", "DEAR")),),
    plans=(plan("RP", ("DR", ANY, "10")),),
    profiles=(profile("RP"),),
)


def test_the_longest_prefix_wins_even_against_a_cheaper_shorter_one() -> None:
    # ASTPP #273: "+1" at 0.01 must not beat "+1234" at 0.20
    result = rated(PREFIXES, call("60", destination="+12345678901"))
    assert (result.prefix, result.destination, result.cost) == ("1234", "NANP_PREMIUM", D("0.20"))
    shorter = rated(PREFIXES, call("60", destination="19995550100"))
    assert (shorter.prefix, shorter.cost) == ("1", D("0.0100"))


def test_a_destination_without_a_rate_is_an_error_never_a_zero_cost() -> None:
    result = rate_event(PREFIXES, call("60", destination="33142000000"))
    assert isinstance(result, RatingError)
    assert result.code == "unauthorized_destination"


def test_a_destination_rate_for_any_applies_only_when_no_prefix_matches() -> None:
    t = tariff(
        destinations={"DE": ("49",)},
        rates=(rate("DE", ("0", "0.05", "60", "60")), rate("ROW", ("0", "1", "60", "60"))),
        bindings=(group("DR", binding("DE", "DE"), binding(ANY, "ROW")),),
        plans=(plan("RP", ("DR", ANY, "10")),),
        profiles=(profile("RP"),),
    )
    assert rated(t, call("60", destination="4930")).cost == D("0.0500")
    anywhere = rated(t, call("60", destination="33142"))
    assert (anywhere.destination, anywhere.prefix, anywhere.cost) == (ANY, "", D("1.0000"))


def test_a_word_is_matched_as_a_prefix_string() -> None:
    t = tariff(
        destinations={"VM": ("voicemail",)},
        rates=(rate("FREE", ("0", "0", "60", "60")),),
        bindings=(group("DR", binding("VM", "FREE")),),
        plans=(plan("RP", ("DR", ANY, "10")),),
        profiles=(profile("RP"),),
    )
    assert rated(t, call("60", destination="voicemail")).cost == D("0.0000")


# -- time bands ----------------------------------------------------------------------------

# The CGRateS tutorial's retail plan: peak 08:00 on weekdays at 0.40 a minute (30 s, then 10 s
# blocks after the first minute), off-peak otherwise at 0.10 (60/1 after the first minute).
WEEKDAYS = (1, 2, 3, 4, 5)
RETAIL = tariff(
    destinations={"DE": ("49",)},
    rates=(
        rate("RT_40CNT", ("0", "0.4", "60", "30"), ("60", "0.2", "60", "10"), connect_fee="0.8"),
        rate("RT_10CNT", ("0", "0.1", "60", "60"), ("60", "0.05", "60", "1"), connect_fee="0.2"),
    ),
    bindings=(
        group("DR_PEAK", binding("DE", "RT_40CNT")),
        group("DR_OFF", binding("DE", "RT_10CNT")),
    ),
    bands=(
        band("PEAK", "08:00:00", weekdays=WEEKDAYS),
        band("OFFPEAK_MORNING", "00:00:00", weekdays=WEEKDAYS),
        band("OFFPEAK_EVENING", "19:00:00", weekdays=WEEKDAYS),
        band("OFFPEAK_WEEKEND", "00:00:00", weekdays=(6, 7)),
    ),
    plans=(
        plan(
            "RP",
            ("DR_PEAK", "PEAK", "10"),
            ("DR_OFF", "OFFPEAK_MORNING", "10"),
            ("DR_OFF", "OFFPEAK_EVENING", "10"),
            ("DR_OFF", "OFFPEAK_WEEKEND", "10"),
        ),
    ),
    profiles=(profile("RP"),),
)


def test_a_call_crossing_into_peak_is_split_at_08_00_and_priced_in_each_band() -> None:
    # Monday 2024-03-04 07:59:30 UTC, 90 s.
    # [0, 30) off-peak, RT_10CNT group 0: ceil(30/60) = 1 × 0.10 = 0.10
    # [30, 60) peak, RT_40CNT group 0 (position 30 < 60): ceil(30/30) = 1 × 0.4/60 × 30 = 0.20
    # [60, 90) peak, RT_40CNT group 1: ceil(30/10) = 3 × 0.2/60 × 10 = 0.10
    # connect fee of the rate at the start (RT_10CNT) 0.2; total 0.2 + 0.1 + 0.2 + 0.1 = 0.60
    result = rated(RETAIL, call("90", "2024-03-04T07:59:30+00:00"))
    assert [(s.time_band, s.usage, s.cost) for s in result.spans] == [
        ("OFFPEAK_MORNING", D(30), D("0.1")),
        ("PEAK", D(30), D("0.2")),
        ("PEAK", D(30), D("0.1")),
    ]
    assert result.time_bands == ("OFFPEAK_MORNING", "PEAK")
    assert result.cost == D("0.6000")
    assert result.billed_usage == D(60 + 30 + 30)


def test_on_equal_weight_the_band_that_started_latest_wins() -> None:
    # 10:00 on a Tuesday: PEAK (08:00) and OFFPEAK_MORNING (00:00) are both active
    assert rated(RETAIL, call("60", "2024-03-05T10:00:00+00:00")).time_bands == ("PEAK",)
    assert rated(RETAIL, call("60", "2024-03-05T19:30:00+00:00")).time_bands == ("OFFPEAK_EVENING",)
    assert rated(RETAIL, call("60", "2024-03-09T10:00:00+00:00")).time_bands == ("OFFPEAK_WEEKEND",)


def test_a_higher_weight_beats_a_later_start() -> None:
    t = tariff(
        destinations={"DE": ("49",)},
        rates=(rate("A", ("0", "1", "60", "60")), rate("B", ("0", "2", "60", "60"))),
        bindings=(group("DR_A", binding("DE", "A")), group("DR_B", binding("DE", "B"))),
        bands=(band("EARLY", "00:00:00"), band("LATE", "08:00:00")),
        plans=(plan("RP", ("DR_A", "EARLY", "20"), ("DR_B", "LATE", "10")),),
        profiles=(profile("RP"),),
    )
    assert rated(t, call("60", "2024-03-05T10:00:00+00:00")).time_bands == ("EARLY",)


def test_data_is_never_split_at_a_band_boundary() -> None:
    # 10 MB from Monday 07:59:59: all of it off-peak, in bytes at 0.10 per 1024 bytes
    t = tariff(
        destinations={},
        rates=(rate("OFF", ("0", "0.1", "1024", "1024")), rate("PEAK", ("0", "9", "1024", "1024"))),
        bindings=(group("DR_OFF", binding(ANY, "OFF")), group("DR_PEAK", binding(ANY, "PEAK"))),
        bands=(band("OFF", "00:00:00"), band("PEAK", "08:00:00")),
        plans=(plan("RP", ("DR_OFF", "OFF", "10"), ("DR_PEAK", "PEAK", "10")),),
        profiles=(profile("RP", category="data"),),
    )
    event = call("10000000", "2024-03-04T07:59:59+00:00", category="data", unit=UsageUnit.BYTES)
    result = rated(t, event)
    # ceil(10,000,000 / 1024) = 9766 increments × 0.1 = 976.6
    assert (result.time_bands, result.cost) == (("OFF",), D("976.6000"))
