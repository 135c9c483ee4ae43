"""The SQL batch rater gives exactly the reference rater's result for every record.

Hypothesis draws random valid tariffs (destinations with overlapping prefixes, rates with
several groups, rounding per increment or not, max costs, bands on weekdays, months, days and
years in zones with daylight saving, plans, profiles with activations and fallback subjects)
and 20 events per tariff, many of them calls crossing a band start, midnight or a clock
change in the tariff's zone. Each example stores the tariff and the events and rates them with
one ``rating_rate_range`` statement inside a rolled-back transaction, then compares cost,
precise cost, billed usage, prefix, destination, subject, bands and errors with
``rate_event``. The last test asserts what the examples covered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from tarifa.db.server import scratch_database
from tarifa.rating import (
    ANY,
    Destination,
    DestinationRate,
    DestinationRates,
    MaxCostStrategy,
    Rate,
    RatedEvent,
    RateGroup,
    RatingError,
    RatingPlan,
    RatingPlanEntry,
    RatingProfile,
    RoundingMethod,
    Tariff,
    TimeBand,
    UsageEvent,
    UsageUnit,
    bands,
    rate_event,
    store,
)

pytestmark = pytest.mark.db

D = Decimal
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")
SUBJECTS = ("A", "B", "C")
# Days that matter: ordinary ones, month ends, and daylight-saving changes in the zones above.
DAYS = (
    dt.date(2025, 3, 30),
    dt.date(2025, 10, 26),
    dt.date(2025, 3, 9),
    dt.date(2025, 11, 2),
    dt.date(2025, 4, 6),
    dt.date(2025, 10, 5),
    dt.date(2025, 6, 13),
    dt.date(2025, 12, 31),
    dt.date(2026, 2, 28),
    dt.date(2026, 3, 1),
    dt.date(2025, 7, 6),
    dt.date(2026, 1, 5),
)
PRICES = ("0", "0.01", "0.6", "0.006", "1.5", "0.0333", "0.12345", "2")
TIMES = (dt.time(0), dt.time(8), dt.time(18), dt.time(8, 30, 15), dt.time(2, 30), dt.time(23, 59))


@st.composite
def rates(draw: st.DrawFn, code: str) -> Rate:
    count = draw(st.integers(1, 3))
    later = st.sets(st.sampled_from((6, 30, 60, 90, 125)), min_size=count - 1, max_size=count - 1)
    starts = [D(0), *sorted(draw(later))]
    groups = tuple(
        RateGroup(
            interval_start=D(start),
            price=D(draw(st.sampled_from(PRICES))),
            rate_unit=D(draw(st.sampled_from((0, 1, 6, 60)))),
            increment=D(draw(st.sampled_from(("0", "1", "6", "30", "60", "0.5")))),
        )
        for start in starts
    )
    fee = D(draw(st.sampled_from(("0", "0", "0.05", "0.1", "0.0000000000001"))))
    return Rate(code=code, connect_fee=fee, groups=groups)


@st.composite
def band_strategy(draw: st.DrawFn, code: str) -> TimeBand:
    lists = st.lists(st.integers(0, 7), min_size=2, max_size=5, unique=True)
    rarely = st.integers(0, 9)
    return TimeBand(
        code=code,
        weekdays=tuple(sorted(draw(lists))) if draw(rarely) < 3 else (),
        months=draw(st.sampled_from(((3, 10), (1, 2, 12)))) if draw(rarely) < 2 else (),
        month_days=(1, 30, 31) if draw(rarely) < 1 else (),
        years=(2025,) if draw(rarely) < 1 else (),
        start_time=draw(st.sampled_from(TIMES)),
    )


@st.composite
def tariffs(draw: st.DrawFn) -> Tariff:
    digits = st.text("149", min_size=1, max_size=4)
    destinations = tuple(
        Destination(code=f"D{i}", prefixes=tuple(draw(st.sets(digits, min_size=1, max_size=3))))
        for i in range(draw(st.integers(1, 4)))
    )
    rate_list = tuple(draw(rates(f"R{i}")) for i in range(draw(st.integers(1, 3))))
    targets = [d.code for d in destinations] + [ANY]
    groups = []
    for i in range(draw(st.integers(1, 3))):
        entries = []
        for destination in draw(st.lists(st.sampled_from(targets), min_size=1, max_size=3)):
            capped = draw(st.integers(0, 3)) == 0
            entries.append(
                DestinationRate(
                    destination=destination,
                    rate=draw(st.sampled_from(rate_list)).code,
                    rounding_method=draw(st.sampled_from(tuple(RoundingMethod))),
                    rounding_decimals=draw(st.sampled_from((0, 1, 2, 2, 3, 4, 4, 12))),
                    max_cost=D(draw(st.sampled_from(("0.5", "1", "2.25")))) if capped else None,
                    max_cost_strategy=draw(st.sampled_from(tuple(MaxCostStrategy)))
                    if capped
                    else None,
                )
            )
        groups.append(DestinationRates(code=f"G{i}", entries=tuple(entries)))
    band_list = tuple(draw(band_strategy(f"B{i}")) for i in range(draw(st.integers(1, 3))))
    band_codes = [b.code for b in band_list] + [ANY]
    weights = st.sampled_from(("20", "20", "10", "20.5", "5.5")).map(D)
    plans = []
    # P0 binds one group (so that fallbacks get their chance), P1 every group; a group is
    # often bound in several bands, *any under the others (so that calls cross band starts).
    for i, bound in enumerate(([draw(st.sampled_from(groups))], groups)):
        entries = []
        for chosen in bound:
            # Mostly *any under the others, so that rarely a time is priced by no band.
            chosen_bands = draw(st.lists(st.sampled_from(band_codes), min_size=1, max_size=3))
            if draw(st.integers(0, 4)):
                chosen_bands = [ANY, *chosen_bands]
            for band_code in dict.fromkeys(chosen_bands):
                weight = D(10) if band_code == ANY else draw(weights)
                entries.append(
                    RatingPlanEntry(
                        destination_rates=chosen.code, time_band=band_code, weight=weight
                    )
                )
        plans.append(RatingPlan(code=f"P{i}", entries=tuple(entries)))
    since = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    profiles = [
        RatingProfile(
            tenant="default", category="call", subject=ANY, activation=since, rating_plan="P1"
        ),
        RatingProfile(
            tenant="default",
            category="call",
            subject="A",
            activation=since,
            rating_plan="P0",
            fallback_subjects=draw(st.sampled_from(((), (ANY,)))),
        ),
    ]
    seen = {("call", ANY, since), ("call", "A", since)}
    for _ in range(draw(st.integers(1, 5))):
        category = draw(st.sampled_from(("call", "call", "data", "sms")))
        subject = draw(st.sampled_from((ANY, *SUBJECTS)))
        activation = draw(
            st.sampled_from(
                (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 7, 1, 12, tzinfo=dt.UTC))
            )
        )
        if (category, subject, activation) in seen:
            continue
        seen.add((category, subject, activation))
        fallbacks = draw(st.lists(st.sampled_from((ANY, *SUBJECTS)), max_size=2, unique=True))
        profiles.append(
            RatingProfile(
                tenant="default",
                category=category,
                subject=subject,
                activation=activation,
                rating_plan=draw(st.sampled_from(("P0", "P0", "P1"))),
                fallback_subjects=tuple(fallbacks),
            )
        )
    return Tariff(
        code="GEN",
        currency="EUR",
        time_zone=draw(st.sampled_from(ZONES)),
        increment_decimals=draw(st.sampled_from((None, None, 5, 2, 0, 12))),
        destinations=destinations,
        rates=rate_list,
        destination_rates=tuple(groups),
        time_bands=band_list,
        rating_plans=tuple(plans),
        profiles=tuple(profiles),
    )


@st.composite
def events(draw: st.DrawFn, tariff: Tariff) -> UsageEvent:
    """A call, data session or SMS; calls often end after a band start or midnight."""
    prefixes = [p for d in tariff.destinations for p in d.prefixes]
    number = draw(st.sampled_from(prefixes)) + draw(st.text("0123456789", max_size=6))
    number = draw(st.sampled_from(("", "", "+", " "))) + number
    unknown = st.text("23578", min_size=1, max_size=5)
    number = draw(st.one_of(st.just(number), st.just(number), st.just(number), unknown))
    kind = draw(st.sampled_from(("call", "call", "call", "call", "data", "sms")))
    usage = {
        "call": st.sampled_from((0, 1, 1, 1, 1, 2, 2, 2)).flatmap(
            lambda kind: (
                st.just(D(0)),
                st.integers(1, 4000).map(D),
                st.integers(1, 400000).map(lambda n: D(n) / 100),
            )[kind]
        ),
        "data": st.integers(0, 10**7).map(D),
        "sms": st.integers(0, 3).map(D),
    }[kind]
    amount = draw(usage)
    day = draw(st.sampled_from(DAYS))
    starts = [b.start_time for b in tariff.time_bands] or [dt.time(0)]
    local_time = draw(st.sampled_from(TIMES) | st.sampled_from(starts) | st.sampled_from(starts))
    wall = dt.datetime.combine(day, local_time, tzinfo=ZoneInfo(tariff.time_zone))
    # Start shortly before a boundary so that the call crosses it (in the tariff's zone).
    before = draw(st.integers(-60, max(int(amount), 1)))
    start = (wall - dt.timedelta(seconds=before)).astimezone(dt.UTC)
    start += dt.timedelta(microseconds=draw(st.sampled_from((0, 0, 250_000, 1))))
    return UsageEvent(
        tenant="default",
        category="call" if kind == "call" else kind,
        subject=draw(st.sampled_from(SUBJECTS)),
        destination=number,
        start=start,
        usage=amount,
        unit={"call": UsageUnit.SECONDS, "data": UsageUnit.BYTES, "sms": UsageUnit.EVENTS}[kind],
    )


# -- the comparison ---------------------------------------------------------------------------

EVENTS_PER_EXAMPLE = 20
#: What the examples covered (asserted by the last test of this module).
COVERAGE: Counter[str] = Counter()


@pytest.fixture(scope="module")
def rating_db(admin_url: str, template_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A database of this module's own, with every month the generated events fall in."""
    with (
        scratch_database(admin_url, "rating_eq", template="tarifa_template") as url,
        psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn,
    ):
        # From December 2024: an event early on 1 January 2025 in a zone east of UTC starts
        # on 31 December in UTC, the partitions' time.
        months = [
            dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=31 * i)
            for i in range(-1, 16)
        ]
        conn.execute("SELECT usage_ensure_partitions(%s)", (months,))
        conn.execute("SELECT rating_ensure_partitions()")
        yield conn


