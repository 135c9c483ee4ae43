"""The telecom tariff as pure frozen values, and the usage events rated against it.

The shapes follow DOMAIN.md, "Telecom event rating", which in turn follows the tariff plans
of CGRateS (the most widely deployed open-source rating engine), so that a CGRateS deck maps
onto these types one file to one type:

- a :class:`Destination` is a named set of prefixes (Destinations.csv);
- a :class:`Rate` is a connect fee and an ordered list of :class:`RateGroup` (Rates.csv: one
  line per group, the connect fee taken from the first);
- :class:`DestinationRates` bind destinations to rates with the final rounding and the
  maximum cost of an event (DestinationRates.csv: one tag groups several destinations);
- a :class:`TimeBand` says when a binding applies (Timings.csv);
- a :class:`RatingPlan` is a weighted list of (destination rates, time band) (RatingPlans.csv);
- a :class:`RatingProfile` gives (tenant, category, subject) a plan from an activation time
  on (RatingProfiles.csv).

A :class:`Tariff` is one namespace of all of these, in one currency, read in one time zone.
:func:`tarifa.rating.rate_event` rates a :class:`UsageEvent` against it and returns a
:class:`RatedEvent` or a :class:`RatingError`; the SQL batch rater mirrors these names.

The values here do not check themselves: :func:`tariff_problems` lists what is wrong with a
tariff built in Python, and the file readers (:mod:`.document`, :mod:`.cgrates`) run it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tarifa.errors import FieldError, NotFoundError, UnknownCurrencyError, ValidationError
from tarifa.money import currency as iso_currency

#: The wildcard of CGRateS: a destination rate for any number, a band always active, the
#: profile of any subject.
ANY = "*any"

_ONE = Decimal(1)
_Coded = TypeVar("_Coded", "Destination", "Rate", "DestinationRates", "TimeBand", "RatingPlan")
#: Records one problem: (field path, reason).
_Problem = Callable[[str, str], None]


class RoundingMethod(StrEnum):
    """The final rounding of an event's cost (CGRateS ``*up``, ``*middle``, ``*down``)."""

    UP = "up"  # away from zero: any fraction of a cent is charged
    HALF_UP = "half_up"  # ties away from zero
    DOWN = "down"  # toward zero: fractions are given away


class MaxCostStrategy(StrEnum):
    """What a destination rate's ``max_cost`` means for an event (CGRateS ``*free``,
    ``*disconnect``)."""

    FREE = "free"  # the cost is capped: anything above max_cost is not charged
    DISCONNECT = "disconnect"  # not capped: a real-time caller ends the session at the limit


class UsageUnit(StrEnum):
    """What an event's usage counts. Only seconds are time: a call is split where its time
    band changes; bytes and events are priced wholly in the band active at their start."""

    SECONDS = "seconds"
    BYTES = "bytes"
    EVENTS = "events"


@dataclass(frozen=True, slots=True, kw_only=True)
class Destination:
    """A named set of prefixes: E.164 digits without "+" (``4930``), or words matched as
    whole strings' prefixes (``voicemail``)."""

    code: str
    prefixes: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RateGroup:
    """From ``interval_start`` units into the event on, usage is billed in whole
    ``increment`` s, each costing ``price / rate_unit × increment``.

    A ``rate_unit`` or ``increment`` of 0 means 1 (DOMAIN.md): a deck that leaves them empty
    bills per unit.
    """

    interval_start: Decimal
    price: Decimal
    rate_unit: Decimal
    increment: Decimal

    @property
    def unit(self) -> Decimal:
        """The rate unit actually divided by (0 read as 1)."""
        return self.rate_unit or _ONE

    @property
    def step(self) -> Decimal:
        """The increment actually billed in (0 read as 1)."""
        return self.increment or _ONE


