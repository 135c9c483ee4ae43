"""The catalog's quote and the invoice generator price a period alike: for every plan of the
example catalogs, with usage below, inside and beyond its allowances, in a first and a later
period, with and without a coupon, the quote's lines (kind, charge, rounded amount) are the
draft lines of a subscription that starts on the quoted period's first day (DOMAIN.md: a
quote is what the invoice will say, before tax)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tarifa.billing import cycle
from tarifa.billing.cycles import Period
from tarifa.billing.draft import draft_lines
from tarifa.catalog.model import TRANSACTION_MODELS, Catalog, Charge, ChargeKind, Plan
from tarifa.catalog.quote import quote
from tarifa.catalog.rules import read_catalog
from tarifa.subscriptions import Change, ChangeKind, timeline

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "catalog"
CATALOGS = {p.stem: read_catalog(p) for p in sorted(EXAMPLES.glob("*.yaml"))}
START = dt.date(2026, 3, 1)


def _cases() -> list[tuple[str, str, str, int, int, str | None]]:
    cases = []
    for name, catalog in CATALOGS.items():
        for plan in catalog.plans:
            version = plan.version_on(START)
            if any(
                c.tariff is not None or (c.prices and _transactional(c)) for c in version.charges
            ):
                continue  # rated by a tariff, or priced over transaction lists: no totals
            coupons = [None] + [
                c.code for c in catalog.coupons if c.percentage is not None and _covers(c, plan)
            ]
            for currency in version.currencies:
                anchor = cycle(version.billing_period, start=START, alignment="anniversary")
                # A later period of a subscription that started when the plan was sold.
                later = [
                    i for i in (1, 2) if anchor.boundary(-i) >= plan.versions[0].effective_from
                ]
                for scale in (0, 1, 3):
                    for index in [0, *later[-1:]]:
                        for coupon in coupons[:2]:
                            cases.append((name, plan.code, currency, scale, index, coupon))
    return cases


def _transactional(charge: Charge) -> bool:
    return any(getattr(p.spec, "model", None) in TRANSACTION_MODELS for p in charge.prices)


def _covers(coupon: object, plan: Plan) -> bool:
    target = getattr(coupon, "target", None)
    return target in (None, plan.code) or any(
        c.code == target for v in plan.versions for c in v.charges
    )


def _usage(catalog: Catalog, plan: Plan, scale: int) -> dict[str, Decimal]:
    """Per metric: nothing, about its allowance, or three times it plus a bit."""
    usage = {}
    for charge in plan.version_on(START).charges:
        if charge.kind is not ChargeKind.USAGE:
            continue
        base = charge.allowance.quantity if charge.allowance else Decimal(100)
        usage[charge.metric or charge.code] = base * scale + (Decimal(7) if scale else 0)
    return usage


def _lines(
    kind_rounded: list[tuple[str, str | None, Decimal]],
) -> Counter[tuple[str, str | None, Decimal]]:
    return Counter(kind_rounded)


@pytest.mark.parametrize(("catalog", "plan", "currency", "scale", "index", "coupon"), _cases())
def test_a_quote_equals_the_draft_lines_of_the_same_period(
    catalog: str, plan: str, currency: str, scale: int, index: int, coupon: str | None
) -> None:
    cat = CATALOGS[catalog]
    the_plan = cat.plan(plan)
    usage = _usage(cat, the_plan, scale)
    version = the_plan.version_on(START)
    anchor = cycle(version.billing_period, start=START, alignment="anniversary")
    started = anchor.boundary(-index)
    history = timeline([Change(kind=ChangeKind.CREATED, effective=started, plan=plan, quantity=1)])
    period = Period(START, anchor.boundary(1))
    quoted = quote(
        the_plan,
        currency=currency,
        period_start=START,
        usage=usage,
        coupon=cat.coupon(coupon) if coupon else None,
        period_index=index,
    )
    drafted = draft_lines(
        subscription_id=1,
        history=history,
        catalog=cat,
        cycle=cycle(version.billing_period, start=started, alignment="anniversary"),
        period=period,
        period_index=index,
        currency=currency,
        zone=ZoneInfo("UTC"),
        usage=usage,
        coupon=cat.coupon(coupon) if coupon else None,
    )
    assert Counter(
        (line.kind.value, line.charge if line.kind.value != "discount" else None, line.rounded)
        for line in quoted.lines
    ) == Counter((line.kind.value, line.charge, line.rounded.amount) for line in drafted), (
        quoted.lines,
        drafted,
    )