#: A part after the first of a session: the session's start and its usage before the part.
Continued = tuple[dt.datetime, Decimal] | None


def _store_events(
    conn: psycopg.Connection[Any],
    events: list[UsageEvent],
    continued: list[Continued] | None = None,
) -> list[int]:
    ids = list(range(1, len(events) + 1))
    continued = continued or [None] * len(events)
    conn.execute(
        """INSERT INTO usage_records (id, import_id, account_id, usage_identifier_id, source,
                                      record_id, service, unit, category, subject, tenant,
                                      destination, started_at, usage, raw, session_started_at,
                                      usage_before)
           SELECT id, 1, 1, 1, 'test', id::text, service, unit, category, subject, 'default',
                  destination, started_at, usage, '', session_started_at, usage_before
           FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                       %s::timestamptz[], %s::numeric[], %s::timestamptz[], %s::numeric[])
                AS x (id, service, unit, category, subject, destination, started_at, usage,
                      session_started_at, usage_before)""",
        (
            ids,
            [SERVICES[e.category] for e in events],
            [e.unit.value for e in events],
            [e.category for e in events],
            [e.subject for e in events],
            [e.destination for e in events],
            [e.start for e in events],
            [e.usage for e in events],
            [c and c[0] for c in continued],
            [c and c[1] for c in continued],
        ),
    )
    return ids


