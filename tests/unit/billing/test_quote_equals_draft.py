"""The catalog's quote is the invoice generator's draft: for every plan of the example
catalogs (tariff-rated and transaction-priced charges included), with usage below, inside and
beyond its allowances and free limits, in a first and a later period, with and without each
coupon that applies, the quote's lines are the draft lines of a subscription in the same
period, down to the precise amounts and the breakdowns (DOMAIN.md: a quote is what the
invoice will say, before tax). And the quote has no pricing of its own: what the generator
says, it shows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tarifa.billing import cycle
from tarifa.billing import quote as quote_module
from tarifa.billing.cycles import Period
from tarifa.billing.draft import DraftLine, LineKind, draft_lines
from tarifa.billing.quote import Quote, QuoteLine, quote
from tarifa.catalog.model import TRANSACTION_MODELS, Catalog, Charge, ChargeKind, Coupon, Plan
from tarifa.catalog.rules import read_catalog
from tarifa.subscriptions import Change, ChangeKind, timeline

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "catalog"
CATALOGS = {p.stem: read_catalog(p) for p in sorted(EXAMPLES.glob("*.yaml"))}
START = dt.date(2026, 3, 1)
D = Decimal
#: Usage levels: none, inside the allowances and free limits, just beyond, far beyond.
SCALES = (0, 1, 2, 3)
#: Transaction amounts: none, a few inside the free limits of the example percentage model
#: (3 sales, 55.00), one past them (the 4th takes the total over 100.00), and many, across
#: the graduated percentage tiers.
TRANSACTIONS = {
    0: (),
    1: (D("5"), D("20"), D("30")),
    2: (D("5"), D("20"), D("30"), D("50"), D("10")),
    3: tuple(map(D, ("5", "20", "30", "50", "10", "0.99", "12000.55", "25000", "1", "2", "3"))),
}
#: Rated costs of a tariff-rated charge (the allowance was consumed while rating).
RATED = {0: D(0), 1: D("1.5"), 2: D("12.345"), 3: D("123.4567")}

Case = tuple[str, str, str, int, int, str | None]


def _cases() -> list[Case]:
    cases = []
    for name, catalog in CATALOGS.items():
        for plan in catalog.plans:
            version = plan.version_on(START)
            for currency in version.currencies:
                coupons = [None] + [c.code for c in catalog.coupons if _applies(c, plan, currency)]
                anchor = cycle(version.billing_period, start=START, alignment="anniversary")
                # A later period of a subscription that started when the plan was sold.
                later = [
                    i for i in (1, 2) if anchor.boundary(-i) >= plan.versions[0].effective_from
                ]
                for scale in SCALES:
                    for index in [0, *later[-1:]]:
                        for coupon in coupons:
                            cases.append((name, plan.code, currency, scale, index, coupon))
    return cases


def _applies(coupon: Coupon, plan: Plan, currency: str) -> bool:
    if coupon.redeemable(START) is not None:
        return False
    if coupon.percentage is None and coupon.amount_in(currency) is None:
        return False
    return coupon.target in (None, plan.code) or any(
        c.code == coupon.target for v in plan.versions for c in v.charges
    )


def _rated(charge: Charge) -> bool:
    return not charge.prices


def _transactional(charge: Charge) -> bool:
    return any(p.spec.model in TRANSACTION_MODELS for p in charge.prices)


def _usage(plan: Plan, scale: int) -> dict[str, object]:
    """The quote's usage, per metric (a tariff-rated charge: by code, its rated cost)."""
    usage: dict[str, object] = {}
    for charge in plan.version_on(START).charges:
        if charge.kind is not ChargeKind.USAGE:
            continue
        key = charge.metric or charge.code
        if _rated(charge):
            usage[key] = str(RATED[scale])
        elif _transactional(charge):
            usage[key] = [str(t) for t in TRANSACTIONS[scale]]
        else:
            base = charge.allowance.quantity if charge.allowance else D(100)
            total = {0: D(0), 1: base / 2, 2: base + 7, 3: base * 3 + 7}[scale]
            usage[key] = str(total)
    return usage


def _draft(
    catalog: Catalog, plan: Plan, currency: str, scale: int, index: int, coupon: Coupon | None
) -> tuple[DraftLine, ...]:
    """The generator's lines for the period starting on START of a subscription that started
    `index` periods before, its usage given as the bill run gives it."""
    version = plan.version_on(START)
    anchor = cycle(version.billing_period, start=START, alignment="anniversary")
    started = anchor.boundary(-index)
    totals, transactions, rated = {}, {}, {}
    for charge in version.charges:
        if charge.kind is not ChargeKind.USAGE:
            continue
        key = charge.metric or charge.code
        if _rated(charge):
            rated[charge.code] = RATED[scale]
        elif _transactional(charge):
            transactions[key] = TRANSACTIONS[scale]
        else:
            totals[key] = D(str(_usage(plan, scale)[key]))
    return draft_lines(
        subscription_id=1,
        history=timeline(
            [Change(kind=ChangeKind.CREATED, effective=started, plan=plan.code, quantity=1)]
        ),
        catalog=catalog,
        cycle=cycle(version.billing_period, start=started, alignment="anniversary"),
        period=Period(START, anchor.boundary(1)),
        period_index=index,
        currency=currency,
        zone=ZoneInfo("UTC"),
        usage=totals,
        transactions=transactions,
        rated=rated,
        coupon=coupon,
    )


