"""Which profile, plan, destination rate and band price an event: activations, the ``*any``
subject, fallback subjects, several destinations on one prefix, and bands read on the tariff's
wall clock across daylight-saving changes."""

from __future__ import annotations

import datetime as dt

import pytest
from rating_builders import D, band, binding, call, group, plan, profile, rate, tariff

from tarifa.errors import ValidationError
from tarifa.rating import (
    ANY,
    RatedEvent,
    RatingError,
    RoundingMethod,
    Tariff,
    UsageEvent,
    UsageUnit,
    rate_event,
)

UTC = dt.UTC


def rated(t: Tariff, event: UsageEvent) -> RatedEvent:
    result = rate_event(t, event)
    assert isinstance(result, RatedEvent), result
    return result


def error(t: Tariff, event: UsageEvent) -> str:
    result = rate_event(t, event)
    assert isinstance(result, RatingError), result
    return result.code


# -- profiles ------------------------------------------------------------------------------

RATES = (
    rate("ONE", ("0", "1", "60", "60")),
    rate("TWO", ("0", "2", "60", "60")),
    rate("FIVE", ("0", "5", "60", "60")),
)
BINDINGS = (
    group("DR_DE_ONE", binding("DE", "ONE")),
    group("DR_DE_TWO", binding("DE", "TWO")),
    group("DR_ANY_FIVE", binding(ANY, "FIVE")),
)
PLANS = (
    plan("RP_OLD", ("DR_DE_ONE", ANY, "10")),
    plan("RP_NEW", ("DR_DE_TWO", ANY, "10")),
    plan("RP_WORLD", ("DR_ANY_FIVE", ANY, "10")),
)


def with_profiles(*profiles: object) -> Tariff:
    return tariff(
        destinations={"DE": ("49",)},
        rates=RATES,
        bindings=BINDINGS,
        plans=PLANS,
        profiles=profiles,  # type: ignore[arg-type]
    )


JUNE = dt.datetime(2024, 6, 1, tzinfo=UTC)
PROFILES = with_profiles(
    profile("RP_OLD", "1001", activation=dt.datetime(2024, 1, 1, tzinfo=UTC)),
    profile("RP_NEW", "1001", activation=JUNE),
    profile("RP_WORLD", ANY),
)


def test_the_latest_activation_at_or_before_the_event_wins() -> None:
    before = rated(PROFILES, call("60", "2024-05-31T23:59:59+00:00"))
    at = rated(PROFILES, call("60", "2024-06-01T00:00:00+00:00"))
    assert (before.rating_plan, at.rating_plan) == ("RP_OLD", "RP_NEW")
    # a later activation, scheduled in advance, changes nothing before it
    assert rated(PROFILES, call("60", "2024-03-01T02:00:00+02:00")).cost == D("1.0000")


def test_a_subject_without_a_profile_is_rated_by_the_any_profile() -> None:
    result = rated(PROFILES, call("60", subject="2002"))
    assert (result.subject, result.rating_plan, result.cost) == (ANY, "RP_WORLD", D("5.0000"))


def test_a_subject_activated_only_later_is_rated_by_the_any_profile_until_then() -> None:
    result = rated(PROFILES, call("60", "2023-12-31T23:00:00+00:00"))
    assert (result.subject, result.rating_plan) == (ANY, "RP_WORLD")


def test_without_a_profile_for_the_subject_or_any_the_error_is_no_rating_profile() -> None:
    only_subject = with_profiles(profile("RP_OLD", "1001"))
    assert error(only_subject, call("60", subject="2002")) == "no_rating_profile"
    assert error(PROFILES, call("60", tenant="other")) == "no_rating_profile"
    assert error(PROFILES, call("60", category="sms")) == "no_rating_profile"


def test_fallback_subjects_are_tried_in_order_when_the_plan_has_no_rate() -> None:
    t = with_profiles(
        profile("RP_OLD", "1001", fallback=("nobody", "wholesale")),  # DE only
        profile("RP_WORLD", "wholesale"),
    )
    german = rated(t, call("60", destination="4930"))
    french = rated(t, call("60", destination="3314"))
    assert (german.subject, german.cost) == ("1001", D("1.0000"))
    assert (french.subject, french.rating_plan, french.cost) == ("wholesale", "RP_WORLD", D("5"))


def test_a_fallbacks_own_fallbacks_are_not_followed() -> None:
    # CGRateS: FallbackSubjects are only considered at the first level
    t = with_profiles(
        profile("RP_OLD", "1001", fallback=("reseller",)),
        profile("RP_NEW", "reseller", fallback=("wholesale",)),
        profile("RP_WORLD", "wholesale"),
    )
    assert error(t, call("60", destination="3314")) == "unauthorized_destination"


def test_a_subject_with_a_profile_but_no_rate_is_not_rated_by_the_any_profile() -> None:
    # *any stands in only when the subject has no profile (CGRateS does the same)
    assert error(PROFILES, call("60", destination="3314")) == "unauthorized_destination"


# -- several destination rates on one prefix -----------------------------------------------