SERVICES = {"call": "voice", "data": "data", "sms": "sms"}


def _rated_by_sql(
    conn: psycopg.Connection[dict[str, Any]],
    tariff: Tariff,
    events: list[UsageEvent],
    continued: list[Continued] | None = None,
) -> dict[int, dict[str, Any]]:
    store.save(conn, tariff, source="hypothesis", actor="test:equivalence")
    ids = _store_events(conn, events, continued)
    conn.execute(
        "SELECT rating_ensure_schedule(min(started_at), max(started_at)) FROM usage_records"
    )
    conn.execute("SELECT * FROM rating_rate_range(0, 1, 1, %s)", (len(ids),))
    # Which path rated them: the general path's records are left in rating_todo.
    general = conn.execute("SELECT count(*) AS n FROM pg_temp.rating_todo").fetchone()
    assert general is not None
    COVERAGE["general path"] += general["n"]
    COVERAGE["fast path"] += len(ids) - general["n"]
    found: dict[int, dict[str, Any]] = {}
    for row in conn.execute("SELECT * FROM rated_usage").fetchall():
        found[row["usage_id"]] = row
    for row in conn.execute("SELECT usage_id, code, message FROM rating_errors").fetchall():
        found[row["usage_id"]] = row
    assert len(found) == len(ids), "every record is rated or refused, once"
    return found