def _seen_in_quote(line: QuoteLine, rated: set[str]) -> tuple[object, ...]:
    # A rated cost has no quantity in a quote (the draft says 0).
    plain = line.charge not in rated
    return (
        line.kind,
        line.charge or line.applies_to or "minimum_commitment",
        line.amount,
        line.rounded,
        line.quantity if plain else None,
        line.allowance_used,
        line.charged_quantity if plain else None,
        line.breakdown,
        line.promotion,
    )


def _seen_in_draft(line: DraftLine, rated: set[str], charges: dict[str, str]) -> tuple[object, ...]:
    plain = line.charge not in rated and line.kind is not LineKind.MINIMUM_COMMITMENT
    return (
        line.kind,
        line.charge or (charges[line.applies_to] if line.applies_to else "minimum_commitment"),
        line.amount.amount,
        line.rounded.amount,
        line.quantity if plain else None,
        line.allowance_used,
        line.charged_quantity if plain else None,
        line.breakdown,
        line.promotion,
    )


def _quoted(case: Case) -> tuple[Quote, tuple[DraftLine, ...]]:
    name, code, currency, scale, index, coupon_code = case
    catalog = CATALOGS[name]
    plan = catalog.plan(code)
    coupon = catalog.coupon(coupon_code) if coupon_code else None
    quoted = quote(
        plan,
        currency=currency,
        period_start=START,
        usage=_usage(plan, scale),  # type: ignore[arg-type]
        coupon=coupon,
        period_index=index,
    )
    return quoted, _draft(catalog, plan, currency, scale, index, coupon)


@pytest.mark.parametrize(("catalog", "plan", "currency", "scale", "index", "coupon"), _cases())
def test_a_quote_equals_the_draft_lines_of_the_same_period(
    catalog: str, plan: str, currency: str, scale: int, index: int, coupon: str | None
) -> None:
    quoted, drafted = _quoted((catalog, plan, currency, scale, index, coupon))
    version = CATALOGS[catalog].plan(plan).version_on(START)
    rated = {c.code for c in version.charges if c.kind is ChargeKind.USAGE and _rated(c)}
    charges = {line.key: line.charge or "minimum_commitment" for line in drafted}
    assert Counter(_seen_in_quote(line, rated) for line in quoted.lines) == Counter(
        _seen_in_draft(line, rated, charges) for line in drafted
    ), (quoted.lines, drafted)
    assert quoted.precise_total == sum((line.amount.amount for line in drafted), D(0))


def test_every_kind_of_charge_of_the_examples_is_compared() -> None:
    """The cases above cover tariff-rated charges, percentage models, allowances, one-time
    fees, promotions, minimum true-ups and both kinds of coupon: none is skipped."""
    seen: set[str] = set()
    for case in _cases():
        quoted, _ = _quoted(case)
        plan = CATALOGS[case[0]].plan(case[1]).version_on(START)
        for line in quoted.lines:
            charge = plan.charge(line.charge) if line.charge else None
            if charge is not None and charge.kind is ChargeKind.USAGE:
                if _rated(charge):
                    seen.add("rated")
                elif _transactional(charge):
                    seen.add("transactions")
                elif line.allowance_used:
                    seen.add("allowance")
            seen.add(line.kind.value)
            if line.promotion:
                seen.add("promotion")
        if case[5] is not None:
            coupon = CATALOGS[case[0]].coupon(case[5])
            seen.add("fixed coupon" if coupon.percentage is None else "percentage coupon")
    assert seen >= {
        "rated",
        "transactions",
        "allowance",
        "recurring",
        "one_time",
        "usage",
        "minimum_commitment",
        "discount",
        "promotion",
        "fixed coupon",
        "percentage coupon",
    }


def test_a_quote_shows_what_the_generator_drafts_and_prices_nothing_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A generator that charged twice as much makes a quote twice as dear, line by line."""
    args: Case = ("mobile", "mobile-s", "EUR", 3, 0, "WELCOME10")
    honest, _ = _quoted(args)

    def doubled(**kwargs: object) -> tuple[DraftLine, ...]:
        return tuple(
            dataclasses.replace(line, amount=line.amount * 2, rounded=line.rounded * 2)
            for line in draft_lines(**kwargs)  # type: ignore[arg-type]
        )

    monkeypatch.setattr(quote_module, "draft_lines", doubled)
    dear, _ = _quoted(args)
    assert [line.amount * 2 for line in honest.lines] == [line.amount for line in dear.lines]
    assert dear.total == honest.total * 2
