"""Order intake: an order creates or changes a customer, subscriptions and their inventory in
one transaction, all or nothing, once per order id."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest

from tarifa.errors import ConflictError, NotFoundError, OrderIdReusedError, ValidationError
from tarifa.facade import Billing, connect
from tarifa.orders.model import Outcome

pytestmark = pytest.mark.db

CATALOGS = Path(__file__).resolve().parents[2] / "examples" / "catalog"
NOW = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
NUMBER = "+4915112345678"
SIM = "8944500102198304826"


def stocked(billing: Billing) -> Billing:
    billing.catalog.load(CATALOGS / "mobile.yaml")
    billing.inventory.add("phone_number", [NUMBER, "+4915112345679"])
    billing.inventory.add("sim", [SIM])
    return billing


def new_line(order_id: str = "OMS-1", **item: Any) -> dict[str, Any]:
    """An order for a new customer with one line: Mobile S, a number and a SIM."""
    return {
        "order_id": order_id,
        "customer": {
            "external_id": "CRM-7",
            "kind": "person",
            "legal_name": "Erika Mustermann",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        },
        "items": [
            {
                "action": "subscribe",
                "plan": "mobile-s",
                "start": "2026-03-01",
                "external_id": "LINE-1",
                "resources": [
                    {"kind": "phone_number", "value": "+49 151 12345678"},
                    {"kind": "sim", "value": SIM},
                ],
            }
            | item
        ],
    }


def test_an_order_creates_the_customer_the_subscription_and_assigns_its_number_and_sim(
    billing: Billing,
) -> None:
    result = stocked(billing).orders.apply(new_line(), now=NOW)
    assert (result.customer.outcome, result.replayed) == (Outcome.CREATED, False)
    (item,) = result.items
    sub = billing.subscriptions.get_by_external_id("LINE-1")
    assert (item.subscription_id, item.effective) == (sub.id, dt.date(2026, 3, 1))
    assert [(r.value, r.status) for r in item.resources] == [(NUMBER, "assigned"),
                                                             (SIM, "assigned")]  # fmt: skip
    assert billing.inventory.get("sim", SIM).subscription_id == sub.id
    customer = billing.customers.get_by_external_id("CRM-7")
    # The number is the line's usage identifier from the start of its first day (Berlin).
    assert billing.customers.resolve("e164", NUMBER, NOW) == customer.id
    (identifier,) = billing.customers.identifiers(customer.id)
    assert (identifier.subscription_id, identifier.valid_from) == (sub.id, NOW)


def test_the_same_order_again_returns_the_first_result_and_changes_nothing(
    billing: Billing,
) -> None:
    first = stocked(billing).orders.apply(new_line(), now=NOW)
    again = billing.orders.apply(new_line(), now=NOW + dt.timedelta(hours=1))
    assert again.replayed
    assert (again.items, again.customer, again.applied_at) == (
        first.items, first.customer, first.applied_at)  # fmt: skip
    assert len(billing.subscriptions.of_account("CRM-7")) == 1
    assert billing.orders.get("OMS-1").items == first.items


def test_another_order_under_a_used_order_id_is_refused(billing: Billing) -> None:
    stocked(billing).orders.apply(new_line(), now=NOW)
    with pytest.raises(OrderIdReusedError) as refused:
        billing.orders.apply(new_line(quantity=2), now=NOW)
    assert [e.field for e in refused.value.errors] == ["order_id"]
    assert len(billing.subscriptions.of_account("CRM-7")) == 1


def test_a_failing_item_rolls_back_the_customer_and_every_item_before_it(
    billing: Billing,
) -> None:
    order = new_line()
    order["items"].append({"action": "subscribe", "plan": "no-such-plan", "start": "2026-03-01"})
    with pytest.raises(ValidationError) as refused:
        stocked(billing).orders.apply(order, now=NOW)
    assert [e.field for e in refused.value.errors] == ["items[1].plan"]
    with pytest.raises(NotFoundError):
        billing.customers.get_by_external_id("CRM-7")
    assert billing.inventory.get("phone_number", NUMBER).status.value == "available"
    with pytest.raises(NotFoundError):
        billing.orders.get("OMS-1")
    # Corrected, the order goes through under the same id.
    order["items"][1]["plan"] = "mobile-business"
    assert len(billing.orders.apply(order, now=NOW).items) == 2


def test_a_number_taken_by_another_line_fails_the_whole_order_with_a_conflict(
    billing: Billing,
) -> None:
    stocked(billing).orders.apply(new_line(), now=NOW)
    other = new_line("OMS-2", external_id="LINE-2")
    other["customer"] = {"external_id": "CRM-7"}
    with pytest.raises(ConflictError, match=r"items\[0\] \(subscribe\)"):
        billing.orders.apply(other, now=NOW)
    assert len(billing.subscriptions.of_account("CRM-7")) == 1


def test_an_order_changes_the_plan_and_cancels_a_line_releasing_its_number_into_quarantine(
    billing: Billing,
) -> None:
    stocked(billing).orders.apply(new_line(), now=NOW)
    later = NOW + dt.timedelta(days=40)
    result = billing.orders.apply(
        {
            "order_id": "OMS-2",
            "customer": {"external_id": "CRM-7", "legal_name": "Erika Muster"},
            "items": [
                {"action": "change_plan", "subscription": "LINE-1", "plan": "mobile-business",
                 "on": "2026-04-10"},
                {"action": "cancel", "subscription": "LINE-1", "on": "2026-04-10",
                 "resources": [{"kind": "phone_number", "value": NUMBER}]},
            ],
        },
        now=later,
    )  # fmt: skip
    assert result.customer.outcome is Outcome.UPDATED
    changed, cancelled = result.items
    assert (changed.version, cancelled.version, cancelled.effective) == (
        2, 3, dt.date(2026, 4, 10))  # fmt: skip
    assert [r.status for r in cancelled.resources] == ["quarantined"]
    number = billing.inventory.get("phone_number", NUMBER, at=later)
    assert number.quarantine_until == later + dt.timedelta(days=90)
    (identifier,) = billing.customers.identifiers(result.customer.id)
    assert identifier.valid_to == later
    assert billing.customers.get_by_external_id("CRM-7").legal_name == "Erika Muster"


def test_an_order_may_not_touch_another_customers_subscription(billing: Billing) -> None:
    stocked(billing).orders.apply(new_line(), now=NOW)
    stranger = new_line("OMS-2")
    stranger["customer"] = stranger["customer"] | {"external_id": "CRM-8"}
    stranger["items"] = [{"action": "suspend", "subscription": "LINE-1"}]
    with pytest.raises(ValidationError) as refused:
        billing.orders.apply(stranger, now=NOW)
    assert [e.field for e in refused.value.errors] == ["items[0].subscription"]


def test_a_malformed_order_names_every_problem_at_once(billing: Billing) -> None:
    with pytest.raises(ValidationError) as refused:
        billing.orders.apply(
            {
                "order_id": "",
                "customer": {},
                "items": [
                    {"action": "subscribe", "plan": "mobile-s", "quantity": 0},
                    {"action": "change_plan", "plan": "mobile-s"},
                    {"action": "teleport"},
                    {"action": "assign", "subscription": "X",
                     "resources": [{"kind": "sim", "value": "1234"}]},
                ],
            }
        )  # fmt: skip
    assert [e.field for e in refused.value.errors] == [
        "order_id", "customer.external_id", "items[0].start", "items[0].quantity",
        "items[1].subscription", "items[2].action", "items[3].resources[0].value",
    ]  # fmt: skip


def test_two_deliveries_of_one_order_at_the_same_moment_apply_it_once(fresh_db: str) -> None:
    with connect(fresh_db, actor="test") as billing:
        stocked(billing)
        results: list[Any] = []
        barrier = threading.Barrier(2)

        def deliver() -> None:
            barrier.wait()
            results.append(billing.orders.apply(new_line(), now=NOW))

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.replayed for r in results) == [False, True]
        assert len({r.items for r in results}) == 1
        assert len(billing.subscriptions.of_account("CRM-7")) == 1


def test_a_committed_order_that_fails_leaves_nothing_in_the_database(fresh_db: str) -> None:
    with connect(fresh_db, actor="test") as billing:
        order = new_line()
        order["items"].append({"action": "suspend", "subscription": "NOPE"})
        with pytest.raises(ValidationError):
            stocked(billing).orders.apply(order, now=NOW)
        with pytest.raises(NotFoundError):
            billing.customers.get_by_external_id("CRM-7")
        assert billing.inventory.get("sim", SIM).subscription_id is None