def _observe(tariff: Tariff, event: UsageEvent, result: RatedEvent | RatingError) -> None:
    """Count what this event exercises (hypothesis.event and the module's counters)."""
    seen = ["event"]
    if isinstance(result, RatingError):
        seen.append(f"error:{result.code}")
    else:
        if event.unit is UsageUnit.SECONDS and event.usage > 0:
            seen.append("call")
            if _crosses_a_band_boundary(tariff, event):
                seen.append("crosses a band boundary")
            if len(result.time_bands) > 1:
                seen.append("split between bands")
        if any(s.rate_group_start > 0 for s in result.spans):
            seen.append("rate-group start")
        if event.usage == 0:
            seen.append("zero duration")
        if tariff.increment_decimals is not None and result.spans:
            seen.append("per-increment rounding")
        if result.spans:
            uncapped = (
                sum(s.cost for s in result.spans) + tariff.rate(result.spans[0].rate).connect_fee
            )
            if uncapped > result.precise_cost:
                seen.append("max cost")
        if result.subject != _routing_subject(tariff, event):
            seen.append("fallback subject")
    for name in seen:
        COVERAGE[name] += 1
        hypothesis.event(name)


def _crosses_a_band_boundary(tariff: Tariff, event: UsageEvent) -> bool:
    """Whether the call spans an instant where a band of the tariff starts or ends (its start
    time or midnight on the tariff's wall clock, or a clock change)."""
    end = event.start + dt.timedelta(seconds=float(event.usage))
    starts = {b.start_time for b in tariff.time_bands}
    return bool(bands.change_instants(bands.zone(tariff.time_zone), starts, event.start, end))


def _routing_subject(tariff: Tariff, event: UsageEvent) -> str:
    for subject in (event.subject, ANY):
        if any(
            p.subject == subject and p.category == event.category and p.activation <= event.start
            for p in tariff.profiles
        ):
            return subject
    return ANY


