"""The reference rater: one event, priced exactly as DOMAIN.md "Telecom event rating" says.

This module *defines* the cost of a record; the SQL batch rater must give the same cost for
every record, so each step below is numbered the way docs/rating.md lists them.

1. **Profile.** The rating profiles of (tenant, category, subject) whose activation is at or
   before the event's start; the latest wins. When the subject has none, the profile of subject
   ``*any`` is used the same way; with neither, the event is a ``no_rating_profile`` error.
2. **Destination.** In the profile's plan, the number (a leading "+" dropped) matches the
   plan's prefix that is the longest leading part of it; price never decides. The plan's
   entries whose destination holds that prefix are the candidates. Only when no prefix matches
   are the entries bound to ``*any`` the candidates. With no candidate at all, the profile's
   fallback subjects are tried in order (their own fallbacks are not followed, as in
   CGRateS); when none has a candidate the event is an ``unauthorized_destination`` error.
3. **Band.** At any instant the winning candidate is the one whose band is active (read on
   the tariff's wall clock) with the highest weight, then the latest start time, then the
   first in the plan. A voice call is split wherever the winner changes; bytes and events
   take the winner at their start for all their usage. No winner at some point of the event
   is an ``unauthorized_destination`` error: the tariff does not price that time.
4. **Rate groups.** Each part is split again where a group of its rate starts, counted in
   usage from the start of the event. Each resulting span is rounded up to whole increments
   of its group on its own and costs ``increments × price × increment / rate_unit``; with the
   tariff's ``increment_decimals`` the cost of one increment is rounded half-up to that many
   decimals first, else the span's cost is kept to :data:`PRECISE_DECIMALS` decimals.
5. **Event cost.** Connect fee of the rate in force at the start (only when usage > 0) plus
   the spans; the starting destination rate's ``max_cost`` with strategy ``free`` caps it;
   the final rounding uses the largest ``rounding_decimals`` among the spans' destination
   rates with the method of the first span that has them.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from tarifa.errors import FieldError, ValidationError
from tarifa.rating import bands
from tarifa.rating.model import (
    ANY,
    DestinationRate,
    MaxCostStrategy,
    Rate,
    RatedEvent,
    RatedSpan,
    RatingError,
    RatingPlan,
    RatingProfile,
    RoundingMethod,
    Tariff,
    TimeBand,
    UsageEvent,
    UsageUnit,
    tariff_problems,
)

#: Decimals a span's cost keeps when the tariff does not round increments (far below any
#: currency's minor unit; the event's final rounding is what a customer sees).
PRECISE_DECIMALS = 12

_CONTEXT = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.Inexact])
_ZERO = Decimal(0)
_MICRO = Decimal("0.000001")
_ROUNDING = {
    RoundingMethod.UP: decimal.ROUND_UP,
    RoundingMethod.HALF_UP: decimal.ROUND_HALF_UP,
    RoundingMethod.DOWN: decimal.ROUND_DOWN,
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One destination rate of a plan that may price an event, in the order that decides
    between active ones: weight (higher first), band start time (later first), plan order."""

    destination: str
    binding: DestinationRate
    rate: Rate
    band: TimeBand
    weight: Decimal
    position: tuple[int, int]  # (plan entry, destination rate within its group)

    @property
    def order(self) -> tuple[Decimal, int, tuple[int, int]]:
        start = bands.start_time_of(self.band)
        seconds = start.hour * 3600 + start.minute * 60 + start.second
        return (-self.weight, -(seconds * 1_000_000 + start.microsecond), self.position)


@dataclass(frozen=True, slots=True)
class PlanIndex:
    by_prefix: dict[str, tuple[Candidate, ...]]
    any: tuple[Candidate, ...]
    longest: int


def rate_event(tariff: Tariff, event: UsageEvent) -> RatedEvent | RatingError:
    """Price one event, or say why it cannot be priced (never a cost of zero instead)."""
    _check_event(event)
    index = _index(tariff)
    profile = index.profile(event.tenant, event.category, event.subject, event.start)
    if profile is None:
        profile = index.profile(event.tenant, event.category, ANY, event.start)
    if profile is None:
        return RatingError(
            code="no_rating_profile",
            message=f"no rating profile for {event.tenant}/{event.category}/{event.subject} "
            f"(nor for subject {ANY}) active at {event.start.isoformat()}",
        )
    number = event.destination.strip().removeprefix("+")
    for used in index.with_fallbacks(profile, event):
        matched = index.match(used.rating_plan, number)
        if matched is not None:
            return _price(tariff, event, used, *matched)
    return RatingError(
        code="unauthorized_destination",
        message=f"rating plan {profile.rating_plan} (subject {profile.subject} and its "
        f"fallbacks) has no rate for {event.destination!r}",
    )


# -- pricing a matched event ---------------------------------------------------------------