def test_destinations_sharing_the_prefix_are_chosen_by_active_band_and_weight() -> None:
    t = tariff(
        destinations={"DE_A": ("49",), "DE_B": ("49", "4930")},
        rates=RATES,
        bindings=(group("DR_A", binding("DE_A", "TWO")), group("DR_B", binding("DE_B", "ONE"))),
        bands=(band("PEAK", "08:00:00"),),
        plans=(plan("RP", ("DR_A", "PEAK", "20"), ("DR_B", ANY, "10")),),
        profiles=(profile("RP"),),
    )
    peak = rated(t, call("60", "2024-03-04T09:00:00+00:00", destination="4989"))
    night = rated(t, call("60", "2024-03-04T07:00:00+00:00", destination="4989"))
    assert (peak.destination, peak.cost) == ("DE_A", D("2.0000"))
    assert (night.destination, night.cost) == ("DE_B", D("1.0000"))
    # 4930 is longer and only DE_B has it: it wins whatever the band
    berlin = rated(t, call("60", "2024-03-04T09:00:00+00:00", destination="4930"))
    assert (berlin.prefix, berlin.destination) == ("4930", "DE_B")
    # a call across 08:00 changes destination rate there: 60 s at 1, then 60 s at 2
    across = rated(t, call("120", "2024-03-04T07:59:00+00:00", destination="4989"))
    assert (across.time_bands, across.cost) == ((ANY, "PEAK"), D("3.0000"))


def test_the_final_rounding_uses_the_largest_decimals_among_the_spans() -> None:
    # 07:59:30, 60 s: 30 s at 0.10/60 per second (2 decimals, up) then 30 s at 0.07/60
    # (4 decimals, down): 0.05 + 0.035 = 0.085 → 4 decimals, down → 0.0850
    t = tariff(
        destinations={"DE": ("49",)},
        rates=(rate("A", ("0", "0.10", "60", "1")), rate("B", ("0", "0.07", "60", "1"))),
        bindings=(
            group("DR_A", binding("DE", "A", decimals=2)),
            group("DR_B", binding("DE", "B", decimals=4, method=RoundingMethod.DOWN)),
        ),
        bands=(band("NIGHT", "00:00:00"), band("DAY", "08:00:00")),
        plans=(plan("RP", ("DR_A", "NIGHT", "10"), ("DR_B", "DAY", "10")),),
        profiles=(profile("RP"),),
    )
    result = rated(t, call("60", "2024-03-04T07:59:30+00:00"))
    assert (result.precise_cost, result.rounding_decimals, result.cost) == (
        D("0.085"),
        4,
        D("0.0850"),
    )


def test_a_time_no_band_covers_is_an_unauthorized_destination() -> None:
    t = tariff(
        destinations={"DE": ("49",)},
        rates=RATES,
        bindings=BINDINGS,
        bands=(band("WORK", "08:00:00", weekdays=(1, 2, 3, 4, 5)),),
        plans=(plan("RP", ("DR_DE_ONE", "WORK", "10")),),
        profiles=(profile("RP"),),
    )
    assert error(t, call("60", "2024-03-04T07:00:00+00:00")) == "unauthorized_destination"
    # Friday 23:59:30 into Saturday: the second half of the call has no rate
    assert error(t, call("60", "2024-03-08T23:59:30+00:00")) == "unauthorized_destination"
    assert rated(t, call("60", "2024-03-08T23:58:30+00:00")).cost == D("1.0000")


def test_a_call_across_midnight_in_one_weekend_band_is_one_part() -> None:
    t = tariff(
        destinations={"DE": ("49",)},
        rates=(rate("W", ("0", "0.60", "60", "60")),),
        bindings=(group("DR", binding("DE", "W")),),
        bands=(band("WEEKEND", "00:00:00", weekdays=(6, 0)),),
        plans=(plan("RP", ("DR", "WEEKEND", "10")),),
        profiles=(profile("RP"),),
    )
    # Saturday 23:59:30 for 60 s: not cut at midnight, so ceil(60/60) = 1 minute, not 2
    result = rated(t, call("60", "2024-03-09T23:59:30+00:00"))
    assert (len(result.spans), result.cost) == (1, D("0.6000"))


def test_a_zero_usage_event_still_needs_a_rate() -> None:
    assert error(PROFILES, call("0", destination="3314")) == "unauthorized_destination"


# -- the tariff's wall clock ----------------------------------------------------------------


def berlin(*bands_and_plan: object) -> Tariff:
    return tariff(
        destinations={"DE": ("49",)},
        rates=RATES,
        bindings=BINDINGS,
        bands=(band("DAY", "00:00:00"), band("NIGHT", "02:30:00"), band("PEAK", "08:00:00")),
        plans=(
            plan("RP_PEAK", ("DR_DE_ONE", "DAY", "10"), ("DR_DE_TWO", "PEAK", "10")),
            plan("RP_NIGHT", ("DR_DE_ONE", "DAY", "10"), ("DR_DE_TWO", "NIGHT", "20")),
        ),
        profiles=(profile("RP_PEAK", "peak"), profile("RP_NIGHT", "night")),
        time_zone="Europe/Berlin",
    )


