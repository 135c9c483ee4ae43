"""The webhook retry schedule, the message body and the endpoint checks (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from tarifa.errors import ValidationError
from tarifa.webhooks.model import (
    DEFAULT_SCHEDULE,
    RetrySchedule,
    check_endpoint,
    message_body,
)

S = dt.timedelta(seconds=1)


def test_the_default_schedule_waits_longer_each_time_for_about_three_days() -> None:
    waits = [DEFAULT_SCHEDULE.next_delay(n, 0.0) for n in range(1, 10)]
    assert waits == [30 * S, 120 * S, 600 * S, 3600 * S, 6 * 3600 * S,
                     86400 * S, 86400 * S, 86400 * S, None]  # fmt: skip
    assert DEFAULT_SCHEDULE.max_attempts == 9
    total = sum((w for w in waits if w is not None), dt.timedelta(0))
    assert dt.timedelta(days=3, hours=7) < total < dt.timedelta(days=3, hours=8)


def test_jitter_spreads_a_wait_by_at_most_a_tenth() -> None:
    assert DEFAULT_SCHEDULE.next_delay(1, 1.0) == 33 * S
    assert DEFAULT_SCHEDULE.next_delay(1, -1.0) == 27 * S
    assert DEFAULT_SCHEDULE.next_delay(1, 5.0) == 33 * S  # clamped


def test_a_schedule_of_two_waits_allows_three_attempts() -> None:
    schedule = RetrySchedule(delays=(S, 2 * S), jitter=0)
    assert [schedule.next_delay(n, 0.7) for n in (1, 2, 3)] == [S, 2 * S, None]


def test_a_negative_wait_is_refused() -> None:
    with pytest.raises(ValidationError):
        RetrySchedule(delays=(-S,))


def test_the_body_is_the_standard_webhooks_envelope_in_utc() -> None:
    at = dt.datetime(2026, 4, 1, 2, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    body = message_body("payment.failed", at, {"amount": "1.50"})
    assert body == (b'{"data":{"amount":"1.50"},"timestamp":"2026-04-01T00:00:00.123456Z",'
                    b'"type":"payment.failed"}')  # fmt: skip


def test_an_endpoint_needs_an_http_url_and_known_event_types() -> None:
    check_endpoint("https://example.com/hooks", ("invoice.paid", "*"))
    with pytest.raises(ValidationError) as caught:
        check_endpoint("ftp://example.com", ("invoice.payed",))
    assert [e.field for e in caught.value.errors] == ["url", "event_types"]
    with pytest.raises(ValidationError, match="at least one"):
        check_endpoint("http://localhost:8080/", ())
