"""tarifa's YAML tariff file: the mobile example priced by hand, every shape and meaning problem
with its path, and an export that reads back as the same tariff."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tarifa.errors import ValidationError
from tarifa.rating import RatedEvent, Tariff, UsageEvent, UsageUnit, rate_event
from tarifa.rating.cgrates import read_cgrates
from tarifa.rating.document import read_tariff, tariff_to_document, tariff_to_yaml

D = Decimal
ROOT = Path(__file__).parents[3]
MOBILE = read_tariff(ROOT / "examples" / "tariffs" / "mobile.yaml")
MONDAY = "2026-03-02T09:15:00+01:00"


def event(
    destination: str,
    usage: str,
    start: str = MONDAY,
    *,
    subject: str = "4915199999",
    category: str = "call",
    unit: UsageUnit = UsageUnit.SECONDS,
) -> UsageEvent:
    return UsageEvent(
        tenant="default",
        category=category,
        subject=subject,
        destination=destination,
        start=dt.datetime.fromisoformat(start),
        usage=D(usage),
        unit=unit,
    )


def cost(e: UsageEvent, t: Tariff = MOBILE) -> Decimal:
    result = rate_event(t, e)
    assert isinstance(result, RatedEvent), result
    return result.cost


# -- the mobile example --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("e", "expected"),
    [
        # 60/1 national at peak (Monday 09:15 Berlin): 0.09 + 70 × 0.09/60 = 0.09 + 0.105
        (event("4930123456", "130"), "0.1950"),
        # mobile from 07:59:30: 30 s off-peak (one whole minute 0.09), then peak: the rest of
        # the first minute whole (0.19) and 30 s at 0.19/60 (0.095) → 0.375
        (event("4915112345", "90", "2026-03-02T07:59:30+01:00"), "0.3750"),
        # the same call on a Saturday: one band, 0.05 + 30 × 0.05/60 = 0.075
        (event("4915112345", "90", "2026-03-07T07:59:30+01:00"), "0.0750"),
        # Christmas Day (a Friday) is priced as the weekend: weight 20 beats PEAK
        (event("4930123456", "60", "2026-12-25T10:00:00+01:00"), "0.0200"),
        # on-net (49176 is longer than 4917): 0.01
        (event("4917612345", "60"), "0.0100"),
        # EU 60/1 with a connect fee: 0.05 + 0.29 + 15 × 0.29/60 = 0.4125
        (event("33142000000", "75"), "0.4125"),
        # world 60/60 with connect fee: 0.10 + 2 × 0.99
        (event("12125550100", "61"), "2.0800"),
        # emergency and voicemail are free
        (event("112", "300"), "0.0000"),
        (event("voicemail", "45"), "0.0000"),
        # premium: disconnect strategy does not cap: 20 × 1.99 = 39.80
        (event("4990012345", "1200"), "39.8000"),
        # SMS: 0.09 national, EU as national, 0.19 world
        (event("4915112345", "1", category="sms", unit=UsageUnit.EVENTS), "0.09"),
        (event("33612345678", "2", category="sms", unit=UsageUnit.EVENTS), "0.18"),
        (event("12125550100", "1", category="sms", unit=UsageUnit.EVENTS), "0.19"),
        # data 1 MiB at 05:59 (night, and never split): ceil(1048576/10240) = 103 blocks ×
        # 0.245 × 10240/1048576 = 0.246435546875 → up 4 → 0.2465; by day at 0.49:
        # 103 × 0.00478515625 = 0.49287109375 → 0.4929
        (
            event(
                "internet",
                "1048576",
                "2026-03-02T05:59:00+01:00",
                category="data",
                unit=UsageUnit.BYTES,
            ),
            "0.2465",
        ),
        (event("internet", "1048576", category="data", unit=UsageUnit.BYTES), "0.4929"),
        # video 1/1 at 0.12 a minute: 61 s × 0.002 = 0.122
        (event("4930123456", "61", category="video"), "0.1220"),
    ],
)
def test_the_mobile_example_prices_by_hand(e: UsageEvent, expected: str) -> None:
    assert cost(e) == D(expected)


def test_business_lines_fall_back_to_the_consumer_plan() -> None:
    # national flat: 130 × 0.05/60 = 0.108333… → half-up 4 → 0.1083
    assert cost(event("4930123456", "130", subject="business")) == D("0.1083")
    # EU capped at 5.00 (free strategy): 0.05 + 0.29 + 1140 × 0.29/60 = 5.85 → 5.00
    assert cost(event("33142000000", "1200", subject="business")) == D("5.0000")
    # world is not in the business plan: the fallback subject *any prices it
    world = rate_event(MOBILE, event("12125550100", "61", subject="business"))
    assert isinstance(world, RatedEvent)
    assert (world.subject, world.rating_plan, world.cost) == ("*any", "consumer-voice", D("2.08"))


# -- export and round trip -----------------------------------------------------------------


@pytest.mark.parametrize(
    "tariff",
    [
        MOBILE,
        read_cgrates(ROOT / "tests" / "fixtures" / "cgrates" / "retail", currency="EUR"),
        read_cgrates(ROOT / "tests" / "fixtures" / "cgrates" / "voip", currency="USD"),
    ],
    ids=["mobile", "cgrates-retail", "cgrates-voip"],
)
def test_an_exported_tariff_reads_back_the_same(tariff: Tariff) -> None:
    assert read_tariff(tariff_to_yaml(tariff)) == tariff


def test_the_export_writes_numbers_as_strings() -> None:
    document = tariff_to_document(MOBILE)
    eu = next(r for r in document["rates"] if r["code"] == "EU")
    assert eu["connect_fee"] == "0.05"
    assert eu["groups"][1] == {
        "interval_start": "60",
        "price": "0.29",
        "rate_unit": "60",
        "increment": "1",
    }


# -- problems, each with its path ----------------------------------------------------------

MINIMAL = """
code: t
currency: EUR
destinations: [{code: DE, prefixes: ["49"]}]
rates:
  - code: R
    groups: [{interval_start: "0s", price: "0.10", rate_unit: "1m", increment: "1s"}]