@settings(
    max_examples=500,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_the_sql_rater_gives_the_reference_cost_for_every_record(
    rating_db: psycopg.Connection[dict[str, Any]], data: st.DataObject
) -> None:
    tariff = data.draw(tariffs(), label="tariff")
    events = data.draw(
        st.lists(event_of(tariff), min_size=EVENTS_PER_EXAMPLE, max_size=EVENTS_PER_EXAMPLE),
        label="events",
    )
    with rating_db.transaction(force_rollback=True):
        by_sql = _rated_by_sql(rating_db, tariff, events)
    for usage_id, event in enumerate(events, start=1):
        expected = rate_event(tariff, event)
        _observe(tariff, event, expected)
        got = by_sql[usage_id]
        if isinstance(expected, RatingError):
            assert got.get("code") == expected.code, (event, got, expected)
            continue
        assert "code" not in got, (event, got, expected)
        assert (got["cost"], got["precise_cost"], got["billed_usage"]) == (
            expected.cost,
            expected.precise_cost,
            expected.billed_usage,
        ), (event, got, expected)
        assert (got["prefix"], got["subject"], got["rounding_decimals"]) == (
            expected.prefix,
            expected.subject,
            expected.rounding_decimals,
        )
        assert (got["destination"], tuple(got["time_bands"])) == (
            expected.destination,
            expected.time_bands,
        )


def event_of(tariff: Tariff) -> st.SearchStrategy[UsageEvent]:
    return events(tariff)


@st.composite
def cut_points(draw: st.DrawFn, usage: Decimal) -> list[Decimal]:
    """Where a session of `usage` is cut into one to four parts (a part may be empty): the
    usage through each part, from 0 to the whole."""
    step = D(1) if usage == usage.to_integral_value() else D("0.01")
    cuts = draw(st.lists(st.integers(0, 100), max_size=3))
    return [D(0), *sorted((usage * c / 100).quantize(step, ROUND_DOWN) for c in cuts), usage]


PART_SESSIONS = 6


@settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_each_part_of_a_session_costs_the_session_through_it_less_through_the_one_before(
    rating_db: psycopg.Connection[dict[str, Any]], data: st.DataObject
) -> None:
    # DOMAIN.md: the parts of one session are merged, never summed twice. The oracle is the
    # reference rater on the session through part k and through part k - 1, from the
    # session's start; so the parts add up to the reference cost of the whole session.
    tariff = data.draw(tariffs(), label="tariff")
    parts: list[UsageEvent] = []
    continued: list[Continued] = []
    sessions: list[tuple[UsageEvent, UsageEvent | None]] = []
    for _ in range(PART_SESSIONS):
        event = data.draw(events(tariff), label="session")
        points = data.draw(cut_points(event.usage), label="cuts")
        for k, (before, through) in enumerate(itertools.pairwise(points), start=1):
            offset = dt.timedelta(seconds=float(before))
            start = event.start + offset if event.unit is UsageUnit.SECONDS else event.start
            parts.append(dataclasses.replace(event, start=start, usage=through - before))
            continued.append(None if k == 1 else (event.start, before))
            prior = None if k == 1 else dataclasses.replace(event, usage=before)
            sessions.append((dataclasses.replace(event, usage=through), prior))
    with rating_db.transaction(force_rollback=True):
        by_sql = _rated_by_sql(rating_db, tariff, parts, continued)
        todo = rating_db.execute("SELECT id FROM pg_temp.rating_todo").fetchall()
        general = {row["id"] for row in todo}
    for usage_id, (session, prior) in enumerate(sessions, start=1):
        expected = rate_event(tariff, session)
        got = by_sql[usage_id]
        hypothesis.event("a later part" if prior else "a first part")
        if isinstance(expected, RatingError):
            assert got.get("code") == expected.code, (session, got, expected)
            continue
        earlier = rate_event(tariff, prior) if prior else None
        assert not isinstance(earlier, RatingError), (prior, earlier)
        # Never below 0 (docs/rating.md, "Parts of sessions"): the final rounding of the
        # session through the part may have more decimals than through the part before.
        cost = max(expected.cost - (earlier.cost if earlier else 0), 0)
        billed = expected.billed_usage - (earlier.billed_usage if earlier else 0)
        assert (got["cost"], got["billed_usage"]) == (cost, billed), (session, prior, got)
        if prior and prior.usage > 0:
            path = "general" if usage_id in general else "fast"
            COVERAGE[f"a later part, priced on the {path} path"] += 1


def test_the_examples_covered_what_the_sql_rater_must_get_right() -> None:
    if COVERAGE["event"] == 0:
        pytest.skip("the equivalence test did not run in this session")
    print(dict(COVERAGE))
    assert COVERAGE["crosses a band boundary"] >= 0.2 * COVERAGE["call"], dict(COVERAGE)
    for case in (
        "split between bands",
        "rate-group start",
        "max cost",
        "zero duration",
        "per-increment rounding",
        "fallback subject",
        "error:unauthorized_destination",
        "error:no_rating_profile",
        "fast path",
        "general path",
        "a later part, priced on the fast path",
        "a later part, priced on the general path",
    ):
        assert COVERAGE[case] > 0, (case, dict(COVERAGE))
