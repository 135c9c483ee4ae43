"""Short builders for tariffs in tests: every field set, nothing checked here (the rater checks
the tariff it is given)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tarifa.rating import (
    ANY,
    Destination,
    DestinationRate,
    DestinationRates,
    MaxCostStrategy,
    Rate,
    RateGroup,
    RatingPlan,
    RatingPlanEntry,
    RatingProfile,
    RoundingMethod,
    Tariff,
    TimeBand,
    UsageEvent,
    UsageUnit,
)

D = Decimal
UTC = dt.UTC
ACTIVE = dt.datetime(2020, 1, 1, tzinfo=UTC)


def rate(code: str, *groups: tuple[str, str, str, str], connect_fee: str = "0") -> Rate:
    """Groups as (interval_start, price, rate_unit, increment), all in units (seconds)."""
    return Rate(
        code=code,
        connect_fee=D(connect_fee),
        groups=tuple(
            RateGroup(interval_start=D(s), price=D(p), rate_unit=D(u), increment=D(i))
            for s, p, u, i in groups
        ),
    )


def binding(
    destination: str,
    rate_code: str,
    *,
    method: RoundingMethod = RoundingMethod.UP,
    decimals: int = 4,
    max_cost: str | None = None,
    strategy: MaxCostStrategy | None = None,
) -> DestinationRate:
    return DestinationRate(
        destination=destination,
        rate=rate_code,
        rounding_method=method,
        rounding_decimals=decimals,
        max_cost=None if max_cost is None else D(max_cost),
        max_cost_strategy=strategy,
    )


def group(code: str, *entries: DestinationRate) -> DestinationRates:
    return DestinationRates(code=code, entries=entries)


def band(
    code: str,
    start: str = "00:00:00",
    *,
    weekdays: tuple[int, ...] = (),
    years: tuple[int, ...] = (),
    months: tuple[int, ...] = (),
    month_days: tuple[int, ...] = (),
) -> TimeBand:
    return TimeBand(
        code=code,
        years=years,
        months=months,
        month_days=month_days,
        weekdays=weekdays,
        start_time=dt.time.fromisoformat(start),
    )


def plan(code: str, *entries: tuple[str, str, str]) -> RatingPlan:
    """Entries as (destination rates, time band, weight)."""
    return RatingPlan(
        code=code,
        entries=tuple(
            RatingPlanEntry(destination_rates=d, time_band=t, weight=D(w)) for d, t, w in entries
        ),
    )


def profile(
    plan_code: str,
    subject: str = ANY,
    *,
    category: str = "call",
    tenant: str = "default",
    activation: dt.datetime = ACTIVE,
    fallback: tuple[str, ...] = (),
) -> RatingProfile:
    return RatingProfile(
        tenant=tenant,
        category=category,
        subject=subject,
        activation=activation,
        rating_plan=plan_code,
        fallback_subjects=fallback,
    )


def tariff(
    *,
    destinations: dict[str, tuple[str, ...]],
    rates: tuple[Rate, ...],
    bindings: tuple[DestinationRates, ...],
    plans: tuple[RatingPlan, ...],
    profiles: tuple[RatingProfile, ...],
    bands: tuple[TimeBand, ...] = (),
    time_zone: str = "UTC",
    increment_decimals: int | None = None,
    currency: str = "EUR",
) -> Tariff:
    return Tariff(
        code="T",
        currency=currency,
        time_zone=time_zone,
        increment_decimals=increment_decimals,
        destinations=tuple(Destination(code=c, prefixes=p) for c, p in destinations.items()),
        rates=rates,
        destination_rates=bindings,
        time_bands=bands,
        rating_plans=plans,
        profiles=profiles,
    )


def one_rate(
    *groups: tuple[str, str, str, str],
    connect_fee: str = "0",
    decimals: int = 4,
    method: RoundingMethod = RoundingMethod.UP,
    increment_decimals: int | None = None,
    max_cost: str | None = None,
    strategy: MaxCostStrategy | None = None,
) -> Tariff:
    """A tariff pricing every number (destination ``*any``, band ``*any``) with one rate."""
    return tariff(
        destinations={},
        rates=(rate("RT", *groups, connect_fee=connect_fee),),
        bindings=(
            group(
                "DR",
                binding(
                    ANY,
                    "RT",
                    method=method,
                    decimals=decimals,
                    max_cost=max_cost,
                    strategy=strategy,
                ),
            ),
        ),
        plans=(plan("RP", ("DR", ANY, "10")),),
        profiles=(profile("RP"),),
        increment_decimals=increment_decimals,
    )


def call(
    usage: str,
    start: dt.datetime | str = "2024-03-04T10:00:00+00:00",
    *,
    destination: str = "4930123456",
    subject: str = "1001",
    category: str = "call",
    unit: UsageUnit = UsageUnit.SECONDS,
    tenant: str = "default",
) -> UsageEvent:
    when = dt.datetime.fromisoformat(start) if isinstance(start, str) else start
    return UsageEvent(
        tenant=tenant,
        category=category,
        subject=subject,
        destination=destination,
        start=when,
        usage=D(usage),
        unit=unit,
    )
