"""Coupons: when they can be redeemed and which periods they discount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tarifa.catalog.model import Coupon, Duration


def coupon(**fields: object) -> Coupon:
    return Coupon(code="C", name="C", percentage=Decimal(10), **fields)  # type: ignore[arg-type]


def test_a_coupon_is_redeemable_only_inside_its_window_both_days_included() -> None:
    c = coupon(valid_from=date(2026, 1, 1), valid_until=date(2026, 1, 31))
    assert c.redeemable(date(2026, 1, 1)) is None
    assert c.redeemable(date(2026, 1, 31)) is None
    assert "valid from 2026-01-01" in (c.redeemable(date(2025, 12, 31)) or "")
    assert "expired on 2026-01-31" in (c.redeemable(date(2026, 2, 1)) or "")


def test_a_coupon_stops_at_its_maximum_redemptions() -> None:
    c = coupon(max_redemptions=3)
    assert c.redeemable(date(2026, 1, 1), redeemed=2) is None
    assert "redeemed 3 times" in (c.redeemable(date(2026, 1, 1), redeemed=3) or "")


def test_once_repeating_and_forever_discount_the_right_periods() -> None:
    assert [coupon().applies_in_period(i) for i in range(3)] == [True, False, False]
    repeating = coupon(duration=Duration.REPEATING, periods=2)
    assert [repeating.applies_in_period(i) for i in range(4)] == [True, True, False, False]
    forever = coupon(duration=Duration.FOREVER)
    assert all(forever.applies_in_period(i) for i in (0, 1, 12, 120))
