"""CRM sync: customers upserted by the CRM's external id, and a feed of changed customers and
subscriptions that a CRM pulls page by page without missing a change, not even one whose
transaction committed late."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tarifa.crm.model import Entity, Position
from tarifa.db.connection import ConnectionDatabase
from tarifa.errors import StaleVersionError, ValidationError
from tarifa.facade import Billing, connect

pytestmark = pytest.mark.db

CATALOGS = Path(__file__).resolve().parents[2] / "examples" / "catalog"
FIELDS: dict[str, Any] = {
    "kind": "business",
    "legal_name": "ACME AG",
    "country": "DE",
    "currency": "EUR",
    "time_zone": "Europe/Berlin",
    "billing_cycle_day": 1,
    "locale": "de-DE",
}


def test_an_upsert_creates_then_changes_only_what_it_is_given(billing: Billing) -> None:
    made = billing.crm.upsert("CRM-1", FIELDS)
    assert (made.created, made.changed, made.customer.version) == (True, True, 1)
    same = billing.crm.upsert("CRM-1", FIELDS)
    assert (same.created, same.changed, same.customer.version) == (False, False, 1)
    renamed = billing.crm.upsert("CRM-1", {"legal_name": "ACME SE", "emails": ["a@acme.example"]})
    assert (renamed.changed, renamed.customer.version) == (True, 2)
    assert renamed.customer.billing_cycle_day == 1  # left out: kept


def test_an_upsert_may_not_change_currency_or_kind_and_honours_the_expected_version(
    billing: Billing,
) -> None:
    billing.crm.upsert("CRM-1", FIELDS)
    with pytest.raises(ValidationError) as refused:
        billing.crm.upsert("CRM-1", FIELDS | {"currency": "GBP", "kind": "person"})
    assert sorted(e.field for e in refused.value.errors) == ["currency", "kind"]
    billing.crm.upsert("CRM-1", FIELDS | {"currency": "eur"})  # the same, written otherwise
    with pytest.raises(StaleVersionError):
        billing.crm.upsert("CRM-1", {"legal_name": "X"}, expected_version=7)
    with pytest.raises(StaleVersionError):
        billing.crm.upsert("CRM-2", FIELDS, expected_version=1)
    with pytest.raises(ValidationError):
        billing.crm.upsert("CRM-1", FIELDS | {"external_id": "CRM-9"})


def test_the_feed_lists_changed_customers_and_subscriptions_in_order_a_page_at_a_time(
    billing: Billing,
) -> None:
    billing.catalog.load(CATALOGS / "mobile.yaml")
    one = billing.crm.upsert("CRM-1", FIELDS).customer
    two = billing.crm.upsert("CRM-2", FIELDS).customer
    sub = billing.subscriptions.create("CRM-1", "mobile-s", dt.date(2026, 3, 1))
    billing.crm.upsert("CRM-1", {"legal_name": "ACME SE"})
    first = billing.crm.changes(limit=2)
    assert [(c.entity, c.entity_id, c.action) for c in first.changes] == [
        (Entity.CUSTOMER, one.id, "customer.created"),
        (Entity.CUSTOMER, two.id, "customer.created"),
    ]
    assert first.more
    second = billing.crm.changes(first.next.token(), limit=2)
    assert [(c.entity, c.entity_id, c.action) for c in second.changes] == [
        (Entity.SUBSCRIPTION, sub.id, "subscription.created"),
        (Entity.CUSTOMER, one.id, "customer.updated"),
    ]
    assert second.changes[1].current.legal_name == "ACME SE"
    rest = billing.crm.changes(second.next, limit=2)
    assert (rest.changes, rest.more, rest.next) == ((), False, second.next)
    only_subscriptions = billing.crm.changes(entities=["subscription"])
    assert [c.entity_id for c in only_subscriptions.changes] == [sub.id]


def test_an_entity_changed_twice_in_a_page_is_listed_once_at_its_latest_change(
    billing: Billing,
) -> None:
    billing.crm.upsert("CRM-1", FIELDS)
    billing.crm.upsert("CRM-2", FIELDS)
    billing.crm.upsert("CRM-1", {"legal_name": "ACME SE"})
    page = billing.crm.changes()
    assert [(c.current.external_id, c.action) for c in page.changes] == [
        ("CRM-2", "customer.created"),
        ("CRM-1", "customer.updated"),
    ]


def test_customers_of_an_import_are_in_the_feed_one_by_one(billing: Billing, tmp_path) -> None:
    path = tmp_path / "customers.csv"
    header = "external_id,kind,legal_name,country,currency,time_zone,billing_cycle_day,locale"
    rows = [f"IMP-{i},person,Person {i},DE,EUR,Europe/Berlin,1,de-DE" for i in range(5)]
    path.write_text("\n".join([header, *rows]) + "\n")
    billing.customers.import_csv(path)
    seen: list[str] = []
    position: Position | None = None
    while True:
        page = billing.crm.changes(position, limit=2)
        seen += [c.current.external_id for c in page.changes]
        position = page.next
        if not page.more:
            break
    assert sorted(seen) == [f"IMP-{i}" for i in range(5)]


def test_a_cursor_that_the_feed_did_not_give_is_refused(billing: Billing) -> None:
    with pytest.raises(ValidationError):
        billing.crm.changes("bm90LWEtY3Vyc29y")
    with pytest.raises(ValidationError):
        billing.crm.changes(limit=0)


def test_a_change_committed_late_is_not_skipped_by_a_reader_that_read_meanwhile(
    fresh_db: str,
) -> None:
    """A change in flight while the CRM reads, and a change after it that commits first:
    with a cursor on updated_at the CRM would skip the late one; on the audit log's order
    (ids follow commit order) it sees both, in commit order."""
    with connect(fresh_db, actor="test") as billing:
        billing.crm.upsert("EARLY", FIELDS)
        billing.crm.upsert("LATE", FIELDS)
        billing.crm.upsert("AFTER", FIELDS)
        start = billing.crm.changes().next
        with psycopg.connect(fresh_db, autocommit=True, row_factory=dict_row) as slow:
            slow_billing = Billing(ConnectionDatabase(slow), actor="test:slow")
            quick = threading.Thread(
                target=lambda: billing.crm.upsert("AFTER", {"legal_name": "changed after"})
            )
            with slow.transaction():
                slow_billing.crm.upsert("LATE", {"legal_name": "changed late"})
                quick.start()
                quick.join(timeout=0.5)
                assert quick.is_alive()  # waits for the audit lock the late change holds
                meanwhile = billing.crm.changes(start)
                assert meanwhile.changes == ()
            quick.join()
        after = billing.crm.changes(meanwhile.next)
        assert [c.current.external_id for c in after.changes] == ["LATE", "AFTER"]
