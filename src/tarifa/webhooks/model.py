"""Webhook values: event types, endpoints, events, deliveries and their attempts, the retry
schedule and the message body. Pure: no I/O, no clock (the caller passes times and the
random spread of the jitter)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tarifa.errors import FieldError, ValidationError

#: What tarifa writes to the outbox (docs/webhooks.md has each payload).
EVENT_TYPES = (
    "invoice.finalized",
    "invoice.paid",
    "payment.succeeded",
    "payment.failed",
    "dispute.opened",
    "dispute.closed",
    "subscription.changed",
    "usage.quarantined",
    "bill_run.completed",
)
ALL_EVENTS = "*"
MAX_URL_LENGTH = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """Where events are POSTed. The signing secret is not part of it: it is shown once,
    when the endpoint is made (`Webhooks.add_endpoint`)."""

    id: int
    url: str
    event_types: tuple[str, ...]
    description: str | None
    active: bool
    created_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One row of the outbox; `id` is the message id (`webhook-id`) of every delivery of it."""

    id: str
    seq: int
    type: str
    payload: dict[str, Any]
    created_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """An event on its way to one endpoint: pending (due at `next_attempt_at`), delivered,
    or failed after the last attempt the schedule allows."""

    id: int
    event_id: str
    event_type: str
    endpoint_id: int
    url: str
    replay: bool
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One line of the delivery log. No `finished_at`: in flight, or cut off (its worker
    died; the delivery is tried again when the lease ends)."""

    id: int
    delivery_id: int
    event_id: str
    event_type: str
    endpoint_id: int
    url: str
    attempt: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status_code: int | None
    duration_ms: int | None
    error: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Sent:
    """What one attempt of the worker came to (`outcome`: delivered, retrying or failed)."""

    event_id: str
    event_type: str
    url: str
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int
    outcome: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PurgeReport:
    """What a purge removed: events, their deliveries and their attempts."""

    events: int
    deliveries: int
    attempts: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryReport:
    """What a `deliver` call did: attempts made, and what they came to."""

    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def add(self, sent: Sent) -> DeliveryReport:
        return DeliveryReport(
            attempted=self.attempted + 1,
            delivered=self.delivered + (sent.outcome == "delivered"),
            retrying=self.retrying + (sent.outcome == "retrying"),
            failed=self.failed + (sent.outcome == "failed"),
        )


def _seconds(*values: float) -> tuple[dt.timedelta, ...]:
    return tuple(dt.timedelta(seconds=v) for v in values)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrySchedule:
    """The waits after each failed attempt: the default tries 9 times over about 3 days and
    9 hours (30 s, 2 min, 10 min, 1 h, 6 h, 24 h, 24 h, 24 h), each wait spread by up to
    ±`jitter` (a tenth) so that retries of many deliveries to an endpoint that was down do
    not all arrive at the same second. After the last attempt the delivery is failed (a
    replay sends the event again)."""

    delays: tuple[dt.timedelta, ...] = _seconds(30, 120, 600, 3600, 6 * 3600, *(3 * [86400]))
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if any(d < dt.timedelta(0) for d in self.delays) or not 0 <= self.jitter < 1:
            raise ValidationError.single("schedule", "delays must be >= 0, jitter in [0, 1)")

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def next_delay(self, attempt: int, spread: float) -> dt.timedelta | None:
        """The wait after failed attempt number `attempt` (from 1), or None when it was the
        last. `spread` in [-1, 1] (random, from the caller) scales the jitter."""
        if attempt >= self.max_attempts:
            return None
        return self.delays[attempt - 1] * (1 + self.jitter * max(-1.0, min(1.0, spread)))


DEFAULT_SCHEDULE = RetrySchedule()


def message_body(event_type: str, created_at: dt.datetime, payload: dict[str, Any]) -> bytes:
    """The JSON POSTed for an event, in the Standard Webhooks shape: ``{"type", "timestamp",
    "data"}`` (the timestamp is when the event happened, in UTC). Compact and with sorted
    keys, so the same event always has the same bytes."""
    stamp = created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    document = {"type": event_type, "timestamp": stamp.replace("+00:00", "Z"), "data": payload}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def check_endpoint(url: str, event_types: tuple[str, ...]) -> None:
    """ValidationError naming every problem with an endpoint's URL and event types."""
    problems = []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_LENGTH:
        problems.append(FieldError("url", "must be an http(s) URL with a host"))
    if not event_types:
        problems.append(FieldError("event_types", f"name at least one (or {ALL_EVENTS!r})"))
    unknown = sorted(set(event_types) - {*EVENT_TYPES, ALL_EVENTS})
    if unknown:
        problems.append(
            FieldError("event_types", f"unknown {unknown}; known: {', '.join(EVENT_TYPES)}")
        )
    if problems:
        raise ValidationError(problems)


__all__ = [
    "ALL_EVENTS",
    "DEFAULT_SCHEDULE",
    "EVENT_TYPES",
    "Attempt",
    "Delivery",
    "DeliveryReport",
    "Endpoint",
    "Event",
    "RetrySchedule",
    "Sent",
    "check_endpoint",
    "message_body",
]
