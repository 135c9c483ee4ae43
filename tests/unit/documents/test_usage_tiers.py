"""The tiers shown under an invoice's usage line are recomputed from the catalog; when they
cannot be (the account's billing day changed since, so the line's period is no longer one
period of its cycle), the line is shown without them instead of failing the document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from tarifa.billing.cycles import Period, cycle
from tarifa.catalog.rules import read_catalog
from tarifa.documents.tiers import usage_tiers
from tarifa.subscriptions import Change, ChangeKind, timeline

CATALOG = read_catalog(Path(__file__).resolve().parents[3] / "examples" / "catalog" / "mobile.yaml")
HISTORY = timeline(
    [Change(kind=ChangeKind.CREATED, effective=dt.date(2026, 3, 1), plan="mobile-business",
            quantity=5)]
)  # fmt: skip
MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))


def _tiers(billing_cycle_day: int) -> tuple[object, ...]:
    return usage_tiers(
        key="usage:minutes",
        quantity=Decimal(1500),
        net=Decimal("55.00"),  # 1000 at 0.04 and 500 at 0.03 (graduated, mobile.yaml)
        subscription_id=1,
        history=HISTORY,
        catalog=CATALOG,
        cycle=cycle("monthly", start=dt.date(2026, 3, 1), billing_cycle_day=billing_cycle_day),
        period=MARCH,
        currency="EUR",
        zone=ZoneInfo("Europe/Berlin"),
    )


def test_a_graduated_usage_line_shows_its_two_tiers() -> None:
    assert len(_tiers(1)) == 2


def test_a_line_whose_period_no_longer_fits_the_cycle_shows_no_tiers() -> None:
    assert _tiers(15) == ()  # 1 March - 1 April spans two periods of a cycle on the 15th
