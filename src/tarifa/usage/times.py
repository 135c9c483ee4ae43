"""Event start times as the database reads them.

A reader checks each time here and hands PostgreSQL a text it certainly reads; PostgreSQL
turns it into an instant (COPY into a timestamptz column). A time with a UTC offset is exact.
A time without one is read in the import's ``--timezone`` (the transaction's TimeZone): one
that occurs twice, in the hour when clocks go back, is read as the second (standard-time)
occurrence, and one that does not exist, in the hour skipped when clocks go forward, is read
with the offset in force before the change (02:30 becomes 03:30 summer time). A file of local
times without a zone is refused rather than guessed.

Formats (the ``format`` of the mapping's ``start``):

- ``iso`` (default): ISO 8601, ``2026-03-02 09:15:00``, ``2026-03-02T09:15:00+01:00``, ``…Z``;
- ``epoch`` / ``epoch_ms``: seconds / milliseconds since 1970-01-01 UTC;
- anything else is a ``strptime`` pattern (``%d.%m.%Y %H:%M:%S``); with ``%z`` the times carry
  their offset, without it they are local.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

#: (text for PostgreSQL, problem or None)
Parsed = tuple[str, str | None]
NO_ZONE = "has no UTC offset: give the time zone of the file's local times (--timezone)"
_MAX_EPOCH = Decimal(253_402_300_799)  # 9999-12-31T23:59:59Z


def is_local_format(time_format: str) -> bool:
    """True when every time of this format lacks an offset (so --timezone is required)."""
    if time_format in ("iso", "epoch", "epoch_ms"):
        return False
    return "%z" not in time_format and "%Z" not in time_format


def parser(time_format: str, *, zone_given: bool) -> Callable[[str], Parsed]:
    """The check for one format; local times are refused unless a zone was given."""
    if time_format == "iso":
        return lambda text: iso(text, zone_given=zone_given)
    if time_format == "epoch":
        return lambda text: epoch(text, 1)
    if time_format == "epoch_ms":
        return lambda text: epoch(text, 1000)
    return lambda text: pattern(text, time_format, zone_given=zone_given)


def iso(text: str, *, zone_given: bool) -> Parsed:
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value, f"the start time {value!r} is not an ISO 8601 date and time"
    if moment.tzinfo is None and not zone_given:
        return value, f"the start time {value} {NO_ZONE}"
    # The common shapes PostgreSQL reads as they are (2026-03-02 09:15:00, with T, with Z or
    # an offset ±hh:mm); any other is written out again by Python.
    size = len(value)
    if value[10:11] in (" ", "T") and (
        size == 19
        or (size == 20 and value[19] == "Z")
        or (size == 25 and value[19] in "+-" and value[22] == ":")
    ):
        return value, None
    return moment.isoformat(), None


def epoch(text: str, per_second: int) -> Parsed:
    value = text.strip()
    try:
        seconds = Decimal(value) / per_second
    except InvalidOperation:
        return value, f"the start time {value!r} is not a number of seconds since 1970"
    if not seconds.is_finite() or not 0 <= seconds <= _MAX_EPOCH:
        return value, f"the start time {value!r} is out of range"
    whole = int(seconds)
    moment = datetime.fromtimestamp(whole, UTC)
    fraction = seconds - whole
    if fraction:
        return moment.replace(microsecond=int(fraction * 1_000_000)).isoformat(), None
    return moment.isoformat(), None


def pattern(text: str, time_format: str, *, zone_given: bool) -> Parsed:
    value = text.strip()
    try:
        moment = datetime.strptime(value, time_format)  # noqa: DTZ007 - the zone is applied by PostgreSQL
    except ValueError:
        return value, f"the start time {value!r} does not match the format {time_format!r}"
    if moment.tzinfo is None and not zone_given:
        return value, f"the start time {value} {NO_ZONE}"
    return moment.isoformat(), None
