"""Subscriptions stored as an append-only history: created against the catalog and the
account, changed now or at period end, refused when a change could not happen."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from tarifa.billing import Period
from tarifa.errors import ValidationError
from tarifa.facade import Billing
from tarifa.subscriptions import State

pytestmark = pytest.mark.db

CATALOGS = Path(__file__).resolve().parents[2] / "examples" / "catalog"
D = dt.date


@pytest.fixture
def shop(billing: Billing) -> Billing:
    billing.catalog.load(CATALOGS / "mobile.yaml")
    billing.catalog.load(CATALOGS / "fibre.yaml")
    for external_id, currency, bcd in (("ACME", "EUR", 31), ("SWISS", "CHF", 1)):
        billing.customers.create(
            {
                "external_id": external_id,
                "kind": "business",
                "legal_name": f"{external_id} AG",
                "country": "DE",
                "currency": currency,
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": bcd,
                "locale": "de-DE",
            }
        )
    return billing


def test_a_subscription_starts_with_its_plans_trial(shop: Billing) -> None:
    created = shop.subscriptions.create("ACME", "fibre-1000", D(2026, 3, 10))
    assert [(s.start, s.end, s.state) for s in created.timeline.segments] == [
        (D(2026, 3, 10), D(2026, 3, 24), State.TRIAL),  # 14 trial days (fibre.yaml)
        (D(2026, 3, 24), None, State.ACTIVE),
    ]
    assert shop.subscriptions.get(created.id) == created
    assert [s.id for s in shop.subscriptions.of_account("ACME")] == [created.id]


def test_what_cannot_be_subscribed_is_refused_with_every_reason(shop: Billing) -> None:
    with pytest.raises(ValidationError) as raised:
        shop.subscriptions.create(
            "SWISS", "mobile-s", D(2026, 3, 1), quantity=0, coupon="NOPE", alignment="monthly"
        )
    assert {e.field for e in raised.value.errors} == {"plan", "quantity", "coupon", "alignment"}
    with pytest.raises(ValidationError) as raised:
        shop.subscriptions.create("ACME", "mobile-s", D(2025, 12, 31))  # before version 1
    assert [e.field for e in raised.value.errors] == ["plan"]


def test_a_downgrade_at_period_end_takes_effect_on_the_next_billing_day(shop: Billing) -> None:
    """ACME's billing cycle day is 31: asked on 10 April, the period 31 March - 30 April
    ends on 30 April (April has no 31st)."""
    sub = shop.subscriptions.create("ACME", "mobile-business", D(2026, 3, 31), quantity=5)
    changed = shop.subscriptions.change_plan(
        sub.id, "mobile-s", on=D(2026, 4, 10), at_period_end=True
    )
    assert [(s.start, s.plan) for s in changed.timeline.segments] == [
        (D(2026, 3, 31), "mobile-business"),
        (D(2026, 4, 30), "mobile-s"),
    ]
    assert changed.version == 2


def test_seats_suspension_and_cancellation_make_the_history(shop: Billing) -> None:
    sub = shop.subscriptions.create("ACME", "mobile-business", D(2026, 3, 1), quantity=2)
    shop.subscriptions.change_quantity(sub.id, 4, on=D(2026, 3, 11))
    shop.subscriptions.suspend(sub.id, on=D(2026, 3, 21))
    shop.subscriptions.resume(sub.id, on=D(2026, 3, 26))
    done = shop.subscriptions.cancel(sub.id, on=D(2026, 4, 10), at_period_end=True)
    march = done.timeline.within(Period(D(2026, 3, 1), D(2026, 4, 1)))
    assert [(s.start, s.quantity, s.state) for s in march] == [
        (D(2026, 3, 1), 2, State.ACTIVE),
        (D(2026, 3, 11), 4, State.ACTIVE),
        (D(2026, 3, 21), 4, State.SUSPENDED),
        (D(2026, 3, 26), 4, State.ACTIVE),
    ]
    # BCD 31: the period holding 10 April ends on 30 April.
    assert done.timeline.cancelled_from == D(2026, 4, 30)
    actions = [e["action"] for e in shop.audit.entries("subscription", sub.id)]
    assert actions == [
        "subscription.created",
        "subscription.quantity_changed",
        "subscription.suspended",
        "subscription.resumed",
        "subscription.cancelled",
    ]


def test_a_change_that_could_not_happen_is_refused_and_nothing_is_written(shop: Billing) -> None:
    sub = shop.subscriptions.create("ACME", "mobile-s", D(2026, 3, 1))
    with pytest.raises(ValidationError, match="is not suspended"):
        shop.subscriptions.resume(sub.id, on=D(2026, 3, 5))
    shop.subscriptions.cancel(sub.id, on=D(2026, 3, 20))
    with pytest.raises(ValidationError, match="after the cancellation"):
        shop.subscriptions.change_plan(sub.id, "mobile-business", on=D(2026, 3, 25))
    assert len(shop.subscriptions.get(sub.id).changes) == 2


def test_the_history_cannot_be_rewritten_in_the_database(shop: Billing) -> None:
    sub = shop.subscriptions.create("ACME", "mobile-s", D(2026, 3, 1))
    with pytest.raises(psycopg.errors.RestrictViolation), shop.db.transaction() as conn:
        conn.execute(
            "UPDATE subscription_changes SET quantity = 9 WHERE subscription_id = %s", (sub.id,)
        )


def test_usage_of_an_identifier_bound_to_a_subscription_names_it(shop: Billing) -> None:
    sub = shop.subscriptions.create("ACME", "mobile-s", D(2026, 3, 1))
    since = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    bound = shop.subscriptions.bind(sub.id, "e164", "+4915112345678", since)
    assert (bound.subscription_id, bound.account_id) == (sub.id, sub.account_id)
    line = (
        '{"id": "c1", "account": "+4915112345678", "service": "voice", '
        '"destination": "+4930901820", "start": "2026-03-02T09:15:00+01:00", "usage": 65}\n'
    )
    report = shop.usage.import_file(
        io.BytesIO(line.encode()), format="jsonl", source="test", name="events.jsonl"
    )
    assert report.accepted == 1
    with shop.db.transaction() as conn:
        row = conn.execute("SELECT subscription_id FROM usage_records").fetchone()
    assert row == {"subscription_id": sub.id}


def test_an_identifier_cannot_be_bound_to_another_accounts_subscription(shop: Billing) -> None:
    sub = shop.subscriptions.create("ACME", "mobile-s", D(2026, 3, 1))
    swiss = shop.customers.get_by_external_id("SWISS")
    since = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as raised:
        shop.customers.add_identifier(
            swiss.id, "e164", "+41441234567", since, subscription_id=sub.id
        )
    assert [e.field for e in raised.value.errors] == ["subscription_id"]


def test_a_periods_usage_is_read_in_the_units_the_plan_prices_it_in(shop: Billing) -> None:
    """Calls of 65 s and 125 s (190 s = 3.1666... minutes), 2 SMS and 3,500,000 bytes of data
    (3.5 MB) in March; a call in April and another subscription's call are not counted."""
    from tarifa.billing.usage_totals import Window, usage_totals

    sub = shop.subscriptions.create("ACME", "mobile-s", D(2026, 3, 1))
    other = shop.subscriptions.create("ACME", "mobile-s", D(2026, 3, 1))
    since = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    shop.subscriptions.bind(sub.id, "e164", "+4915112345678", since)
    shop.subscriptions.bind(other.id, "e164", "+4915112345679", since)

    def record(ident: str, number: str, service: str, start: str, usage: int) -> str:
        return (
            f'{{"id": "{ident}", "account": "{number}", "service": "{service}", '
            f'"destination": "+4930901820", "start": "{start}", "usage": {usage}}}\n'
        )

    text = "".join(
        [
            record("c1", "+4915112345678", "voice", "2026-03-02T09:15:00+01:00", 65),
            record("c2", "+4915112345678", "voice", "2026-03-30T09:15:00+02:00", 125),
            record("s1", "+4915112345678", "sms", "2026-03-03T10:00:00+01:00", 1),
            record("s2", "+4915112345678", "sms", "2026-03-04T10:00:00+01:00", 1),
            record("d1", "+4915112345678", "data", "2026-03-05T10:00:00+01:00", 3_500_000),
            record("c3", "+4915112345678", "voice", "2026-04-01T00:00:00+02:00", 60),
            record("c4", "+4915112345679", "voice", "2026-03-02T09:15:00+01:00", 600),
        ]
    )
    report = shop.usage.import_file(
        io.BytesIO(text.encode()), format="jsonl", source="test", name="events.jsonl"
    )
    assert report.accepted == 7
    berlin = ZoneInfo("Europe/Berlin")
    window = Window(
        subscription_id=sub.id,
        start=dt.datetime(2026, 3, 1, tzinfo=berlin),
        end=dt.datetime(2026, 4, 1, tzinfo=berlin),
        currency="EUR",
    )
    with shop.db.transaction() as conn:
        (totals,) = usage_totals(conn, [window])
    catalog = shop.catalog.current()
    metrics, rated = totals.for_plan(catalog, catalog.plan("mobile-s").version_on(D(2026, 3, 1)))
    assert round(metrics["minutes"], 6) == Decimal("3.166667")  # 190 / 60, kept precise
    assert (metrics["sms"], metrics["data_mb"], rated) == (Decimal(2), Decimal("3.5"), {})