def _price(
    tariff: Tariff,
    event: UsageEvent,
    profile: RatingProfile,
    prefix: str,
    candidates: tuple[Candidate, ...],
) -> RatedEvent | RatingError:
    tz = bands.zone(tariff.time_zone)
    parts = _parts(tz, event, candidates)
    if isinstance(parts, RatingError):
        return parts
    first = parts[0][2]
    priced = list(_spans(tariff, event, parts))
    spans = tuple(span for span, _, _ in priced)
    precise = sum((s.cost for s in spans), _ZERO)
    if event.usage > 0:
        precise += first.rate.connect_fee
    cap = first.binding.max_cost
    if cap is not None and first.binding.max_cost_strategy is MaxCostStrategy.FREE:
        precise = min(precise, cap)
    used = [first.binding, *(c.binding for _, c, _ in priced)]
    decimals = max(b.rounding_decimals for b in used)
    method = next(b.rounding_method for b in used if b.rounding_decimals == decimals)
    cost = precise.quantize(Decimal(1).scaleb(-decimals), rounding=_ROUNDING[method])
    billed = sum((span.increments * step for span, _, step in priced), _ZERO)
    return RatedEvent(
        cost=cost,
        precise_cost=precise,
        destination=first.destination,
        prefix=prefix,
        rating_plan=profile.rating_plan,
        subject=profile.subject,
        time_bands=tuple(dict.fromkeys(c.band.code for _, _, c in parts)),
        billed_usage=billed,
        rounding_decimals=decimals,
        spans=spans,
    )


Part = tuple[Decimal, Decimal, Candidate]  # [from, to) in usage units, priced by a candidate


def _parts(
    tz: ZoneInfo, event: UsageEvent, candidates: tuple[Candidate, ...]
) -> list[Part] | RatingError:
    """The event cut where the winning candidate changes (voice only), each with its winner."""
    start = event.start
    winner = _winner(candidates, bands.local(start, tz))
    if winner is None:
        return _no_band(event, start)
    if event.unit is not UsageUnit.SECONDS or event.usage == 0:
        return [(_ZERO, event.usage, winner)]
    if all(c.band.code == ANY for c in candidates):  # always active: nothing can change
        return [(_ZERO, event.usage, winner)]
    end = start + _delta(event.usage, ceiling=True)
    times = {c.band.start_time for c in candidates if c.band.code != ANY}
    parts: list[Part] = []
    since = _ZERO
    for instant in bands.change_instants(tz, times, start, end):
        now = _winner(candidates, bands.local(instant, tz))
        if now is None:
            return _no_band(event, instant)
        if now is not winner:
            at = _position(start, instant)
            parts.append((since, at, winner))
            since, winner = at, now
    parts.append((since, event.usage, winner))
    return parts


def _spans(
    tariff: Tariff, event: UsageEvent, parts: list[Part]
) -> Iterator[tuple[RatedSpan, Candidate, Decimal]]:
    """Each part cut again where a rate group starts: (span, its candidate, its increment)."""
    voice = event.unit is UsageUnit.SECONDS
    for since, until, candidate in parts:
        rate = candidate.rate
        starts = [g.interval_start for g in rate.groups if since < g.interval_start < until]
        for low, high in zip([since, *starts], [*starts, until], strict=True):
            if high == low:  # a zero-usage event has no span
                continue
            group = rate.group_at(low)
            increments = _ceil_div(high - low, group.step)
            span = RatedSpan(
                start=event.start + _delta(low) if voice else event.start,
                usage=high - low,
                time_band=candidate.band.code,
                rate=rate.code,
                rate_group_start=group.interval_start,
                increments=increments,
                cost=_span_cost(tariff, increments, group.price, group.step, group.unit),
            )
            yield span, candidate, group.step


def _span_cost(
    tariff: Tariff, increments: Decimal, price: Decimal, step: Decimal, unit: Decimal
) -> Decimal:
    if tariff.increment_decimals is None:
        return _round_half_up(increments * price * step, unit, PRECISE_DECIMALS)
    each = _round_half_up(price * step, unit, tariff.increment_decimals)
    return _tidy(_CONTEXT.multiply(increments, each))


def _round_half_up(numerator: Decimal, denominator: Decimal, decimals: int) -> Decimal:
    """``numerator / denominator`` rounded half-up to `decimals` places, exactly: the quotient
    of two decimals rarely terminates (0.50 / 60), and rounding it twice could go wrong."""
    scaled = _CONTEXT.multiply(numerator, Decimal(1).scaleb(decimals))
    whole, rest = _CONTEXT.divmod(scaled, denominator)
    if 2 * rest >= denominator:
        whole += 1
    return _tidy(whole.scaleb(-decimals))


def _tidy(number: Decimal) -> Decimal:
    """The same number without trailing zeros (0.003, not 0.003000000000), never in exponent
    form for whole numbers (300, not 3E+2)."""
    if number.is_zero():
        return _ZERO
    if number == number.to_integral_value():
        return number.quantize(Decimal(1), context=_CONTEXT)
    return number.normalize(_CONTEXT)


def _ceil_div(usage: Decimal, step: Decimal) -> Decimal:
    whole, rest = _CONTEXT.divmod(usage, step)
    return whole + 1 if rest else whole


