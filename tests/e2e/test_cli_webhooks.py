"""`tarifa webhooks` as processes: endpoints added (the secret shown once), events and the
log listed, replay; and the at-least-once promise: a worker killed with SIGKILL while the
receiver holds its request leaves the delivery due, and a restarted worker delivers it with
the same webhook-id."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tarifa.facade import connect
from tarifa.webhooks import verify
from webhook_receiver import Receiver, receiving

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
TARIFA = [sys.executable, "-m", "tarifa", "webhooks"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return os.environ | {"TARIFA_DATABASE_URL": url, "TARIFA_HOME": str(tmp_path / "home")}


def _run(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [*TARIFA, *args, "--json"], env=env, capture_output=True, text=True, timeout=120,
        check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def _subscribe(url: str, external_id: str) -> None:
    """The catalog, and a customer with a Mobile S subscription: one subscription.changed
    event."""
    with connect(url, actor="test:setup") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        billing.customers.create(
            {"external_id": external_id, "kind": "person", "legal_name": "Kim Ill",
             "country": "DE", "currency": "EUR", "time_zone": "Europe/Berlin",
             "billing_cycle_day": 1, "locale": "de-DE"}
        )  # fmt: skip
        billing.subscriptions.create(external_id, "mobile-s", dt.date(2026, 3, 1))


def _rows(url: str, query: str) -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


def test_endpoints_events_log_and_replay_through_the_cli(
    fresh_db: str, tmp_path: Path, receiver: Receiver
) -> None:
    env = _env(fresh_db, tmp_path)
    added = _run(env, "endpoints", "add", receiver.url, "--events",
                 "subscription.changed,payment.succeeded")  # fmt: skip
    assert added["secret"].startswith("whsec_")
    assert added["event_types"] == ["subscription.changed", "payment.succeeded"]
    (listed,) = _run(env, "endpoints", "list")
    assert listed["id"] == added["id"]
    assert "secret" not in listed
    _subscribe(fresh_db, "A")
    (event,) = _run(env, "events")
    assert (event["type"], event["payload"]["account_external_id"]) == ("subscription.changed",
                                                                        "A")  # fmt: skip
    delivered = subprocess.run(
        [*TARIFA, "deliver", "--once"], env=env, capture_output=True, text=True, timeout=120,
        check=True,
    )  # fmt: skip
    assert "200" in delivered.stdout
    assert "1 delivered" in delivered.stdout
    (request,) = receiver.received
    assert (
        verify(added["secret"], request.headers, request.body, now=int(time.time()))
        == (event["id"])
    )
    (replayed,) = _run(env, "replay", event["id"], "--endpoint", str(added["id"]))
    assert (replayed["replay"], replayed["status"]) == (True, "pending")
    lines = subprocess.run(
        [*TARIFA, "deliver", "--once", "--json"], env=env, capture_output=True, text=True,
        timeout=120, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert json.loads(lines[0])["outcome"] == "delivered"
    assert json.loads(lines[-1])["report"]["delivered"] == 1
    assert receiver.ids() == [event["id"], event["id"]]
    log = _run(env, "log")
    assert [(a["attempt"], a["status_code"]) for a in log] == [(1, 200), (1, 200)]
    disabled = _run(env, "endpoints", "disable", str(added["id"]))
    assert disabled["active"] is False
    refused = subprocess.run(
        [*TARIFA, "endpoints", "add", "ftp://nowhere", "--events", "invoice.payed"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "url" in refused.stderr
    assert "invoice.payed" in refused.stderr


def test_a_worker_killed_mid_delivery_leaves_it_to_the_next_worker(
    fresh_db: str, tmp_path: Path, receiver: Receiver
) -> None:
    env = _env(fresh_db, tmp_path)
    added = _run(env, "endpoints", "add", receiver.url, "--events", "*")
    _subscribe(fresh_db, "KILL")
    receiver.holding = True  # the receiver takes the request and does not answer
    worker = [*TARIFA, "deliver", "--timeout", "3", "--poll", "0.2"]
    first = subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert receiver.arrived.wait(60), "the worker sent nothing"
        # Claimed and logged before it was sent: committed, so visible from here.
        (delivery,) = _rows(fresh_db, "SELECT * FROM webhook_deliveries")
        assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
        first.send_signal(signal.SIGKILL)  # while the receiver holds the request
        first.wait(30)
    finally:
        first.kill()
        receiver.holding = False
        receiver.release.set()
    (attempt,) = _rows(fresh_db, "SELECT * FROM webhook_attempts")
    assert attempt["finished_at"] is None  # cut off
    second = subprocess.Popen(worker, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60  # the lease (3 × 3 s + 5 s) ends first
        while time.monotonic() < deadline:
            (delivery,) = _rows(fresh_db, "SELECT * FROM webhook_deliveries")
            if delivery["status"] == "delivered":
                break
            time.sleep(0.2)
        second.send_signal(signal.SIGTERM)  # stops after the batch in flight
        assert second.wait(30) == 0
    finally:
        second.kill()
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)
    (event,) = _rows(fresh_db, "SELECT id FROM webhook_events")
    assert receiver.ids() == [event["id"], event["id"]]  # at least once, the same webhook-id
    for request in receiver.received:
        verify(added["secret"], request.headers, request.body, now=int(time.time()))
    attempts = _rows(fresh_db, "SELECT * FROM webhook_attempts ORDER BY attempt")
    assert [(a["attempt"], a["status_code"], a["finished_at"] is None) for a in attempts] == [
        (1, None, True), (2, 200, False)
    ]  # fmt: skip
    # The lease: the second attempt started after the first claim's lease ran out.
    assert attempts[1]["started_at"] - attempts[0]["started_at"] >= dt.timedelta(seconds=13)


def test_purge_removes_delivered_events_older_than_the_days_given(
    fresh_db: str, tmp_path: Path, receiver: Receiver
) -> None:
    env = _env(fresh_db, tmp_path)
    _run(env, "endpoints", "add", receiver.url, "--events", "*")
    _subscribe(fresh_db, "OLD")
    subprocess.run([*TARIFA, "deliver", "--once"], env=env, check=True, capture_output=True,
                   timeout=120)  # fmt: skip
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        written, sent = conn.execute(
            "SELECT (SELECT count(*) FROM webhook_events),"
            " (SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered')"
        ).fetchone()  # type: ignore[misc]
        conn.execute("UPDATE webhook_events SET created_at = now() - interval '40 days'")
    assert written >= 1
    assert sent == written  # every event delivered once
    assert _run(env, "purge", "--older-than", "60")["events"] == 0  # younger than 60 days
    purged = _run(env, "purge", "--older-than", "30")
    assert (purged["events"], purged["deliveries"], purged["attempts"]) == (written,) * 3
    assert _run(env, "events") == []
