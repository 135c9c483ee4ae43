"""Time bands: when a band is active, and where in a call the active bands can change.

A band is read on the **wall clock of the tariff's time zone** (DOMAIN.md): an event's instant
is converted to that zone first, and the band is active when the local date matches its years,
months, days of month and weekdays (an empty list matches any) and the local time of day is at
or after its start time. The band coded ``*any`` is always active.

Which bands are active is a function of the local wall clock, so it can only change at an
instant where the wall clock

- reaches a band's start time or midnight (a new day may match other lists), or
- jumps, at a daylight-saving transition: in autumn the clock goes back an hour, so a band
  that starts at 02:30 is active from 02:30 summer time, inactive again from the transition
  (the clock reads 02:00) and active again from 02:30 winter time; in spring a band starting
  at 02:30 (a time that does not exist that day) becomes active at the transition itself.

:func:`change_instants` lists exactly those instants, so the rater evaluates the bands only
there and never misses a change however long the call is. Everything here works on aware
datetimes; a naive one is a programming error upstream.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

from tarifa.rating.model import ANY, TimeBand

UTC = dt.UTC
_DAY = dt.timedelta(days=1)
_MIDNIGHT = dt.time(0)
_RESOLUTION = dt.timedelta(microseconds=1)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone of a tariff, loaded once (ZoneInfoNotFoundError when unknown)."""
    return ZoneInfo(name)


def local(instant: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The wall-clock reading of `instant` in `tz` (an aware instant, converted, not relabelled)."""
    return instant.astimezone(tz)


def is_active(band: TimeBand, wall: dt.datetime) -> bool:
    """Whether `band` is active at the wall-clock reading `wall` (local date and time)."""
    if band.code == ANY:
        return True
    day = wall.date()
    if band.years and day.year not in band.years:
        return False
    if band.months and day.month not in band.months:
        return False
    if band.month_days and day.day not in band.month_days:
        return False
    if band.weekdays and not _weekday_matches(band.weekdays, day.isoweekday()):
        return False
    return wall.time().replace(tzinfo=None) >= band.start_time


def _weekday_matches(weekdays: tuple[int, ...], iso: int) -> bool:
    # ISO: Monday 1 .. Sunday 7; decks also write Sunday as 0 (CGRateS, cron).
    return iso in weekdays or (iso == 7 and 0 in weekdays)


def start_time_of(band: TimeBand) -> dt.time:
    """The start time used to break a tie between active bands: ``*any`` starts at midnight."""
    return _MIDNIGHT if band.code == ANY else band.start_time


def change_instants(
    tz: ZoneInfo, start_times: Iterable[dt.time], begin: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """Every instant strictly between `begin` and `end` (aware) at which a band starting at one
    of `start_times` can become active or inactive, in order, as UTC datetimes.

    These are each day's midnight and start times on the wall clock (both readings when the
    clock shows them twice) and the daylight-saving transitions. Between two consecutive
    instants of the list the set of active bands is constant.
    """
    times = sorted({_MIDNIGHT, *(t.replace(tzinfo=None) for t in start_times)})
    first = local(begin, tz).date() - _DAY
    last = local(end, tz).date() + _DAY
    found: set[dt.datetime] = set()
    day = first
    while day <= last:
        for time in times:
            wall = dt.datetime.combine(day, time)
            for fold in (0, 1):
                instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
                # A wall time that does not exist that day (spring gap) converts to an instant
                # whose reading differs; the real change is at the transition, added below.
                if local(instant, tz).replace(tzinfo=None) == wall:
                    found.add(instant)
        day += _DAY
    candidates = sorted(found | {begin.astimezone(UTC), end.astimezone(UTC)})
    found.update(_transitions(tz, candidates))
    return sorted(i for i in found if begin < i < end)


def _transitions(tz: ZoneInfo, instants: list[dt.datetime]) -> list[dt.datetime]:
    """The offset changes between consecutive `instants` (at most one between two midnights)."""
    changes = []
    for low, high in itertools.pairwise(instants):
        if low.astimezone(tz).utcoffset() != high.astimezone(tz).utcoffset():
            changes.append(_first_with_offset_of(tz, low, high))
    return changes


def _first_with_offset_of(tz: ZoneInfo, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    """The first instant in (low, high] whose offset is high's, to the microsecond."""
    target = high.astimezone(tz).utcoffset()
    while high - low > _RESOLUTION:
        middle = low + (high - low) / 2  # timedelta halves round to the microsecond
        if middle.astimezone(tz).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high
