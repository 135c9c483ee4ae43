"""Importing CGRateS tariff-plan folders: the fixture decks in tests/fixtures/cgrates (written
for tarifa in the shape of CGRateS's tutorial plans) rated with costs computed by hand from the
documented semantics, and every kind of bad line reported with its file, line and column.

Imported tariffs round each increment's cost to 5 decimals, half-up, as CGRateS does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tarifa.errors import ValidationError
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
from tarifa.rating.cgrates import read_cgrates

D = Decimal
FIXTURES = Path(__file__).parents[2] / "fixtures" / "cgrates"
RETAIL = read_cgrates(FIXTURES / "retail", currency="EUR")
VOIP = read_cgrates(FIXTURES / "voip", currency="USD", tenant="voip")
MONDAY_10 = "2024-03-04T10:00:00+00:00"


def event(
    subject: str,
    destination: str,
    usage: str,
    start: str = MONDAY_10,
    *,
    category: str = "call",
    unit: UsageUnit = UsageUnit.SECONDS,
    tenant: str = "default",
) -> UsageEvent:
    return UsageEvent(
        tenant=tenant,
        category=category,
        subject=subject,
        destination=destination,
        start=dt.datetime.fromisoformat(start),
        usage=D(usage),
        unit=unit,
    )


def rated(t: Tariff, e: UsageEvent) -> RatedEvent:
    result = rate_event(t, e)
    assert isinstance(result, RatedEvent), result
    return result


# -- what the import reads -----------------------------------------------------------------


def test_the_retail_deck_reads_into_one_tariff_with_cgrates_increment_rounding() -> None:
    assert (RETAIL.code, RETAIL.currency, RETAIL.time_zone) == ("retail", "EUR", "UTC")
    assert RETAIL.increment_decimals == 5
    rt = RETAIL.rate("RT_10CNT")
    assert rt.connect_fee == D("0.2")  # the first group's; the second line says 0
    assert [(g.interval_start, g.price, g.rate_unit, g.increment) for g in rt.groups] == [
        (D(0), D("0.1"), D(60), D(60)),
        (D(60), D("0.05"), D(60), D(1)),
    ]
    # bare integers are plain units: 1 SMS, 1 MiB of 1024-byte increments
    assert RETAIL.rate("RT_SMS").groups[0].rate_unit == D(1)
    assert RETAIL.rate("RT_DATA").groups[0].rate_unit == D(1048576)
    assert RETAIL.rate("RT_US_PREMIUM").groups[0].increment == D(60)  # "1m"
    assert RETAIL.destination("DST_DE_MOBILE").prefixes == ("49151", "49160")  # "+" dropped


def test_destination_rates_keep_rounding_and_max_cost() -> None:
    free = RETAIL.destination_rates_of("DR_1007_MAXCOST_FREE").entries[0]
    plain = RETAIL.destination_rates_of("DR_1002_20CNT").entries[0]
    middle = RETAIL.destination_rates_of("DR_WORLD").entries[2]
    assert (free.max_cost, free.max_cost_strategy) == (D("0.62"), MaxCostStrategy.FREE)
    assert (plain.max_cost, plain.max_cost_strategy) == (None, None)  # MaxCost 0: no cap
    assert (middle.rounding_method, middle.rounding_decimals) == (RoundingMethod.HALF_UP, 4)


def test_only_timings_a_rating_plan_uses_are_imported() -> None:
    # ASAP (*asap, for action plans) is skipped; *any is built in
    assert [b.code for b in RETAIL.time_bands] == [
        "PEAK",
        "OFFPEAK_MORNING",
        "OFFPEAK_EVENING",
        "OFFPEAK_WEEKEND",
        "ALWAYS",
    ]
    peak = RETAIL.time_band("PEAK")
    assert (peak.weekdays, peak.start_time, peak.months) == ((1, 2, 3, 4, 5), dt.time(8), ())


def test_profiles_go_to_the_given_tenant_with_their_fallback_subjects() -> None:
    first = RETAIL.profiles[0]
    assert (first.tenant, first.subject, first.fallback_subjects) == ("default", "1001", ("world",))
    assert first.activation == dt.datetime(2014, 1, 14, tzinfo=dt.UTC)
    gold = next(p for p in VOIP.profiles if p.subject == "gold")
    assert gold.fallback_subjects == ("nobody", "us_routes")  # ";"-separated


# -- retail deck: costs computed by hand --------------------------------------------------


def test_peak_call_with_30_then_10_second_blocks() -> None:
    # 1001 → 1002123: RP_RETAIL1's longest prefix is DST_FS "10"; Monday 10:00 is PEAK
    # (08:00 beats 00:00 at equal weight) → RT_40CNT, 90 s:
    #   connect 0.8; [0,60) 2 × 30 s × 0.4/60 = 2 × 0.2 = 0.4;
    #   [60,90) 3 × 10 s at 0.2/60 → one increment 0.0333… → 0.03333 (5 decimals) → 0.09999
    #   0.8 + 0.4 + 0.09999 = 1.29999 → *up 4 → 1.3000
    result = rated(RETAIL, event("1001", "1002123", "90"))
    assert (result.prefix, result.destination) == ("10", "DST_FS")
    assert (result.precise_cost, result.cost) == (D("1.29999"), D("1.3000"))


def test_a_call_from_07_59_30_is_split_into_off_peak_and_peak() -> None:
    # 1002 → 1002 (DST_1002 "1002" beats DST_FS "10"), Monday 07:59:30, 90 s:
    #   [0,30)  OFFPEAK_MORNING RT_10CNT group 0: 1 × 60 s × 0.1/60 = 0.1
    #   [30,60) PEAK RT_20CNT group 0: 1 × 60 s × 0.2/60 = 0.2
    #   [60,90) PEAK RT_20CNT group 1: 30 × round5(0.1/60 = 0.001666…) = 30 × 0.00167 = 0.0501
    #   + connect fee of the rate at the start (RT_10CNT) 0.2 = 0.5501
    result = rated(RETAIL, event("1002", "1002", "90", "2024-03-04T07:59:30+00:00"))
    assert result.time_bands == ("OFFPEAK_MORNING", "PEAK")
    assert [s.cost for s in result.spans] == [D("0.1"), D("0.2"), D("0.0501")]
    assert result.cost == D("0.5501")


@pytest.mark.parametrize(
    ("subject", "cost"),
    [("1001", "1.2000"), ("1002", "0.6200")],  # 120 × 0.01 = 1.20; *free caps at 0.62
)
def test_max_cost_disconnect_and_free(subject: str, cost: str) -> None:
    # RP_RETAIL1 binds 1007 with *disconnect, RP_RETAIL2 with *free; both max cost 0.62
    assert rated(RETAIL, event(subject, "1007", "120")).cost == D(cost)


def test_fallback_subject_prices_what_the_plan_does_not() -> None:
    # RP_RETAIL1 has no German rate → fallback subject "world" (RP_WORLD), RT_DE 30/6, *middle:
    # 0.006 × 30/60 = 0.003, then ceil(45/6) = 8 × 0.0006 = 0.0048 → 0.0078
    result = rated(RETAIL, event("1001", "4930123456", "75"))
    assert (result.subject, result.rating_plan, result.cost) == ("world", "RP_WORLD", D("0.0078"))


def test_per_increment_rounding_gives_0_1749_and_a_final_0_18() -> None:
    # CGRateS #260 in our deck: Spanish mobile, connect 0.15, 0.05 a minute per second, 30 s:
    # round5(0.05/60 = 0.000833…) = 0.00083; 30 × 0.00083 = 0.0249; 0.15 + 0.0249 = 0.1749;
    # *up 2 → 0.18 (never 0.174)
    result = rated(RETAIL, event("1001", "34612345678", "30"))
    assert (result.precise_cost, result.cost) == (D("0.1749"), D("0.18"))
    # German mobile, same price, no connect fee: 0.0249 → *up 2 → 0.03
    assert rated(RETAIL, event("1001", "+4915112345", "30")).cost == D("0.03")


def test_the_longer_premium_prefix_beats_the_cheap_country_prefix() -> None:
    # 1 at 0.01 a minute, 1900 at 0.20: price never decides the match
    premium = rated(RETAIL, event("1001", "19005550100", "60"))
    plain = rated(RETAIL, event("1001", "12125550100", "60"))
    assert (premium.prefix, premium.cost) == ("1900", D("0.2000"))
    assert (plain.prefix, plain.cost) == ("1", D("0.0100"))


def test_zero_duration_costs_nothing() -> None:
    result = rated(RETAIL, event("1001", "1002123", "0"))
    assert (result.cost, result.spans) == (D("0.0000"), ())


def test_any_profile_rates_an_unknown_subject() -> None:
    # 5555 has no profile → *any → RP_RETAIL2; Saturday: OFFPEAK_WEEKEND, RT_10CNT:
    # connect 0.2 + 1 × 0.1 = 0.3
    result = rated(RETAIL, event("5555", "1002", "60", "2024-03-09T10:00:00+00:00"))
    assert (result.subject, result.time_bands, result.cost) == (
        ANY,
        ("OFFPEAK_WEEKEND",),
        D("0.3000"),
    )


def test_sms_and_data_in_plain_units() -> None:
    sms = rated(RETAIL, event("1001", "4915112345", "1", category="sms", unit=UsageUnit.EVENTS))
    assert sms.cost == D("0.01")  # 1 × 0.01
    # 5,000,000 bytes: ceil(5,000,000 / 1024) = 4883 increments; one costs
    # 0.01 × 1024 / 1048576 = 0.000009765625 → round5 → 0.00001; 4883 × 0.00001 = 0.04883
    # → *up 4 → 0.0489 (CGRateS's rounding; exact it would be 0.0477)
    data = rated(RETAIL, event("1001", "apn", "5000000", category="data", unit=UsageUnit.BYTES))
    assert (data.billed_usage, data.precise_cost, data.cost) == (
        D(4883 * 1024),
        D("0.04883"),
        D("0.0489"),
    )


def test_a_destination_no_plan_prices_is_unauthorized() -> None:
    result = rate_event(RETAIL, event("1002", "4930123456", "60"))
    assert isinstance(result, RatingError)
    assert result.code == "unauthorized_destination"


def test_bands_are_read_in_the_time_zone_given_to_the_import() -> None:
    # Monday 2024-01-08 07:30 UTC is 08:30 in Berlin: PEAK there (RT_40CNT: 0.8 + 2 × 0.2),
    # off-peak in UTC (RT_10CNT: 0.2 + 0.1)
    berlin = read_cgrates(FIXTURES / "retail", currency="EUR", time_zone="Europe/Berlin")
    call = event("1001", "1002123", "60", "2024-01-08T07:30:00+00:00")
    assert rated(berlin, call).cost == D("1.2000")
    assert rated(RETAIL, call).cost == D("0.3000")


# -- VoIP deck: the newer spellings ----------------------------------------------------------


def voip(subject: str, destination: str, usage: str, start: str = MONDAY_10) -> UsageEvent:
    return event(subject, destination, usage, start, tenant="voip")


@pytest.mark.parametrize(
    ("destination", "usage", "cost"),
    [
        ("441632960000", "61", "0.0240"),  # 60/60: ceil(61/60) = 2 × 0.012
        ("447700900123", "32", "0.0270"),  # 30/6: 0.045 × 30/60 = 0.0225 + 1 × 0.0045
        ("447700900123", "0", "0.0000"),  # zero duration
        ("33123456789", "45.5", "0.0192"),  # 1/1: 0.01 + ceil(45.5) = 46 × 0.0002 = 0.0192
        ("33612345678", "61", "0.18"),  # 60/60, *down 2: 2 × 0.09
        ("33712345678", "1", "0.09"),  # the second prefix of DST_FR_MOBILE
    ],
)
def test_voip_schemes(destination: str, usage: str, cost: str) -> None:
    assert rated(VOIP, voip("anyone", destination, usage)).cost == D(cost)


def test_fallbacks_skip_a_subject_without_a_profile() -> None:
    # gold → RP_STANDARD (no US) → "nobody" (no profile) → us_routes (RP_US, 0.006 a minute per
    # second): 100 × round5(0.006/60 = 0.0001) = 0.01
    result = rated(VOIP, voip("gold", "12125550100", "100"))
    assert (result.subject, result.cost) == ("us_routes", D("0.0100"))


def test_a_scheduled_price_change_applies_from_its_activation() -> None:
    # RP_2026 from 2026-01-01T00:00:00+01:00 = 2025-12-31T23:00:00Z: UK 0.012 → 0.010 a minute
    before = rated(VOIP, voip("anyone", "441632960000", "60", "2025-12-31T22:59:59+00:00"))
    after = rated(VOIP, voip("anyone", "441632960000", "60", "2025-12-31T23:00:00+00:00"))
    assert (before.cost, after.cost) == (D("0.0120"), D("0.0100"))
    # RP_2026 dropped France; its fallback us_routes has none either
    france = rate_event(VOIP, voip("anyone", "33123456789", "60", "2026-02-01T10:00:00+00:00"))
    assert isinstance(france, RatingError)


def test_deck_tenant_keeps_the_rows_of_one_deck_tenant() -> None:
    none = read_cgrates(FIXTURES / "voip", currency="USD", deck_tenant="cgrates.org")
    assert none.profiles == ()


# -- bad decks -----------------------------------------------------------------------------

GOOD = {
    "Destinations.csv": "#Id,Prefix\nDST_DE,49\n",
    "Rates.csv": "#Id,ConnectFee,Rate,RateUnit,RateIncrement,GroupIntervalStart\n"
    "RT,0,0.1,60s,60s,0s\n",
    "DestinationRates.csv": "#Id,DestinationId,RatesTag,RoundingMethod,RoundingDecimals,"
    "MaxCost,MaxCostStrategy\nDR,DST_DE,RT,*up,4,0,\n",
    "Timings.csv": "#Tag,Years,Months,MonthDays,WeekDays,Time\n"
    "WORK,*any,*any,*any,1;2;3;4;5,08:00:00\n",
    "RatingPlans.csv": "#Id,DestinationRatesId,TimingTag,Weight\nRP,DR,WORK,10\n",
    "RatingProfiles.csv": "#Tenant,Category,Subject,ActivationTime,RatingPlanId,"
    "RatesFallbackSubject\ncgrates.org,call,*any,2024-01-01T00:00:00Z,RP,\n",
}


def deck(tmp_path: Path, **files: str) -> Path:
    for name, text in {**GOOD, **{f"{k}.csv": v for k, v in files.items()}}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def problems(folder: Path, **options: str) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        read_cgrates(folder, currency=options.pop("currency", "EUR"), **options)
    return {e.field: e.reason for e in caught.value.errors}


def test_the_minimal_good_deck_reads(tmp_path: Path) -> None:
    t = read_cgrates(deck(tmp_path), currency="EUR", code="mini")
    assert (t.code, [p.code for p in t.rating_plans]) == ("mini", ["RP"])


def test_every_bad_line_is_reported_with_file_line_and_column(tmp_path: Path) -> None:
    folder = deck(
        tmp_path,
        Rates="#Id,ConnectFee,Rate,RateUnit,RateIncrement,GroupIntervalStart\n"
        "RT,0,0.1,60s,60s,0s\n"
        "RT,0,-0.1,sixty,60s,60s\n"
        "RT,0,0.1,60s,1s,0s\n"
        "RT2,0,0.1,60s\n",
        DestinationRates="#Id,DestinationId,RatesTag,RoundingMethod,RoundingDecimals,MaxCost,"
        "MaxCostStrategy\nDR,DST_DE,RT,*round,x,0.5,*maybe\n",
        Timings="#Tag,Years,Months,MonthDays,WeekDays,Time\nWORK,*any,*any,*any,mon,8am\n",
        RatingProfiles="#Tenant,Category,Subject,ActivationTime,RatingPlanId\n"
        "cgrates.org,call,*any,yesterday,RP\n",
    )
    assert problems(folder) == {
        "Rates.csv:3:Rate": "must not be negative",
        "Rates.csv:3:RateUnit": "'sixty': give a Go duration (60s, 1m, 100ms) or a whole number",
        "Rates.csv:4:GroupIntervalStart": "the rate already has a group starting here",
        "Rates.csv:5": "has 4 columns, needs at least 6",
        "DestinationRates.csv:2:RoundingMethod": "must be *up, *middle or *down",
        "DestinationRates.csv:2:RoundingDecimals": "'x': give a whole number of decimals",
        "DestinationRates.csv:2:MaxCostStrategy": "must be *free, *disconnect or empty",
        "Timings.csv:2:WeekDays": "'mon': give whole numbers separated by ';' or *any",
        "Timings.csv:2:Time": "'8am' is not a time of day (hh:mm:ss)",
        "RatingProfiles.csv:2:ActivationTime": "'yesterday' is not an RFC 3339 time",
    }


def test_references_and_meanings_are_reported_at_their_lines(tmp_path: Path) -> None:
    folder = deck(
        tmp_path,
        Rates="#Id,ConnectFee,Rate,RateUnit,RateIncrement,GroupIntervalStart\n"
        "RT,0,0.1,60s,60s,30s\n",
        DestinationRates="#Id,DestinationId,RatesTag,RoundingMethod,RoundingDecimals,MaxCost,"
        "MaxCostStrategy\nDR,DST_FR,RT,*up,4,0,\nDR,DST_DE,RT_NONE,*up,4,0,\n",
        RatingPlans="#Id,DestinationRatesId,TimingTag,Weight\nRP,DR,NIGHT,10\n",
    )
    assert problems(folder, time_zone="Mars/Base") == {
        "time_zone": "'Mars/Base' is not an IANA time zone (Europe/Berlin)",
        "Rates.csv:2:GroupIntervalStart": "the first rate group starts at 0",
        "DestinationRates.csv:2:DestinationsID": "no destination 'DST_FR'",
        "DestinationRates.csv:3:RatesID": "no rate 'RT_NONE'",
        "RatingPlans.csv:2:TimingID": "no time band 'NIGHT'",
    }


def test_a_header_naming_other_columns_is_refused(tmp_path: Path) -> None:
    folder = deck(
        tmp_path,
        Rates="#Id,Rate,ConnectFee,RateUnit,RateIncrement,GroupIntervalStart\nRT,0,0.1,60s,60s,0s\n",
    )
    found = problems(folder)
    assert found["Rates.csv:1:Rate"].startswith("column 2 of Rates.csv is ConnectFee")


def test_a_missing_file_and_an_end_time_are_refused(tmp_path: Path) -> None:
    folder = deck(
        tmp_path,
        Timings="#Tag,Years,Months,MonthDays,WeekDays,Time\nWORK,*any,*any,*any,*any,08:00;18:00\n",
    )
    (folder / "Destinations.csv").unlink()
    found = problems(folder)
    assert found["Destinations.csv"] == "missing: a CGRateS tariff plan needs this file"
    assert found["Timings.csv:2:Time"].startswith("an end time is not supported")


def test_older_and_newer_layouts_read_alike(tmp_path: Path) -> None:
    # the Direction column of old RatingProfiles.csv, uncommented headers, the newer names
    folder = deck(
        tmp_path,
        Destinations="ID,Prefix\nDST_DE,49\n",
        RatingPlans="#ID,DestinationRatesID,TimingID,Weight\nRP,DR,WORK,10\n",
        RatingProfiles="#Direction,Tenant,Category,Subject,ActivationTime,RatingPlanTag,"
        "RatesFallbackSubject,CdrStatQueueIds\n*out,cgrates.org,call,*any,2024-01-01T00:00:00Z,"
        "RP,,\n",
    )
    t = read_cgrates(folder, currency="EUR")
    assert [d.code for d in t.destinations] == ["DST_DE"]
    assert (t.profiles[0].subject, t.profiles[0].rating_plan) == (ANY, "RP")


def test_an_activation_without_offset_is_read_in_the_tariffs_zone(tmp_path: Path) -> None:
    folder = deck(
        tmp_path,
        RatingProfiles="cgrates.org,call,*any,2024-01-01T00:00:00,RP,\n",
    )
    t = read_cgrates(folder, currency="EUR", time_zone="Europe/Berlin")
    assert t.profiles[0].activation == dt.datetime(2023, 12, 31, 23, tzinfo=dt.UTC)