destination_rates:
  - code: DR
    rounding_method: up
    rounding_decimals: 4
    entries: [{destination: DE, rate: R}]
time_bands: [{code: PEAK, weekdays: [1, 2, 3, 4, 5], start_time: "08:00"}]
rating_plans: [{code: RP, entries: [{destination_rates: DR, time_band: PEAK, weight: "10"}]}]
profiles:
  - {category: call, subject: "*any", activation: "2026-01-01T00:00:00+01:00", rating_plan: RP}
"""


def problems(text: str) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        read_tariff(text)
    return {e.field: e.reason for e in caught.value.errors}


def test_the_minimal_tariff_reads_with_durations_in_seconds() -> None:
    t = read_tariff(MINIMAL)
    group = t.rate("R").groups[0]
    assert (group.rate_unit, group.increment, t.time_band("PEAK").start_time) == (
        D(60),
        D(1),
        dt.time(8),
    )


def test_shape_problems_are_reported_with_their_paths() -> None:
    text = (
        MINIMAL.replace('price: "0.10"', "price: 0.10")
        .replace('increment: "1s"', 'increment: "1 second"')
        .replace('start_time: "08:00"', "start_time: 18:00")
        .replace("rounding_decimals: 4", "rounding_decimals: 4\n    colour: red")
        .replace("+01:00", "")
    )
    assert problems(text) == {
        "rates[0].groups[0].price": (
            'write numbers as strings (e.g. "0.05"): this one was read as a binary float, '
            "which is never exactly what was written"
        ),
        "rates[0].groups[0].increment": (
            '\'1 second\': a Go duration ("60s", "1m30s", "100ms") or a plain number of '
            'units ("1024"); not negative'
        ),
        "time_bands[0].start_time": 'quote times of day ("18:00"): YAML read this one as a number',
        "destination_rates[0].colour": "unknown field",
        "profiles[0].activation": (
            "must carry an offset (+01:00 or Z): a bare local time is ambiguous"
        ),
    }


def test_meaning_problems_are_reported_with_their_paths() -> None:
    text = (
        MINIMAL.replace("    rounding_method: up\n", "")
        .replace('interval_start: "0s"', 'interval_start: "5s"')
        .replace("rate: R}", "rate: R2}")
        .replace("time_band: PEAK", "time_band: NIGHT")
        .replace("weekdays: [1, 2, 3, 4, 5]", "weekdays: [1, 8]")
        .replace("currency: EUR", "currency: EUX")
    )
    assert problems(text) == {
        "currency": "'EUX' is not an ISO 4217 currency code",
        "destination_rates[0].entries[0].rounding_method": "required here or on the group",
        "rates[0].groups[0].interval_start": "the first rate group starts at 0",
        "destination_rates[0].entries[0].rate": "no rate 'R2'",
        "time_bands[0].weekdays[1]": "must be between 0 and 7",
        "rating_plans[0].entries[0].time_band": "no time band 'NIGHT'",
    }


def test_a_key_given_twice_is_refused() -> None:
    found = problems(MINIMAL.replace("currency: EUR", "currency: EUR\ncurrency: USD"))
    assert list(found) == ["file"]
    assert "given twice" in found["file"]


def test_an_unreadable_file_is_reported(tmp_path: Path) -> None:
    assert "cannot read" in problems_of_path(tmp_path / "missing.yaml")["file"]


def problems_of_path(path: Path) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        read_tariff(path)
    return {e.field: e.reason for e in caught.value.errors}
