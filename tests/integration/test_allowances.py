"""Allowances over rated usage: consumed in event-time order by the stored procedure, the
record that crosses the end charged in proportion, other accounts and categories untouched."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tarifa.billing.allowances import Allowance, consume
from tarifa.facade import Billing

pytestmark = pytest.mark.db
MARCH = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def store(billing: Billing, rows: list[tuple[int, int, str, int, int, str]]) -> None:
    """(usage id, account, category, day of March, billed usage, precise cost) as rated."""
    with billing.db.transaction() as conn:
        for account in {r[1] for r in rows}:
            conn.execute(
                "INSERT INTO customers (id, external_id, kind, legal_name, country, currency,"
                " time_zone, billing_cycle_day, locale) OVERRIDING SYSTEM VALUE VALUES"
                " (%s, %s, 'person', 'P', 'DE', 'EUR', 'Europe/Berlin', 1, 'de-DE')",
                (account, f"A{account}"),
            )
        conn.execute("SELECT usage_ensure_partitions(ARRAY[%s::timestamptz])", (MARCH,))
        conn.execute("SELECT rating_ensure_partitions()")
        for usage_id, account, category, day, billed, cost in rows:
            at = MARCH + dt.timedelta(days=day - 1)
            service, unit = {"call": ("voice", "seconds"), "data": ("data", "bytes")}[category]
            conn.execute(
                "INSERT INTO usage_records (id, import_id, account_id, usage_identifier_id,"
                " source, record_id, service, unit, category, subject, destination, started_at,"
                " usage, raw) VALUES (%s, 0, %s, 0, 't', %s, %s, %s, %s, 'A', '49', %s, %s, '')",
                (usage_id, account, str(usage_id), service, unit, category, at, billed),
            )
            conn.execute(
                "INSERT INTO rated_usage (usage_id, started_at, account_id, tariff_id,"
                " profile_id, plan_id, subject, destination, prefix, time_bands, billed_usage,"
                " cost, precise_cost, rounding_decimals, currency, run_id) VALUES"
                " (%s, %s, %s, 0, 0, 0, '*any', 'DE', '49', '{}', %s, %s, %s, 2, 'EUR', 0)",
                (usage_id, at, account, billed, Decimal(cost), Decimal(cost)),
            )


def test_the_allowance_is_used_in_event_time_order_and_the_crossing_call_pays_its_rest(
    billing: Billing,
) -> None:
    """Two minutes included (120 s). In time order: 60 s (0.60) covered whole; 90 s (0.90)
    covered for 60 s, charged for 30 s: 0.90 x 30/90 = 0.30; 30 s (0.30) charged whole. The
    last call was stored first (lowest id): order is by event time, not by id. Account 2 has
    no allowance; account 1's data session is another category."""
    store(
        billing,
        [
            (1, 1, "call", 20, 30, "0.30"),
            (2, 1, "call", 5, 60, "0.60"),
            (3, 1, "call", 9, 90, "0.90"),
            (4, 2, "call", 6, 60, "0.60"),
            (5, 1, "data", 7, 5000, "0.05"),
        ],
    )
    allowance = Allowance(account_id=1, category="call", included=Decimal(2), unit=Decimal(60))
    with billing.db.transaction() as conn:
        found = consume(conn, [allowance], MARCH, MARCH + dt.timedelta(days=31))
    assert [(c.usage_id, c.covered, c.charged_cost) for c in found] == [
        (2, Decimal(60), Decimal(0)),
        (3, Decimal(60), Decimal("0.30")),
        (1, Decimal(0), Decimal("0.30")),
    ]


def test_a_share_of_a_cost_is_rounded_half_up_to_12_decimals(billing: Billing) -> None:
    """One call of 7 s costing 0.01 with 3 s included: 0.01 x 4/7 = 0.005714285714285...,
    half-up at 12 decimals: 0.005714285714."""
    store(billing, [(1, 1, "call", 2, 7, "0.01")])
    allowance = Allowance(account_id=1, category="call", included=Decimal(3))
    with billing.db.transaction() as conn:
        (only,) = consume(conn, [allowance], MARCH, MARCH + dt.timedelta(days=31))
    assert only.charged_cost == Decimal("0.005714285714")