def test_bands_are_read_on_the_tariffs_wall_clock_summer_and_winter() -> None:
    t = berlin()
    # 06:30 UTC is 08:30 in Berlin in July (CEST, +2) but 07:30 in January (CET, +1)
    july = rated(t, call("60", "2024-07-01T06:30:00+00:00", subject="peak"))
    january = rated(t, call("60", "2024-01-08T06:30:00+00:00", subject="peak"))
    assert (july.time_bands, january.time_bands) == (("PEAK",), ("DAY",))


def test_a_call_across_the_autumn_change_meets_02_30_twice() -> None:
    # Sunday 2024-10-27: at 01:00 UTC Berlin goes from 03:00 CEST back to 02:00 CET.
    # Call from 00:20 UTC (02:20 CEST) for 80 minutes, NIGHT (from 02:30, weight 20) at 2 a
    # minute over DAY at 1:
    #   00:20-00:30 UTC  02:20-02:30 CEST  DAY    10 min × 1 = 10
    #   00:30-01:00 UTC  02:30-03:00 CEST  NIGHT  30 min × 2 = 60
    #   01:00-01:30 UTC  02:00-02:30 CET   DAY    30 min × 1 = 30
    #   01:30-01:40 UTC  02:30-02:40 CET   NIGHT  10 min × 2 = 20   total 120
    result = rated(berlin(), call("4800", "2024-10-27T00:20:00+00:00", subject="night"))
    assert [(s.time_band, s.usage) for s in result.spans] == [
        ("DAY", D(600)),
        ("NIGHT", D(1800)),
        ("DAY", D(1800)),
        ("NIGHT", D(600)),
    ]
    assert result.cost == D("120.0000")


def test_a_band_starting_in_the_spring_gap_starts_at_the_change() -> None:
    # Sunday 2024-03-31: at 01:00 UTC Berlin jumps from 02:00 CET to 03:00 CEST, so 02:30
    # never happens and NIGHT (from 02:30) is active from the jump on.
    # 00:50 UTC (01:50 CET) for 20 minutes: 10 min DAY × 1 + 10 min NIGHT × 2 = 30
    result = rated(berlin(), call("1200", "2024-03-31T00:50:00+00:00", subject="night"))
    assert [(s.time_band, s.usage) for s in result.spans] == [("DAY", D(600)), ("NIGHT", D(600))]
    assert result.cost == D("30.0000")


def test_an_event_in_another_offset_is_converted_not_relabelled() -> None:
    # 09:30 in New York (EST, -5) is 15:30 in Berlin: peak
    result = rated(berlin(), call("60", "2024-01-08T09:30:00-05:00", subject="peak"))
    assert result.time_bands == ("PEAK",)


def test_sms_are_priced_per_event() -> None:
    t = tariff(
        destinations={},
        rates=(rate("RT_SMS", ("0", "0.01", "1", "1")),),
        bindings=(group("DR_SMS", binding(ANY, "RT_SMS", decimals=2)),),
        plans=(plan("RP_SMS", ("DR_SMS", ANY, "10")),),
        profiles=(profile("RP_SMS", category="sms"),),
    )
    # a 3-part SMS: 3 events × 0.01
    result = rated(t, call("3", category="sms", unit=UsageUnit.EVENTS))
    assert (result.cost, result.billed_usage) == (D("0.03"), D(3))


# -- refused input -------------------------------------------------------------------------


def test_an_event_with_a_naive_start_or_a_float_usage_is_refused() -> None:
    bad = UsageEvent(
        tenant="default",
        category="call",
        subject="1001",
        destination="49",
        start=dt.datetime(2024, 1, 1),  # noqa: DTZ001 — the point of the test
        usage=1.5,  # type: ignore[arg-type]
        unit=UsageUnit.SECONDS,
    )
    with pytest.raises(ValidationError) as caught:
        rate_event(PROFILES, bad)
    assert {e.field for e in caught.value.errors} == {"start", "usage"}


def test_an_inconsistent_tariff_is_refused_with_every_problem() -> None:
    t = tariff(
        destinations={"DE": ()},
        rates=(rate("R", ("5", "-1", "60", "60")),),
        bindings=(group("DR", binding("FR", "NOPE", decimals=20)),),
        plans=(plan("RP", ("DR", "NEVER", "10")),),
        profiles=(profile("RP_MISSING"),),
        time_zone="Mars/Olympus",
        currency="EUX",
    )
    with pytest.raises(ValidationError) as caught:
        rate_event(t, call("60"))
    assert {e.field for e in caught.value.errors} == {
        "time_zone",
        "currency",
        "destinations[0].prefixes",
        "rates[0].groups[0].interval_start",
        "rates[0].groups[0].price",
        "destination_rates[0].entries[0].destination",
        "destination_rates[0].entries[0].rate",
        "destination_rates[0].entries[0].rounding_decimals",
        "rating_plans[0].entries[0].time_band",
        "profiles[0].rating_plan",
    }