def _winner(candidates: tuple[Candidate, ...], wall: dt.datetime) -> Candidate | None:
    # Candidates are kept in deciding order, so the first active one wins.
    return next((c for c in candidates if bands.is_active(c.band, wall)), None)


def _no_band(event: UsageEvent, instant: dt.datetime) -> RatingError:
    return RatingError(
        code="unauthorized_destination",
        message=f"no time band of the plan prices {event.destination!r} at {instant.isoformat()}",
    )


def _position(start: dt.datetime, instant: dt.datetime) -> Decimal:
    micros = (instant - start) // dt.timedelta(microseconds=1)
    return _tidy(Decimal(micros) * _MICRO)


def _delta(seconds: Decimal, *, ceiling: bool = False) -> dt.timedelta:
    micros = (seconds / _MICRO).to_integral_value(
        rounding=decimal.ROUND_CEILING if ceiling else decimal.ROUND_FLOOR
    )
    return dt.timedelta(microseconds=int(micros))


def _check_event(event: UsageEvent) -> None:
    problems = []
    if not isinstance(event.start, dt.datetime) or event.start.utcoffset() is None:
        problems.append(FieldError("start", "must be an aware datetime (with an offset)"))
    if isinstance(event.usage, float) or not isinstance(event.usage, Decimal):
        problems.append(FieldError("usage", "must be a Decimal (floats are inexact)"))
    elif not event.usage.is_finite() or event.usage < 0:
        problems.append(FieldError("usage", "must be a finite number of at least 0"))
    if not isinstance(event.unit, UsageUnit):
        problems.append(FieldError("unit", "must be seconds, bytes or events"))
    if problems:
        raise ValidationError(problems)


# -- the tariff's lookups, built once per tariff ------------------------------------------


class _Index:
    def __init__(self, tariff: Tariff) -> None:
        problems = tariff_problems(tariff)
        if problems:
            raise ValidationError(problems)
        self.profiles: dict[tuple[str, str, str], list[RatingProfile]] = {}
        for profile in sorted(tariff.profiles, key=lambda p: p.activation):
            key = (profile.tenant, profile.category, profile.subject)
            self.profiles.setdefault(key, []).append(profile)
        self.plans = {plan.code: _plan_index(tariff, plan) for plan in tariff.rating_plans}

    def profile(
        self, tenant: str, category: str, subject: str, at: dt.datetime
    ) -> RatingProfile | None:
        """The profile with the latest activation at or before `at`."""
        found = None
        for profile in self.profiles.get((tenant, category, subject), ()):
            if profile.activation <= at:
                found = profile
        return found

    def with_fallbacks(self, profile: RatingProfile, event: UsageEvent) -> Iterator[RatingProfile]:
        yield profile
        for subject in profile.fallback_subjects:
            fallback = self.profile(profile.tenant, profile.category, subject, event.start)
            if fallback is not None:
                yield fallback

    def match(self, plan: str, number: str) -> tuple[str, tuple[Candidate, ...]] | None:
        """The longest prefix of the plan that starts `number`, and its candidates; ``*any``
        when none does; None when the plan has no rate for the number at all."""
        index = self.plans[plan]
        for length in range(min(len(number), index.longest), 0, -1):
            found = index.by_prefix.get(number[:length])
            if found:
                return number[:length], found
        return ("", index.any) if index.any else None


def _plan_index(tariff: Tariff, plan: RatingPlan) -> PlanIndex:
    by_prefix: dict[str, list[Candidate]] = {}
    any_: list[Candidate] = []
    for i, entry in enumerate(plan.entries):
        band = tariff.time_band(entry.time_band)
        group = tariff.destination_rates_of(entry.destination_rates)
        for j, binding in enumerate(group.entries):
            candidate = Candidate(
                destination=binding.destination,
                binding=binding,
                rate=tariff.rate(binding.rate),
                band=band,
                weight=entry.weight,
                position=(i, j),
            )
            if binding.destination == ANY:
                any_.append(candidate)
                continue
            for prefix in tariff.destination(binding.destination).prefixes:
                by_prefix.setdefault(prefix, []).append(candidate)
    return PlanIndex(
        by_prefix={p: _ordered(c) for p, c in by_prefix.items()},
        any=_ordered(any_),
        longest=max((len(p) for p in by_prefix), default=0),
    )


def _ordered(candidates: list[Candidate]) -> tuple[Candidate, ...]:
    return tuple(sorted(candidates, key=lambda c: c.order))


# The rater is called once per event with the same tariff; the lookups are built again only
# when another tariff object comes. Identity, not equality: hashing a tariff of thousands of
# prefixes on every call would cost more than the rating.
_last: tuple[Tariff, _Index] | None = None


def _index(tariff: Tariff) -> _Index:
    global _last  # a one-entry cache of a pure function's lookups
    cached = _last
    if cached is not None and cached[0] is tariff:
        return cached[1]
    index = _Index(tariff)
    _last = (tariff, index)
    return index
