"""Orders and feed positions as values: parsing, fingerprints, stored results, cursors."""

from __future__ import annotations

import datetime as dt

import pytest

from tarifa.crm.model import Position
from tarifa.errors import ValidationError
from tarifa.inventory.model import ResourceKind
from tarifa.orders.model import (
    Action,
    CustomerOutcome,
    ItemOutcome,
    OrderResult,
    Outcome,
    ResourceOutcome,
    parse_order,
)

ORDER = {
    "order_id": " OMS-1 ",
    "customer": {"external_id": "CRM-7", "emails": ["a@example.org"]},
    "items": [
        {"action": "subscribe", "plan": "mobile-s", "start": "2026-03-01",
         "resources": [{"kind": "phone_number", "value": "+49 151 12345678"}]},
        {"action": "cancel", "subscription_id": 4, "on": dt.date(2026, 4, 1)},
    ],
}  # fmt: skip


def test_the_same_order_written_otherwise_has_the_same_fingerprint() -> None:
    order = parse_order(ORDER)
    assert (order.order_id, order.customer_external_id) == ("OMS-1", "CRM-7")
    subscribe, cancel = order.items
    assert (subscribe.quantity, subscribe.resources[0].value) == (1, "+4915112345678")
    assert (cancel.action, cancel.on) == (Action.CANCEL, dt.date(2026, 4, 1))
    written_otherwise = ORDER | {
        "order_id": "OMS-1",
        "items": [ORDER["items"][0] | {"quantity": 1, "resources": [
            {"kind": "phone_number", "value": "+4915112345678"}]},
            ORDER["items"][1] | {"on": "2026-04-01", "at_period_end": False}],
    }  # fmt: skip
    assert parse_order(written_otherwise).fingerprint() == order.fingerprint()
    changed = ORDER | {"items": [ORDER["items"][0] | {"quantity": 2}, ORDER["items"][1]]}
    assert parse_order(changed).fingerprint() != order.fingerprint()
    assert order.customer_fields() == {"external_id": "CRM-7", "emails": ["a@example.org"]}


def test_fields_an_action_does_not_use_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_order(ORDER | {"items": [{"action": "suspend", "subscription": "L",
                                        "plan": "mobile-s", "colour": "red"}]})  # fmt: skip
    assert [(e.field, e.reason) for e in refused.value.errors] == [
        ("items[0].colour", "unknown field"),
        ("items[0].plan", "is not used by suspend"),
    ]


def test_a_result_survives_its_trip_through_the_database_as_json() -> None:
    sim = ResourceOutcome(
        kind=ResourceKind.SIM, value="8944500102198304826", status="assigned", subscription_id=3
    )
    item = ItemOutcome(
        action=Action.SUBSCRIBE,
        subscription_id=3,
        subscription_external_id=None,
        version=1,
        effective=dt.date(2026, 3, 1),
        resources=(sim,),
    )
    result = OrderResult(
        order_id="OMS-1",
        applied_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
        customer=CustomerOutcome(id=1, external_id="CRM-7", outcome=Outcome.CREATED, version=1),
        items=(item,),
    )
    again = OrderResult.from_json(result.to_json(), replayed=True)
    assert (again.items, again.customer, again.applied_at) == (
        result.items, result.customer, result.applied_at)  # fmt: skip
    assert again.replayed


def test_a_feed_position_is_an_opaque_token_that_reads_back() -> None:
    position = Position(audit_id=120, part=3)
    assert Position.parse(position.token()) == position
    assert Position.parse(None) == Position()
    assert Position() < position
    for bad in ("x", "aWQ6MTI", Position(audit_id=1).token()[:-2] + "!!"):
        with pytest.raises(ValidationError):
            Position.parse(bad)
