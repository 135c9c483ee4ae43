"""Delivering webhook events to a real HTTP receiver (a server in a thread of the test):
Standard Webhooks signatures that verify, retries with backoff, a delivery that fails for
good, the log of every attempt, replay, and two workers that never send one delivery twice."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tarifa.db.connection import PooledDatabase
from tarifa.errors import ValidationError
from tarifa.facade import Billing, connect
from tarifa.webhooks import RetrySchedule, Webhooks, verify
from tarifa.webhooks.delivery import lease_seconds
from webhook_receiver import Receiver, receiving

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date
NO_WAIT = RetrySchedule(delays=(dt.timedelta(0), dt.timedelta(0)), jitter=0)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def _customer(billing: Billing, external_id: str = "A") -> None:
    billing.customers.create(
        {"external_id": external_id, "kind": "person", "legal_name": f"Person {external_id}",
         "country": "DE", "currency": "EUR", "time_zone": "Europe/Berlin",
         "billing_cycle_day": 1, "locale": "de-DE"}
    )  # fmt: skip


def _event(billing: Billing, external_id: str = "A") -> str:
    """A subscription.changed event (a subscription created); its id."""
    before = {e.id for e in billing.webhooks.events(type="subscription.changed", limit=10_000)}
    _customer(billing, external_id)
    billing.subscriptions.create(external_id, "mobile-s", D(2026, 3, 1))
    (new,) = [e for e in billing.webhooks.events(type="subscription.changed", limit=10_000)
              if e.id not in before]  # fmt: skip
    return new.id


@pytest.fixture
def shop(billing: Billing) -> Billing:
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    return billing


def test_an_event_arrives_signed_in_the_standard_webhooks_scheme(
    shop: Billing, receiver: Receiver
) -> None:
    endpoint, secret = shop.webhooks.add_endpoint(receiver.url, ["subscription.changed"])
    event_id = _event(shop)
    report = shop.webhooks.deliver()
    assert (report.attempted, report.delivered) == (1, 1)
    (request,) = receiver.received
    assert request.headers["content-type"] == "application/json"
    assert verify(secret, request.headers, request.body, now=int(time.time())) == event_id
    # The same signature computed here with hmac alone, from the scheme's definition.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{event_id}.{request.headers['webhook-timestamp']}.".encode() + request.body
    digest = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert request.headers["webhook-signature"] == f"v1,{digest}"
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    document = json.loads(request.body)
    event = shop.webhooks.event(event_id)
    assert document["type"] == "subscription.changed"
    assert document["data"] == event.payload
    assert document["timestamp"].endswith("Z")
    (delivery,) = shop.webhooks.deliveries(event_id=event_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1,
                                                                               200)  # fmt: skip
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None
    (attempt,) = shop.webhooks.log(endpoint=endpoint.id)
    assert (attempt.attempt, attempt.status_code, attempt.error) == (1, 200, None)
    assert attempt.finished_at is not None
    assert attempt.duration_ms is not None
    assert shop.webhooks.deliver().attempted == 0  # delivered: not sent again


def test_a_receiver_answering_500_then_200_is_retried_after_the_backoff(
    shop: Billing, receiver: Receiver, conn: Any
) -> None:
    shop.webhooks.add_endpoint(receiver.url, ["*"])
    event_id = _event(shop)
    receiver.answers = [500]
    first = shop.webhooks.deliver()
    assert (first.attempted, first.retrying) == (1, 1)
    (delivery,) = shop.webhooks.deliveries(event_id=event_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code,
            delivery.last_error) == ("pending", 1, 500, "HTTP 500")  # fmt: skip
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=25) < wait <= dt.timedelta(seconds=33)  # 30 s ± 10 %
    assert shop.webhooks.deliver().attempted == 0  # not due yet
    # 30 seconds later:
    conn.execute("UPDATE webhook_deliveries SET next_attempt_at = clock_timestamp()")
    second = shop.webhooks.deliver()
    assert (second.attempted, second.delivered) == (1, 1)
    assert receiver.ids() == [event_id, event_id]
    assert [(a.attempt, a.status_code) for a in shop.webhooks.log(event_id=event_id)] == [
        (2, 200), (1, 500)
    ]  # fmt: skip
    (delivery,) = shop.webhooks.deliveries(event_id=event_id)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_a_delivery_failing_past_the_last_attempt_ends_failed(
    shop: Billing, receiver: Receiver
) -> None:
    shop.webhooks.add_endpoint(receiver.url, ["*"])
    event_id = _event(shop)
    receiver.answers = [503, 503, 503]
    report = shop.webhooks.deliver(schedule=NO_WAIT)
    assert (report.attempted, report.retrying, report.failed) == (3, 2, 1)
    (delivery,) = shop.webhooks.deliveries(event_id=event_id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    log = shop.webhooks.log(event_id=event_id)
    assert [(a.attempt, a.status_code, a.error) for a in log] == [
        (3, 503, "HTTP 503"), (2, 503, "HTTP 503"), (1, 503, "HTTP 503")
    ]  # fmt: skip
    assert shop.webhooks.deliver(schedule=NO_WAIT).attempted == 0  # failed: left alone


def test_an_unreachable_or_slow_receiver_is_logged_with_the_error(
    shop: Billing, receiver: Receiver
) -> None:
    shop.webhooks.add_endpoint("http://127.0.0.1:9/nobody", ["*"])  # the discard port: closed
    slow, _ = shop.webhooks.add_endpoint(receiver.url, ["*"])
    _event(shop)
    receiver.holding = True
    try:
        report = shop.webhooks.deliver(timeout=0.5)
    finally:
        receiver.release.set()
    assert (report.attempted, report.retrying) == (2, 2)
    errors = sorted(str(a.error).split(":")[0] for a in shop.webhooks.log())
    assert errors == ["ConnectError", "ReadTimeout"]
    (attempt,) = shop.webhooks.log(endpoint=slow.id)
    assert attempt.status_code is None
    assert 450 <= (attempt.duration_ms or 0) < 5000


def test_replay_sends_the_same_event_id_again_in_a_new_delivery(
    shop: Billing, receiver: Receiver
) -> None:
    first, _ = shop.webhooks.add_endpoint(receiver.url, ["*"])
    _second, _ = shop.webhooks.add_endpoint(receiver.url + "/second", ["subscription.changed"])
    event_id = _event(shop)
    assert shop.webhooks.deliver().delivered == 2
    (replay,) = shop.webhooks.replay(event_id, endpoint=first.id)
    assert (replay.event_id, replay.endpoint_id, replay.replay, replay.status) == (
        event_id, first.id, True, "pending"
    )  # fmt: skip
    assert shop.webhooks.deliver().delivered == 1
    assert len(shop.webhooks.replay(event_id)) == 2  # to every endpoint subscribed now
    assert shop.webhooks.deliver().delivered == 2
    assert receiver.ids() == [event_id] * 5
    deliveries = shop.webhooks.deliveries(event_id=event_id)
    assert [(d.replay, d.status) for d in deliveries] == [(True, "delivered")] * 3 + [
        (False, "delivered")
    ] * 2


def test_a_disabled_endpoint_keeps_its_deliveries_until_enabled(
    shop: Billing, receiver: Receiver
) -> None:
    endpoint, _ = shop.webhooks.add_endpoint(receiver.url, ["*"])
    event_id = _event(shop, "A")
    shop.webhooks.disable(endpoint.id)
    _customer(shop, "B")
    shop.subscriptions.create("B", "mobile-s", D(2026, 3, 1))  # no active endpoint: no event
    assert [e.id for e in shop.webhooks.events()] == [event_id]
    assert shop.webhooks.deliver().attempted == 0
    shop.webhooks.enable(endpoint.id)
    assert shop.webhooks.deliver().delivered == 1
    assert receiver.ids() == [event_id]
    removed = shop.webhooks.remove(endpoint.id)
    assert removed.id == endpoint.id
    assert shop.webhooks.deliveries() == []
    assert shop.webhooks.log() == []
    assert shop.webhooks.event(event_id).id == event_id  # the event stays


def test_the_lease_covers_connecting_sending_and_answering() -> None:
    assert lease_seconds(10) == 35


@pytest.mark.parametrize("batch", [1, 7])
def test_two_workers_at_once_send_each_delivery_once(
    fresh_db: str, receiver: Receiver, batch: int
) -> None:
    with connect(fresh_db, actor="test:setup") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        billing.webhooks.add_endpoint(receiver.url, ["subscription.changed"])
        for n in range(30):
            _customer(billing, f"C{n}")
            billing.subscriptions.create(f"C{n}", "mobile-s", D(2026, 3, 1))
    reports = []

    def work() -> None:
        db = PooledDatabase(fresh_db, max_size=2)
        try:
            reports.append(Webhooks(db, actor="test:worker").deliver(batch=batch))
        finally:
            db.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert sum(r.delivered for r in reports) == 30
    assert len(receiver.ids()) == len(set(receiver.ids())) == 30


def test_a_purge_removes_old_events_done_with_and_keeps_those_still_being_delivered(
    shop: Billing, receiver: Receiver, conn: Any
) -> None:
    shop.webhooks.add_endpoint(receiver.url, ["subscription.changed"])
    delivered = _event(shop, "A")
    assert shop.webhooks.deliver().delivered == 1
    failed = _event(shop, "B")
    receiver.answers = [503, 503, 503]
    assert shop.webhooks.deliver(schedule=NO_WAIT).failed == 1
    pending = _event(shop, "C")
    receiver.answers = [500]
    assert shop.webhooks.deliver().retrying == 1
    recent = _event(shop, "D")
    assert shop.webhooks.deliver().delivered == 1
    conn.execute(
        "UPDATE webhook_events SET created_at = created_at - interval '100 days'"
        " WHERE id = ANY(%(ids)s)",
        {"ids": [delivered, failed, pending]},
    )
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=90)

    report = shop.webhooks.purge(before=before)

    # A: 1 delivery, 1 attempt; B: 1 delivery, 3 attempts. C is pending, D is recent.
    assert (report.events, report.deliveries, report.attempts) == (2, 2, 4)
    left = {e.id for e in shop.webhooks.events(type="subscription.changed", limit=10_000)}
    assert {delivered, failed} & left == set()
    assert {pending, recent} <= left
    assert [a.attempt for a in shop.webhooks.log(event_id=pending)] == [1]
    (entry,) = conn.execute(
        "SELECT data FROM audit_log WHERE action = 'webhook_events.purged'"
    ).fetchall()
    assert entry["data"]["events"] == 2
    assert shop.webhooks.purge(before=before).events == 0  # nothing left to remove


def test_a_purge_needs_an_instant_with_its_time_zone(shop: Billing) -> None:
    with pytest.raises(ValidationError) as refused:
        shop.webhooks.purge(before=dt.datetime(2026, 1, 1))  # noqa: DTZ001 (the point)
    assert [e.field for e in refused.value.errors] == ["before"]
