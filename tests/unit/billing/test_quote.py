"""Quotes: one billing period of a plan, before tax, line by line (worked by hand below)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tarifa.billing.quote import LineKind, period_end, quote
from tarifa.catalog.model import BillingPeriod
from tarifa.catalog.rules import read_catalog
from tarifa.errors import ValidationError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "catalog"
MOBILE = read_catalog(EXAMPLES / "mobile.yaml")
STREAMING = read_catalog(EXAMPLES / "streaming.yaml")
MARCH = date(2026, 3, 1)
D = Decimal


def amounts(result) -> dict[str, Decimal]:
    return {
        line.applies_to or line.charge or line.kind.value: line.rounded
        for line in result.lines
        if line.kind is not LineKind.DISCOUNT
    }


def test_the_first_month_of_mobile_s_with_usage_beyond_every_bundle() -> None:
    # Version 1 (in force on 2026-03-01), first period: the promotion prices the line at 4.99;
    # activation 5.00; minutes 350 − 200 free = 150 × 0.05 = 7.50; SMS 50 ≤ 100 free = 0;
    # data 7,300 MB − 5,000 free = 2,300 MB → ceil(2,300 / 1,000) = 3 packages × 2.00 = 6.00.
    # Total 4.99 + 5.00 + 7.50 + 0 + 6.00 = 23.49.
    result = quote(
        MOBILE.plan("mobile-s"),
        currency="EUR",
        period_start=MARCH,
        usage={"minutes": "350", "sms": 50, "data_mb": "7300"},
    )
    assert (result.version, result.period_end) == (1, date(2026, 4, 1))
    assert amounts(result) == {
        "line": D("4.99"),
        "activation": D("5.00"),
        "minutes": D("7.50"),
        "sms": D("0"),
        "data": D("6.00"),
    }
    minutes = next(line for line in result.lines if line.charge == "minutes")
    assert (minutes.quantity, minutes.allowance_used, minutes.charged_quantity) == (
        D(350),
        D(200),
        D(150),
    )
    assert result.lines[0].promotion
    assert result.total == D("23.49")


def test_after_the_promotion_the_fourth_month_pays_the_full_fee_and_no_activation() -> None:
    # Period index 3: the 3-period promotion is over (9.99), the one-time fee was charged in
    # the first period only. 9.99 + 7.50 + 0 + 6.00 = 23.49.
    result = quote(
        MOBILE.plan("mobile-s"),
        currency="EUR",
        period_start=date(2026, 6, 1),
        usage={"minutes": "350", "sms": 50, "data_mb": "7300"},
        period_index=3,
    )
    assert amounts(result) == {
        "line": D("9.99"),
        "minutes": D("7.50"),
        "sms": D("0"),
        "data": D("6.00"),
    }
    assert not result.lines[0].promotion


def test_a_period_starting_in_july_is_priced_with_the_version_in_force_then() -> None:
    # Version 2 from 2026-07-01: 11.99 a month and a 10,000 MB bundle, so 7,300 MB is free.
    result = quote(
        MOBILE.plan("mobile-s"),
        currency="EUR",
        period_start=date(2026, 7, 1),
        usage={"data_mb": "7300"},
        period_index=5,
    )
    assert result.version == 2
    assert amounts(result) == {"line": D("11.99"), "minutes": D(0), "sms": D(0), "data": D(0)}


def test_a_percentage_coupon_discounts_every_line_and_rounds_each_once() -> None:
    # WELCOME10 (10 %, invoice-wide) on the first month above: −0.499, −0.50, −0.75, −0.60
    # (the free SMS line gets nothing); rounded half-up −0.50, −0.50, −0.75, −0.60 = −2.35.
    # Total 23.49 − 2.35 = 21.14; precise 23.49 − 2.349 = 21.141.
    result = quote(
        MOBILE.plan("mobile-s"),
        currency="EUR",
        period_start=MARCH,
        usage={"minutes": "350", "sms": 50, "data_mb": "7300"},
        coupon=MOBILE.coupon("WELCOME10"),
    )
    discounts = {line.applies_to: line for line in result.lines if line.kind is LineKind.DISCOUNT}
    assert {k: v.amount for k, v in discounts.items()} == {
        "line": D("-0.499"),
        "activation": D("-0.500"),
        "minutes": D("-0.750"),
        "data": D("-0.600"),
    }
    assert discounts["line"].rounded == D("-0.50")
    assert result.total == D("21.14")
    assert result.precise_total == D("21.141")


def test_a_repeating_coupon_stops_after_its_periods() -> None:
    result = quote(
        MOBILE.plan("mobile-s"),
        currency="EUR",
        period_start=date(2026, 6, 1),
        coupon=MOBILE.coupon("WELCOME10"),
        period_index=3,
    )
    assert not [line for line in result.lines if line.kind is LineKind.DISCOUNT]


def test_a_fixed_charge_coupon_never_takes_its_line_below_zero() -> None:
    # DATA5 takes 5.00 off the data line only. 1,500 MB over the bundle = 2 packages = 4.00,
    # so the discount is 4.00 and the line nets to zero; the other 1.00 is lost.
    result = quote(
        MOBILE.plan("mobile-s"),
        currency="EUR",
        period_start=MARCH,
        usage={"data_mb": "6500"},
        coupon=MOBILE.coupon("DATA5"),
    )
    (discount,) = [line for line in result.lines if line.kind is LineKind.DISCOUNT]
    assert (discount.applies_to, discount.rounded) == ("data", D("-4.00"))
    # 4.99 promotion + 5.00 activation + 4.00 data − 4.00
    assert result.total == D("9.99")


def test_per_seat_volume_pricing_and_graduated_minutes_for_a_business() -> None:
    # 12 seats fall in the second volume tier (9 < 12 ≤ 49): 12 × 12.50 = 150.00.
    # 1,500 minutes graduated: 1,000 × 0.04 + 500 × 0.03 = 40.00 + 15.00 = 55.00.
    # 2.5 GB × 1.50 = 3.75. Total 208.75, above the 50.00 minimum: no true-up.
    result = quote(
        MOBILE.plan("mobile-business"),
        currency="EUR",
        period_start=MARCH,
        usage={"minutes": "1500", "data_gb": "2.5"},
        quantity=12,
    )
    assert amounts(result) == {"seats": D("150.00"), "minutes": D("55.00"), "data": D("3.75")}
    assert result.total == D("208.75")


def test_a_quiet_month_is_trued_up_to_the_minimum_commitment() -> None:
    # One seat at 13.00 GBP and no usage: 13.00 < 45.00, so a true-up line of 32.00.
    result = quote(MOBILE.plan("mobile-business"), currency="GBP", period_start=MARCH)
    assert amounts(result)["minimum_commitment"] == D("32.00")
    assert result.total == D("45.00")


def test_a_marketplace_fee_follows_the_free_limits_then_charges_every_sale() -> None:
    # rate 5 %, fixed 0.30, 10 free sales within 100.00, clamp [0.50, 25]. Sales 5, 20, 30
    # are free (running total 55); 50 takes the total to 105 > 100, so it and every later
    # sale pay: 50 × 5 % + 0.30 = 2.80; 10 × 5 % + 0.30 = 0.80. Fee 3.60.
    # Payouts of 25,000 over graduated percentages: 10,000 × 1 % = 100.00, then
    # 15,000 × 0.5 % = 75.00 plus the second tier's flat fee 20.00. Fee 195.00.
    result = quote(
        STREAMING.plan("creator"),
        currency="USD",
        period_start=MARCH,
        usage={"sales": ["5", "20", "30", "50", "10"], "payout_volume": "25000"},
    )
    assert amounts(result) == {"sales-fee": D("3.60"), "payouts": D("195.00")}


def test_a_tariff_charge_takes_the_rated_cost_of_the_period() -> None:
    result = quote(
        MOBILE.plan("roaming-eu"),
        currency="EUR",
        period_start=MARCH,
        usage={"roaming-calls": "12.345"},
    )
    assert amounts(result) == {"pass": D("4.00"), "roaming-calls": D("12.35")}


def test_instalments_stop_after_their_last_period() -> None:
    plan = MOBILE.plan("phone-x-24")
    assert quote(plan, currency="EUR", period_start=MARCH, period_index=23).total == D("37.46")
    assert quote(plan, currency="EUR", period_start=MARCH, period_index=24).lines == ()


def test_bad_requests_report_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        quote(
            MOBILE.plan("mobile-s"),
            currency="USD",
            period_start=MARCH,
            usage={"minuets": "10"},
            quantity=0,
        )
    assert {e.field for e in caught.value.errors} == {"currency", "usage.minuets", "quantity"}


def test_a_float_usage_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        quote(MOBILE.plan("mobile-s"), currency="EUR", period_start=MARCH, usage={"minutes": 1.5})  # type: ignore[dict-item]
    assert caught.value.errors[0].field == "usage.minutes"


def test_an_expired_coupon_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        quote(
            MOBILE.plan("mobile-s"),
            currency="EUR",
            period_start=date(2027, 1, 1),
            coupon=MOBILE.coupon("WELCOME10"),
        )
    assert "expired" in caught.value.errors[0].reason


def test_a_period_from_the_31st_ends_on_the_last_day_of_a_shorter_month() -> None:
    assert period_end(date(2026, 1, 31), BillingPeriod.MONTHLY) == date(2026, 2, 28)
    assert period_end(date(2026, 11, 30), BillingPeriod.QUARTERLY) == date(2027, 2, 28)
    assert period_end(date(2028, 2, 29), BillingPeriod.YEARLY) == date(2029, 2, 28)
    assert period_end(date(2026, 12, 28), BillingPeriod.WEEKLY) == date(2027, 1, 4)