@dataclass(frozen=True, slots=True, kw_only=True)
class Rate:
    """A connect fee, charged once per event with usage, and rate groups by interval_start
    (the first at 0)."""

    code: str
    connect_fee: Decimal
    groups: tuple[RateGroup, ...]

    def group_at(self, position: Decimal) -> RateGroup:
        """The group in force `position` units into the event: the last one started."""
        found = self.groups[0]
        for group in self.groups:
            if group.interval_start <= position:
                found = group
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class DestinationRate:
    """One destination (or ``*any``) priced by one rate, with the event's final rounding.

    ``max_cost`` caps an event's cost with strategy ``free``; with ``disconnect`` it is only
    a limit for a real-time caller and caps nothing here.
    """

    destination: str
    rate: str
    rounding_method: RoundingMethod
    rounding_decimals: int
    max_cost: Decimal | None = None
    max_cost_strategy: MaxCostStrategy | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DestinationRates:
    """A named group of destination rates, bound to a time band in a rating plan."""

    code: str
    entries: tuple[DestinationRate, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeBand:
    """When a plan entry applies, read on the wall clock of the tariff's time zone.

    Active when the local date matches every non-empty list (an empty tuple means any) and
    the local time of day is at or after ``start_time``. Weekdays are 1 (Monday) to 7
    (Sunday); 0 is Sunday too, as in CGRateS and cron. The band coded ``*any`` is always
    active, whatever its fields say.
    """

    code: str
    years: tuple[int, ...] = ()
    months: tuple[int, ...] = ()
    month_days: tuple[int, ...] = ()
    weekdays: tuple[int, ...] = ()
    start_time: dt.time = dt.time(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingPlanEntry:
    destination_rates: str
    time_band: str
    weight: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingPlan:
    code: str
    entries: tuple[RatingPlanEntry, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingProfile:
    """(tenant, category, subject) rated by `rating_plan` from `activation` on; the latest
    activation at or before an event wins. `fallback_subjects` are tried in order when the
    plan has no rate for the destination."""

    tenant: str
    category: str
    subject: str
    activation: dt.datetime
    rating_plan: str
    fallback_subjects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Tariff:
    """One namespace of destinations, rates, bindings, bands, plans and profiles.

    ``increment_decimals``: the cost of one increment is rounded half-up to this many
    decimals before it is multiplied (CGRateS rounds to 5, and a deck imported from it sets
    5); ``None`` keeps it exact.
    """

    code: str
    currency: str
    time_zone: str
    increment_decimals: int | None = None
    destinations: tuple[Destination, ...] = ()
    rates: tuple[Rate, ...] = ()
    destination_rates: tuple[DestinationRates, ...] = ()
    time_bands: tuple[TimeBand, ...] = ()
    rating_plans: tuple[RatingPlan, ...] = ()
    profiles: tuple[RatingProfile, ...] = ()

    def destination(self, code: str) -> Destination:
        return _find(self.destinations, code, "destination")

    def rate(self, code: str) -> Rate:
        return _find(self.rates, code, "rate")

    def destination_rates_of(self, code: str) -> DestinationRates:
        return _find(self.destination_rates, code, "destination rates")

    def time_band(self, code: str) -> TimeBand:
        if code == ANY and not any(b.code == ANY for b in self.time_bands):
            return TimeBand(code=ANY)
        return _find(self.time_bands, code, "time band")

    def rating_plan(self, code: str) -> RatingPlan:
        return _find(self.rating_plans, code, "rating plan")


def _find(items: Iterable[_Coded], code: str, what: str) -> _Coded:
    for item in items:
        if item.code == code:
            return item
    raise NotFoundError(f"no {what} {code!r} in the tariff")


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageEvent:
    """One record to rate: a call (seconds), a data session (bytes), an SMS (events)...

    ``destination`` is the dialled number (a leading "+" is ignored) or a word such as
    ``voicemail``; ``start`` is an aware instant.
    """

    tenant: str
    category: str
    subject: str
    destination: str
    start: dt.datetime
    usage: Decimal
    unit: UsageUnit = UsageUnit.SECONDS


@dataclass(frozen=True, slots=True, kw_only=True)
class RatedSpan:
    """A part of an event priced in one band by one rate group: `usage` actual units from
    `start`, billed as `increments` whole increments, costing `cost` (precise)."""

    start: dt.datetime
    usage: Decimal
    time_band: str
    rate: str
    rate_group_start: Decimal
    increments: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class RatedEvent:
    """A priced event. `cost` is final (rounded with the destination rate's method to
    `rounding_decimals`); `precise_cost` is the same before that rounding (connect fee
    included, max cost applied); `subject` is the profile subject used, after fallback."""

    cost: Decimal
    precise_cost: Decimal
    destination: str
    prefix: str
    rating_plan: str
    subject: str
    time_bands: tuple[str, ...]
    billed_usage: Decimal
    rounding_decimals: int
    spans: tuple[RatedSpan, ...]


RatingErrorCode = Literal["unauthorized_destination", "no_rating_profile"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingError:
    """Why an event could not be priced. The record is kept with it and counted; it is never
    priced at zero (DOMAIN.md)."""

    code: RatingErrorCode
    message: str


# -- checks ------------------------------------------------------------------------------


def tariff_problems(tariff: Tariff) -> list[FieldError]:
    """Everything wrong with a tariff's meaning, each with its path (``rates[2].groups[0]
    .interval_start``). The file readers report these with their own paths added."""
    found: list[FieldError] = []

    def problem(field: str, reason: str) -> None:
        found.append(FieldError(field, reason))

    _unique(found, [d.code for d in tariff.destinations], "destinations", "destination")
    _unique(found, [r.code for r in tariff.rates], "rates", "rate")
    _unique(
        found, [d.code for d in tariff.destination_rates], "destination_rates", "destination rates"
    )
    _unique(found, [b.code for b in tariff.time_bands], "time_bands", "time band")
    _unique(found, [p.code for p in tariff.rating_plans], "rating_plans", "rating plan")
    if tariff.increment_decimals is not None and not 0 <= tariff.increment_decimals <= 12:
        problem("increment_decimals", "must be between 0 and 12")
    if not _is_zone(tariff.time_zone):
        problem("time_zone", f"{tariff.time_zone!r} is not an IANA time zone (Europe/Berlin)")
    try:
        iso_currency(tariff.currency)
    except (UnknownCurrencyError, ValidationError) as err:
        problem("currency", str(err))
    for i, destination in enumerate(tariff.destinations):
        if not destination.prefixes:
            problem(f"destinations[{i}].prefixes", "lists no prefix")
        for j, prefix in enumerate(destination.prefixes):
            if not prefix or prefix.startswith("+") or prefix == ANY:
                problem(f"destinations[{i}].prefixes[{j}]", "must be digits without '+' or a word")
    for i, rate in enumerate(tariff.rates):
        _rate_problems(rate, f"rates[{i}]", problem)
    _binding_problems(tariff, problem)
    for i, band in enumerate(tariff.time_bands):
        _band_problems(band, f"time_bands[{i}]", problem)
    _plan_problems(tariff, problem)
    return found


def _unique(found: list[FieldError], codes: list[str], where: str, what: str) -> None:
    counts = Counter(codes)
    for i, code in enumerate(codes):
        if counts[code] > 1 and codes.index(code) != i:
            found.append(FieldError(f"{where}[{i}].code", f"{what} {code!r} is defined twice"))


def _rate_problems(rate: Rate, at: str, problem: _Problem) -> None:
    if rate.connect_fee < 0:
        problem(f"{at}.connect_fee", "must not be negative")
    if not rate.groups:
        problem(f"{at}.groups", "lists no rate group")
    elif rate.groups[0].interval_start != 0:
        problem(f"{at}.groups[0].interval_start", "the first rate group starts at 0")
    for j, group in enumerate(rate.groups):
        where = f"{at}.groups[{j}]"
        if j and group.interval_start <= rate.groups[j - 1].interval_start:
            problem(f"{where}.interval_start", "groups are listed by interval_start, each later")
        for name in ("price", "rate_unit", "increment"):
            if getattr(group, name) < 0:
                problem(f"{where}.{name}", "must not be negative")


def _binding_problems(tariff: Tariff, problem: _Problem) -> None:
    destinations = {d.code for d in tariff.destinations}
    rates = {r.code for r in tariff.rates}
    for i, group in enumerate(tariff.destination_rates):
        for j, entry in enumerate(group.entries):
            at = f"destination_rates[{i}].entries[{j}]"
            if entry.destination != ANY and entry.destination not in destinations:
                problem(f"{at}.destination", f"no destination {entry.destination!r}")
            if entry.rate not in rates:
                problem(f"{at}.rate", f"no rate {entry.rate!r}")
            if not 0 <= entry.rounding_decimals <= 12:
                problem(f"{at}.rounding_decimals", "must be between 0 and 12")
            if entry.max_cost is not None and entry.max_cost < 0:
                problem(f"{at}.max_cost", "must not be negative")
            if (entry.max_cost is None) != (entry.max_cost_strategy is None):
                problem(f"{at}.max_cost_strategy", "max_cost and its strategy go together")


def _band_problems(band: TimeBand, at: str, problem: _Problem) -> None:
    if band.code == ANY and band != TimeBand(code=ANY):
        problem(f"{at}.code", f"{ANY} is the band always active; it takes no other field")
    ranges = (("months", 1, 12), ("month_days", 1, 31), ("weekdays", 0, 7), ("years", 1, 9999))
    for name, low, high in ranges:
        for k, value in enumerate(getattr(band, name)):
            if not low <= value <= high:
                problem(f"{at}.{name}[{k}]", f"must be between {low} and {high}")


def _plan_problems(tariff: Tariff, problem: _Problem) -> None:
    groups = {d.code for d in tariff.destination_rates}
    bands = {b.code for b in tariff.time_bands} | {ANY}
    plans = {p.code for p in tariff.rating_plans}
    for i, plan in enumerate(tariff.rating_plans):
        if not plan.entries:
            problem(f"rating_plans[{i}].entries", "lists no entry")
        for j, entry in enumerate(plan.entries):
            at = f"rating_plans[{i}].entries[{j}]"
            if entry.destination_rates not in groups:
                reason = f"no destination rates {entry.destination_rates!r}"
                problem(f"{at}.destination_rates", reason)
            if entry.time_band not in bands:
                problem(f"{at}.time_band", f"no time band {entry.time_band!r}")
    seen: set[tuple[str, str, str, dt.datetime]] = set()
    for i, profile in enumerate(tariff.profiles):
        at = f"profiles[{i}]"
        if profile.activation.utcoffset() is None:
            problem(f"{at}.activation", "must carry a time-zone offset")
        elif (key := _profile_key(profile)) in seen:
            problem(f"{at}.activation", "the same subject is activated twice at this time")
        else:
            seen.add(key)
        if profile.rating_plan not in plans:
            problem(f"{at}.rating_plan", f"no rating plan {profile.rating_plan!r}")


def _profile_key(profile: RatingProfile) -> tuple[str, str, str, dt.datetime]:
    return (profile.tenant, profile.category, profile.subject, profile.activation)


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
