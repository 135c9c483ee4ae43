"""The integrations through real HTTP against `tarifa serve`: order intake (applied once per
order id, all or nothing), CRM upsert and the changes feed paged from a cursor, inventory
(reserve, assign, release into quarantine) and subscriptions whose changes honour If-Match
(412 on a stale version)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tarifa.api.keys import ApiKeys
from tarifa.facade import connect

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "+4915112345678"
SIM = "8944500102198304826"
PERSON: dict[str, Any] = {
    "kind": "person",
    "legal_name": "Erika Mustermann",
    "address": {"city": "Berlin", "country": "DE"},
    "currency": "EUR",
    "time_zone": "Europe/Berlin",
    "billing_cycle_day": 1,
    "locale": "de-DE",
}


class Api:
    """A client of the server with one key."""

    def __init__(self, base: str, token: str) -> None:
        self.client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params)

    def post(self, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return self.client.post(path, json=body, headers=headers)

    def put(self, path: str, body: Any, **headers: str) -> httpx.Response:
        return self.client.put(path, json=body, headers=headers)


@pytest.fixture
def served(fresh_db: str, tmp_path: Path) -> Iterator[dict[str, Api]]:
    """The mobile catalog, a stock of numbers and a SIM, customer A; clients for an admin
    key, a read-only key and A's portal token."""
    with connect(fresh_db, actor="test:setup") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        billing.inventory.add("phone_number", [NUMBER, "+4915112345679"])
        billing.inventory.add("sim", [SIM])
        billing.crm.upsert("A", _flat(PERSON))
        keys = ApiKeys(billing.db, actor="test:setup")
        tokens = {
            "admin": keys.create("ops", ["admin"])[1],
            "reader": keys.create("crm", ["billing:read"])[1],
            "portal_a": keys.create("portal", ["billing:read", "billing:write"], customer="A")[1],
        }
    port = _free_port()
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "x")}
    server = subprocess.Popen(
        [sys.executable, "-m", "tarifa", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        yield {name: Api(base, token) for name, token in tokens.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _flat(customer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in customer.items() if k != "address"} | customer["address"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "tarifa serve did not start"
        time.sleep(0.1)


def order(order_id: str, *items: dict[str, Any], customer: str = "CRM-7") -> dict[str, Any]:
    return {"order_id": order_id, "customer": {"external_id": customer} | PERSON,
            "items": list(items)}  # fmt: skip


SUBSCRIBE = {
    "action": "subscribe",
    "plan": "mobile-s",
    "start": "2026-03-01",
    "external_id": "LINE-1",
    "resources": [{"kind": "phone_number", "value": NUMBER}, {"kind": "sim", "value": SIM}],
}


def test_an_order_is_applied_once_and_another_body_under_its_id_is_refused(served) -> None:
    api = served["admin"]
    first = api.post("/api/v1/orders", order("OMS-1", SUBSCRIBE))
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["customer"]["outcome"], body["replayed"]) == ("created", False)
    assert [r["status"] for r in body["items"][0]["resources"]] == ["assigned", "assigned"]
    again = api.post("/api/v1/orders", order("OMS-1", SUBSCRIBE))
    assert (again.status_code, again.json()["replayed"]) == (200, True)
    assert again.json()["items"] == body["items"]
    other = api.post("/api/v1/orders", order("OMS-1", SUBSCRIBE | {"quantity": 2}))
    assert (other.status_code, other.json()["code"]) == (422, "order_id_reused")
    assert api.get("/api/v1/orders/OMS-1").json()["items"] == body["items"]
    lines = api.get("/api/v1/subscriptions", account="CRM-7").json()["data"]
    assert [s["external_id"] for s in lines] == ["LINE-1"]


def test_an_order_with_a_failing_item_changes_nothing_and_names_the_item(served) -> None:
    api = served["admin"]
    bad = order("OMS-2", SUBSCRIBE, {"action": "change_plan", "subscription": "LINE-1",
                                     "plan": "no-such-plan"}, customer="CRM-8")  # fmt: skip
    refused = api.post("/api/v1/orders", bad)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["items[1].plan"]
    assert api.get("/api/v1/customers/CRM-8").status_code == 404
    number = api.get(f"/api/v1/inventory/phone_number/{NUMBER.replace('+', '%2B')}").json()
    assert number["status"] == "available"
    taken = api.post("/api/v1/orders", order("OMS-3", SUBSCRIBE))
    assert taken.status_code == 201
    conflict = api.post("/api/v1/orders", order("OMS-4", SUBSCRIBE | {"external_id": "LINE-2"}))
    assert (conflict.status_code, conflict.json()["code"]) == (409, "conflict")
    assert served["reader"].post("/api/v1/orders", order("OMS-5", SUBSCRIBE)).status_code == 403


def test_the_crm_upserts_customers_and_pulls_the_changes_a_page_at_a_time(served) -> None:
    api = served["admin"]
    made = api.put("/api/v1/crm/customers/CRM-9", PERSON)
    assert (made.status_code, made.headers["etag"]) == (201, '"1"')
    same = api.put("/api/v1/crm/customers/CRM-9", PERSON)
    assert (same.status_code, same.headers["etag"]) == (200, '"1"')
    renamed = api.put("/api/v1/crm/customers/CRM-9", {"legal_name": "Erika Muster"}, **{
        "If-Match": '"1"'})  # fmt: skip
    assert (renamed.status_code, renamed.headers["etag"]) == (200, '"2"')
    stale = api.put("/api/v1/crm/customers/CRM-9", {"legal_name": "X"}, **{"If-Match": '"1"'})
    assert (stale.status_code, stale.json()["code"]) == (412, "stale_version")
    moved = api.put("/api/v1/crm/customers/CRM-9", {"currency": "GBP"})
    assert [e["field"] for e in moved.json()["errors"]] == ["currency"]
    seen, cursor = _pull(served["reader"], None)
    # A page of one change lists every change: CRM-9 was created, then renamed.
    assert seen == [("customer", "A"), ("customer", "CRM-9"), ("customer", "CRM-9")]
    api.post("/api/v1/subscriptions", {"account": "CRM-9", "plan": "mobile-s",
                                       "start": "2026-03-01"})  # fmt: skip
    api.put("/api/v1/crm/customers/A", {"emails": ["erika@example.org"]})
    later, _ = _pull(served["reader"], cursor)
    assert later == [("subscription", "CRM-9"), ("customer", "A")]
    bad = served["reader"].get("/api/v1/crm/changes", cursor="not-a-cursor")
    assert bad.status_code == 422
    assert served["portal_a"].get("/api/v1/crm/changes").status_code == 403


def _pull(api: Api, cursor: str | None) -> tuple[list[tuple[str, str]], str]:
    """Every change after `cursor`, one per page: (entity, customer external id)."""
    seen: list[tuple[str, str]] = []
    ids: dict[int, str] = {}
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = api.get("/api/v1/crm/changes", **params).json()
        for change in page["data"]:
            if change["customer"]:
                ids[change["customer"]["id"]] = change["customer"]["external_id"]
                seen.append(("customer", change["customer"]["external_id"]))
            else:
                account = change["subscription"]["account_id"]
                seen.append(("subscription", ids.get(account) or _external(api, account)))
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return seen, cursor


def _external(api: Api, account_id: int) -> str:
    customers = api.client.get("/api/v1/customers", params={"limit": 200}).json()["data"]
    return next(c["external_id"] for c in customers if c["id"] == account_id)


def test_numbers_are_reserved_assigned_and_released_into_quarantine(served) -> None:
    api = served["admin"]
    values = [SIM, "8944", "8944500102198304834"]
    added = api.post("/api/v1/inventory", {"kind": "sim", "values": values})
    assert added.json()["existing"] == [SIM]
    assert [e["field"] for e in added.json()["rejected"]] == ["values[1]"]
    line = api.post("/api/v1/subscriptions", {"account": "A", "plan": "mobile-s",
                                              "start": "2026-03-01"}).json()  # fmt: skip
    path = "/api/v1/inventory/phone_number/%2B4915112345679"
    held = api.post(path + "/reserve", {"reserved_for": "OMS-9",
                                        "until": "2030-01-01T00:00:00Z"})  # fmt: skip
    assert held.json()["status"] == "reserved"
    other = api.post(path + "/assign", {"subscription_id": line["id"]})
    assert other.status_code == 409
    placed = api.post(path + "/assign", {"subscription_id": line["id"], "reserved_for": "OMS-9"})
    assert (placed.json()["status"], placed.json()["subscription_id"]) == ("assigned", line["id"])
    freed = api.post(path + "/release")
    assert freed.json()["status"] == "quarantined"
    assert len(api.get(path).json()["assignments"]) == 1
    quarantined = api.get("/api/v1/inventory", kind="phone_number", status="quarantined")
    assert [r["value"] for r in quarantined.json()["data"]] == ["+4915112345679"]
    assert served["portal_a"].get(path).status_code == 403


def test_subscription_changes_honour_if_match_and_customers_see_only_their_own(served) -> None:
    api = served["admin"]
    made = api.post("/api/v1/subscriptions", {"account": "A", "plan": "mobile-s",
                                              "start": "2026-03-01", "quantity": 2})  # fmt: skip
    assert (made.status_code, made.headers["etag"]) == (201, '"1"')
    path = made.headers["location"]
    more = api.post(path + "/change-quantity", {"quantity": 3, "on": "2026-04-01"},
                    **{"If-Match": '"1"'})  # fmt: skip
    assert (more.status_code, more.headers["etag"]) == (200, '"2"')
    stale = api.post(path + "/change-plan", {"plan": "mobile-business"}, **{"If-Match": '"1"'})
    assert (stale.status_code, stale.json()["code"]) == (412, "stale_version")
    assert api.post(path + "/suspend", {"on": "2026-05-01"}).json()["segments"][-1]["state"] == (
        "suspended")  # fmt: skip
    assert api.post(path + "/resume", {"on": "2026-05-10"}).status_code == 200
    ended = api.post(path + "/cancel", {"on": "2026-06-15", "at_period_end": True})
    assert ended.json()["cancelled_from"] == "2026-07-01"
    assert api.get(path).headers["etag"] == '"5"'
    late = api.post(path + "/resume", {"on": "2026-08-01"})
    assert (late.status_code, late.json()["code"]) == (422, "validation_error")
    portal = served["portal_a"]
    assert [s["id"] for s in portal.get("/api/v1/subscriptions").json()["data"]] == [
        made.json()["id"]]  # fmt: skip
    api.put("/api/v1/crm/customers/B", PERSON)
    theirs = api.post("/api/v1/subscriptions", {"account": "B", "plan": "mobile-s",
                                                "start": "2026-03-01"}).json()  # fmt: skip
    assert portal.get(f"/api/v1/subscriptions/{theirs['id']}").status_code == 404
    assert portal.post(f"/api/v1/subscriptions/{theirs['id']}/suspend").status_code == 404
    assert portal.get("/api/v1/subscriptions", account="B").status_code == 404
