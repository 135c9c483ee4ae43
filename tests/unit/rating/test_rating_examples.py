"""The example tariffs in examples/tariffs: the generated VoIP carrier deck is what its script
writes, imports cleanly and prices 30/6 and 60/60 calls as its own rates say."""

from __future__ import annotations

import datetime as dt
import importlib.util
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType

import pytest

from tarifa.rating import RatedEvent, UsageEvent, UsageUnit, rate_event
from tarifa.rating.cgrates import read_cgrates

D = Decimal
EXAMPLES = Path(__file__).parents[3] / "examples" / "tariffs"
DECK = read_cgrates(EXAMPLES / "voip-carrier", currency="USD", tenant="voip")


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_voip_deck", EXAMPLES / "make_voip_deck.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_deck_is_what_the_script_writes(tmp_path: Path) -> None:
    maker = script()
    maker.write(maker.build(None), tmp_path)
    for path in sorted((EXAMPLES / "voip-carrier").glob("*.csv")):
        assert (tmp_path / path.name).read_text() == path.read_text(), path.name


def test_the_deck_has_a_few_thousand_prefixes_in_both_schemes() -> None:
    prefixes = sum(len(d.prefixes) for d in DECK.destinations)
    assert 2000 <= prefixes <= 10000
    increments = {tuple(g.increment for g in r.groups) for r in DECK.rates}
    assert increments == {(D(30), D(6)), (D(60),)}


def call(destination: str, usage: str, subject: str = "anyone") -> RatedEvent:
    result = rate_event(
        DECK,
        UsageEvent(
            tenant="voip",
            category="call",
            subject=subject,
            destination=destination,
            start=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC),
            usage=D(usage),
            unit=UsageUnit.SECONDS,
        ),
    )
    assert isinstance(result, RatedEvent), result
    return result


def increment_cost(price: Decimal, seconds: int) -> Decimal:
    """One increment as CGRateS prices it: price × seconds / 60, rounded half-up to 5 places."""
    return (price * seconds / 60).quantize(D("0.00001"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("usage", ["1", "30", "31", "75", "600"])
def test_a_fixed_line_call_is_billed_30_6(usage: str) -> None:
    price = DECK.rate("RT_DE_FIXED_RETAIL").groups[0].price
    seconds = D(usage)
    blocks = max(D(0), (seconds - 30) / 6).to_integral_value(rounding=ROUND_CEILING)
    expected = increment_cost(price, 30) + blocks * increment_cost(price, 6)
    result = call("4930123456", usage)
    assert result.destination == "DST_DE_FIXED"
    assert result.cost == expected.quantize(D("0.0001"), rounding=ROUND_CEILING)


@pytest.mark.parametrize("usage", ["1", "60", "61", "125"])
def test_a_mobile_call_is_billed_60_60(usage: str) -> None:
    mobile = DECK.destination("DST_FR_MOBILE").prefixes[0]
    price = DECK.rate("RT_FR_MOBILE_RETAIL").groups[0].price
    minutes = (D(usage) / 60).to_integral_value(rounding=ROUND_CEILING)
    result = call(mobile + "1234567", usage)
    assert result.destination == "DST_FR_MOBILE"
    assert result.cost == (minutes * increment_cost(price, 60)).quantize(
        D("0.0001"), rounding=ROUND_CEILING
    )


def test_nanp_premium_and_toll_free_beat_the_cheap_country_prefix() -> None:
    # 1900 at 0.45 × 1.35 = 0.6075 a minute, 60/60: 2 minutes = 1.2150
    assert (call("19005550100", "61").prefix, call("19005550100", "61").cost) == (
        "1900",
        D("1.2150"),
    )
    assert call("18005550100", "300").cost == D("0.0000")
    assert call("12125550100", "30").prefix == "1"


def test_the_wholesale_subject_pays_less_than_retail() -> None:
    retail = call("4930123456", "600").cost
    wholesale = call("4930123456", "600", subject="wholesale").cost
    assert wholesale < retail
