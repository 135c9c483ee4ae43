"""The delivery worker (`tarifa webhooks deliver`): claims due deliveries, POSTs each event
signed in the Standard Webhooks scheme, logs every attempt and schedules retries.

At least once, never twice at the same time: a batch is claimed with ``FOR UPDATE SKIP
LOCKED`` (several workers skip each other's rows) and leased (`next_attempt_at` pushed past
the longest an attempt may take) with its attempts logged, committed *before* anything is
sent; the answers are recorded in a second transaction. A worker killed between the two
leaves its deliveries pending with the lease as their due time: the next worker to run after
it sends them again, with the same `webhook-id`. Receivers deduplicate on that id.

A batch is sent concurrently (one thread per delivery, no database connection held while
waiting), so one slow endpoint delays a batch by at most the timeout.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import ValidationError
from tarifa.webhooks import signing
from tarifa.webhooks.model import (
    DEFAULT_SCHEDULE,
    DeliveryReport,
    RetrySchedule,
    Sent,
    message_body,
)

_SQL = queries.load("webhooks")
USER_AGENT = "tarifa-webhooks/1"
#: Of a receiver's answer, the log keeps this many characters.
RESPONSE_EXCERPT = 1000
#: Added to the lease beyond the attempt's own limits (a slow commit, a clock tick).
LEASE_MARGIN_SECONDS = 5.0


def lease_seconds(timeout: float) -> float:
    """How long a claimed delivery stays out of other workers' reach: connecting, sending
    and waiting for the answer are each limited by `timeout`, reading the answer's start by
    the same deadline."""
    return 3 * timeout + LEASE_MARGIN_SECONDS


@dataclass(frozen=True, slots=True, kw_only=True)
class _Claim:
    delivery_id: int
    attempt: int
    attempt_id: int
    event_id: str
    type: str
    payload: dict[str, Any]
    created_at: dt.datetime
    url: str
    secret: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Answer:
    status_code: int | None
    error: str | None
    response: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def run(
    db: Database,
    *,
    once: bool = True,
    batch: int = 10,
    timeout: float = 10.0,
    schedule: RetrySchedule = DEFAULT_SCHEDULE,
    poll_seconds: float = 1.0,
    client: httpx.Client | None = None,
    on_sent: Callable[[Sent], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Deliver what is due. `once`: until nothing is due, then return; otherwise keep
    polling every `poll_seconds` until `stop()` says so (or the process is stopped)."""
    if batch < 1 or timeout <= 0 or poll_seconds < 0:
        raise ValidationError.single("batch", "batch >= 1, timeout > 0 and poll >= 0 required")
    report = DeliveryReport()
    http = client or httpx.Client(follow_redirects=False)
    try:
        while stop is None or not stop():
            sent = deliver_batch(db, http, batch=batch, timeout=timeout, schedule=schedule)
            for one in sent:
                report = report.add(one)
                if on_sent is not None:
                    on_sent(one)
            if not sent:
                if once:
                    break
                time.sleep(poll_seconds)
    finally:
        if client is None:
            http.close()
    return report


def deliver_batch(
    db: Database,
    client: httpx.Client,
    *,
    batch: int,
    timeout: float,
    schedule: RetrySchedule = DEFAULT_SCHEDULE,
) -> list[Sent]:
    """Claim up to `batch` due deliveries, send them, record the answers."""
    with db.transaction() as conn:
        claims = [
            _claim(r)
            for r in queries.rows(
                conn, _SQL["claim"], {"batch": batch, "lease": lease_seconds(timeout)}
            )
        ]
    if not claims:
        return []
    if len(claims) == 1:
        answers = [_send(client, claims[0], timeout)]
    else:
        with ThreadPoolExecutor(max_workers=len(claims)) as pool:
            answers = list(pool.map(lambda c: _send(client, c, timeout), claims))
    with db.transaction() as conn:
        return [_record(conn, c, a, schedule) for c, a in zip(claims, answers, strict=True)]


def _claim(row: Mapping[str, Any]) -> _Claim:
    return _Claim(**{f: row[f] for f in _Claim.__dataclass_fields__})


def _send(client: httpx.Client, claim: _Claim, timeout: float) -> _Answer:
    body = message_body(claim.type, claim.created_at, claim.payload)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signing.headers(claim.secret, claim.event_id, int(time.time()), body),
    }
    started = time.monotonic()
    try:
        with client.stream(
            "POST", claim.url, content=body, headers=headers, timeout=timeout
        ) as response:
            excerpt = _excerpt(response.iter_bytes(), started + timeout)
            code = response.status_code
    except (httpx.HTTPError, httpx.InvalidURL) as err:
        return _Answer(status_code=None, error=f"{type(err).__name__}: {err}"[:RESPONSE_EXCERPT],
                       response=None, duration_ms=_ms(started))  # fmt: skip
    error = None if 200 <= code < 300 else f"HTTP {code}"
    return _Answer(status_code=code, error=error, response=excerpt, duration_ms=_ms(started))


def _excerpt(chunks: Iterable[bytes], deadline: float) -> str:
    """The start of the answer's body, read until the excerpt is full or the deadline."""
    read = b""
    for chunk in chunks:
        read += chunk
        if len(read) >= RESPONSE_EXCERPT or time.monotonic() > deadline:
            break
    return read[:RESPONSE_EXCERPT].decode("utf-8", errors="replace")


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _record(conn: Connection, claim: _Claim, answer: _Answer, schedule: RetrySchedule) -> Sent:
    params = {
        "attempt_id": claim.attempt_id,
        "delivery_id": claim.delivery_id,
        "attempt": claim.attempt,
        "status_code": answer.status_code,
        "duration_ms": answer.duration_ms,
        "error": answer.error,
        "response": answer.response,
    }
    conn.execute(_SQL["finish_attempt"], params)
    if answer.ok:
        conn.execute(_SQL["delivered"], params)
        outcome = "delivered"
    else:
        # random() spreads retries; it is not a secret (S311 does not apply).
        delay = schedule.next_delay(claim.attempt, random.uniform(-1, 1))  # noqa: S311
        if delay is None:
            conn.execute(_SQL["give_up"], params)
            outcome = "failed"
        else:
            conn.execute(_SQL["retry"], params | {"delay": delay.total_seconds()})
            outcome = "retrying"
    return Sent(
        event_id=claim.event_id,
        event_type=claim.type,
        url=claim.url,
        attempt=claim.attempt,
        status_code=answer.status_code,
        error=answer.error,
        duration_ms=answer.duration_ms,
        outcome=outcome,
    )


__all__ = ["LEASE_MARGIN_SECONDS", "USER_AGENT", "deliver_batch", "lease_seconds", "run"]
