"""Inventory: numbers, SIMs and devices reserved, assigned, released into quarantine; never
on two subscriptions at once, not even when two sessions try at the same moment."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import psycopg
import pytest

from tarifa.errors import ConflictError, NotFoundError
from tarifa.facade import Billing, connect
from tarifa.inventory import ResourceStatus, normalized

pytestmark = pytest.mark.db

CATALOGS = Path(__file__).resolve().parents[2] / "examples" / "catalog"
T0 = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)


def subscriptions(billing: Billing, count: int) -> list[int]:
    billing.catalog.load(CATALOGS / "mobile.yaml")
    billing.customers.create(
        {
            "external_id": "ACME",
            "kind": "business",
            "legal_name": "ACME AG",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    return [
        billing.subscriptions.create("ACME", "mobile-s", dt.date(2026, 3, 1)).id
        for _ in range(count)
    ]


def test_values_are_checked_and_adding_again_adds_nothing(billing: Billing) -> None:
    report = billing.inventory.add(
        "sim", ["8944 5001 0219 8304 826", "8944500102198304827", "1234"]
    )
    assert report.added == ("8944500102198304826",)
    assert [e.field for e in report.rejected] == ["values[1]", "values[2]"]
    again = billing.inventory.add("sim", ["8944500102198304826"])
    assert (again.added, again.existing) == ((), ("8944500102198304826",))
    assert normalized("device", "35-209900-176148-1") == ("352099001761481", None)
    assert normalized("phone_number", "+49 30 901820") == ("+4930901820", None)


def test_a_number_is_reserved_assigned_released_and_quarantined_before_reuse(
    billing: Billing,
) -> None:
    first, second = subscriptions(billing, 2)
    billing.inventory.add("phone_number", ["+4915112345678"])
    number = "+49 151 12345678"
    held = billing.inventory.reserve(
        "phone_number", number, reserved_for="ORD-1", until=T0 + dt.timedelta(hours=1), at=T0
    )
    assert held.status is ResourceStatus.RESERVED
    with pytest.raises(ConflictError, match="reserved"):
        billing.inventory.assign("phone_number", number, second, at=T0)
    on = billing.inventory.assign("phone_number", number, first, at=T0, reserved_for="ORD-1")
    assert (on.status, on.subscription_id) == (ResourceStatus.ASSIGNED, first)
    with pytest.raises(ConflictError, match="assigned"):
        billing.inventory.assign("phone_number", number, second, at=T0 + dt.timedelta(days=1))
    off = billing.inventory.release("phone_number", number, at=T0 + dt.timedelta(days=10))
    assert (off.status, off.quarantine_until) == (
        ResourceStatus.QUARANTINED,
        T0 + dt.timedelta(days=100),  # 90 days of quarantine for numbers
    )
    with pytest.raises(ConflictError, match="quarantined"):
        billing.inventory.assign("phone_number", number, second, at=T0 + dt.timedelta(days=50))
    later = T0 + dt.timedelta(days=100)
    again = billing.inventory.assign("phone_number", number, second, at=later)
    assert [(a.subscription_id, a.released_at) for a in again.assignments] == [
        (first, T0 + dt.timedelta(days=10)),
        (second, None),
    ]


def test_a_lapsed_reservation_frees_the_resource(billing: Billing) -> None:
    (sub,) = subscriptions(billing, 1)
    billing.inventory.add("device", ["352099001761481"])
    billing.inventory.reserve(
        "device", "352099001761481", reserved_for="ORD-2", until=T0 + dt.timedelta(hours=1), at=T0
    )
    taken = billing.inventory.assign(
        "device", "352099001761481", sub, at=T0 + dt.timedelta(hours=2)
    )
    assert taken.status is ResourceStatus.ASSIGNED
    with pytest.raises(NotFoundError):
        billing.inventory.get("device", "490154203237518")


def test_two_sessions_assigning_one_number_at_once_give_it_to_one(fresh_db: str) -> None:
    with connect(fresh_db, actor="test:pytest") as billing:
        subs = subscriptions(billing, 4)
        billing.inventory.add("phone_number", ["+4915112345678"])
    won: list[int] = []
    lost: list[Exception] = []

    def take(sub: int) -> None:
        with connect(fresh_db, actor="test:pytest") as billing:
            try:
                billing.inventory.assign("phone_number", "+4915112345678", sub)
                won.append(sub)
            except ConflictError as err:
                lost.append(err)

    threads = [threading.Thread(target=take, args=(s,)) for s in subs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(won), len(lost)) == (1, 3)
    with psycopg.connect(fresh_db) as conn:
        rows = conn.execute("SELECT count(*) FROM inventory_assignments").fetchone()
    assert rows == (1,)


def test_the_database_refuses_overlapping_assignments(billing: Billing) -> None:
    first, second = subscriptions(billing, 2)
    billing.inventory.add("phone_number", ["+4915112345678"])
    resource = billing.inventory.assign("phone_number", "+4915112345678", first, at=T0)
    with pytest.raises(psycopg.errors.ExclusionViolation), billing.db.transaction() as conn:
        conn.execute(
            "INSERT INTO inventory_assignments (resource_id, subscription_id, during)"
            " VALUES (%s, %s, tstzrange(%s, NULL))",
            (resource.id, second, T0 + dt.timedelta(days=3)),
        )
