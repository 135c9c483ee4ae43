"""Stored tariffs: save a :class:`~tarifa.rating.model.Tariff` as rows, load it back equal.

A save runs in the caller's transaction under an advisory lock. Loading a tariff whose code
is stored already makes a new **revision** (a correction) and retires the previous one: its
rows stay, so rated usage keeps naming the revision that priced it and rerating can compare;
its profiles leave the shared namespace. Content already current (same canonical hash) saves
nothing. Profiles of all current tariffs share one namespace, as in CGRateS:
(tenant, category, subject, activation) may be taken by one tariff only.

Besides the model's rows a save writes the lookups the SQL batch rater joins on (see
migration 0006): per rating plan, each prefix with its *candidate set*, the plan's destination
rates for that prefix in the order that decides between active ones (the order of
:mod:`tarifa.rating.reference`: weight, then the later band start, then plan order).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, LiteralString

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.errors import DatabaseError, FieldError, NotFoundError, ValidationError
from tarifa.rating import bands
from tarifa.rating.document import tariff_to_document
from tarifa.rating.model import (
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
    tariff_problems,
)

_SQL = queries.load("rating")
_MIDNIGHT = dt.time(0)
_EXACT = decimal.Context(prec=80, traps=[decimal.Inexact])
# Fallback subjects travel as one text per profile (arrays of arrays must be rectangular).
_UNIT_SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveReport:
    """What a save did: `changed` False when the same content was current already."""

    tariff_id: int
    code: str
    revision: int
    replaced_id: int | None
    changed: bool
    audit_id: int | None


def content_hash(tariff: Tariff) -> str:
    """SHA-256 of the tariff's canonical document (the same tariff written otherwise hashes
    the same)."""
    text = json.dumps(tariff_to_document(tariff), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def save(conn: Connection, tariff: Tariff, *, source: str, actor: str) -> SaveReport:
    """Store `tariff` as the current revision of its code (ValidationError if it is not a
    valid tariff or its profiles clash with another tariff's). Runs in the caller's
    transaction and writes one audit row (``tariff.loaded``)."""
    problems = tariff_problems(tariff)
    if problems:
        raise ValidationError(problems)
    digest = content_hash(tariff)
    conn.execute(_SQL["lock_tariffs"])
    current = _first(conn, "current_tariff", {"code": tariff.code})
    if current is not None and current["content_hash"] == digest:
        return SaveReport(
            tariff_id=current["id"],
            code=tariff.code,
            revision=current["revision"],
            replaced_id=None,
            changed=False,
            audit_id=None,
        )
    if current is not None:
        conn.execute(_SQL["retire_tariff"], {"id": current["id"]})
    _refuse_clashes(conn, tariff)
    revision = 1 if current is None else int(current["revision"]) + 1
    row = _first(
        conn,
        "insert_tariff",
        {
            "code": tariff.code,
            "revision": revision,
            "currency": tariff.currency,
            "time_zone": tariff.time_zone,
            "increment_decimals": tariff.increment_decimals,
            "content_hash": digest,
            "source": source,
            "loaded_by": actor,
        },
    )
    if row is None:
        raise DatabaseError("insert_tariff returned no row")
    tariff_id = int(str(row["id"]))
    _Writer(conn, tariff, tariff_id).write()
    conn.execute(_SQL["prepare_tariff"], {"id": tariff_id})
    replaced = None if current is None else int(current["id"])
    audit_id = record(
        conn,
        actor=actor,
        action="tariff.loaded",
        entity_type="tariff",
        entity_id=tariff_id,
        data={
            "code": tariff.code,
            "revision": revision,
            "replaced_tariff_id": replaced,
            "source": source,
            "content_hash": digest,
            "destinations": len(tariff.destinations),
            "prefixes": sum(len(d.prefixes) for d in tariff.destinations),
            "rates": len(tariff.rates),
            "rating_plans": len(tariff.rating_plans),
            "profiles": len(tariff.profiles),
        },
    )
    return SaveReport(
        tariff_id=tariff_id,
        code=tariff.code,
        revision=revision,
        replaced_id=replaced,
        changed=True,
        audit_id=audit_id,
    )


def _refuse_clashes(conn: Connection, tariff: Tariff) -> None:
    profiles = tariff.profiles
    clashes = conn.execute(
        _SQL["profile_clashes"],
        {
            "tenants": [p.tenant for p in profiles],
            "categories": [p.category for p in profiles],
            "subjects": [p.subject for p in profiles],
            "activations": [p.activation for p in profiles],
        },
    ).fetchall()
    if clashes:
        raise ValidationError(
            [
                FieldError(
                    f"profiles[{int(str(row['position'])) - 1}].activation",
                    f"this subject is activated at this time by tariff {row['code']!r} "
                    "already (profiles of all tariffs share one namespace)",
                )
                for row in clashes
            ]
        )


def _first(conn: Connection, query: LiteralString, params: dict[str, Any]) -> dict[str, Any] | None:
    return conn.execute(_SQL[query], params).fetchone()


class _Writer:
    """Writes one revision's rows, ids allocated first so every row can name its parents."""

    def __init__(self, conn: Connection, tariff: Tariff, tariff_id: int) -> None:
        self.conn = conn
        self.tariff = tariff
        self.tariff_id = tariff_id

    def ids(self, table: str, count: int) -> list[int]:
        if count == 0:
            return []
        rows = self.conn.execute(_SQL["new_ids"], {"table": table, "count": count}).fetchall()
        return [int(str(row["id"])) for row in rows]

    def run(self, query: LiteralString, **params: Any) -> None:
        self.conn.execute(_SQL[query], {"tariff_id": self.tariff_id, **params})

    def write(self) -> None:
        t = self.tariff
        self.destinations = dict(
            zip(
                (d.code for d in t.destinations),
                self.ids("rating_destinations", len(t.destinations)),
                strict=True,
            )
        )
        self.run(
            "insert_destinations",
            ids=list(self.destinations.values()),
            codes=list(self.destinations),
        )
        prefixes = [
            (self.destinations[d.code], i, p)
            for d in t.destinations
            for i, p in enumerate(d.prefixes)
        ]
        self.run(
            "insert_prefixes",
            destination_ids=[p[0] for p in prefixes],
            positions=[p[1] for p in prefixes],
            prefixes=[p[2] for p in prefixes],
        )
        self.rates = dict(
            zip((r.code for r in t.rates), self.ids("rating_rates", len(t.rates)), strict=True)
        )
        self.run(
            "insert_rates",
            ids=list(self.rates.values()),
            codes=list(self.rates),
            connect_fees=[r.connect_fee for r in t.rates],
        )
        self._write_groups()
        self._write_bindings()
        self.bands: dict[str, int] = {}
        for position, (band, band_id) in enumerate(
            zip(t.time_bands, self.ids("rating_time_bands", len(t.time_bands)), strict=True)
        ):
            self.bands[band.code] = band_id
            self.run(
                "insert_time_band",
                id=band_id,
                position=position,
                code=band.code,
                years=list(band.years),
                months=list(band.months),
                month_days=list(band.month_days),
                weekdays=list(band.weekdays),
                start_time=band.start_time,
            )
        self._write_plans()

    def _write_groups(self) -> None:
        rows: list[tuple[Any, ...]] = []
        decimals = self.tariff.increment_decimals
        for rate in self.tariff.rates:
            for i, g in enumerate(rate.groups):
                following = rate.groups[i + 1].interval_start if i + 1 < len(rate.groups) else None
                each = None if decimals is None else increment_cost(g, decimals)
                rows.append(
                    (
                        self.rates[rate.code],
                        i,
                        g.interval_start,
                        g.price,
                        g.rate_unit,
                        g.increment,
                        following,
                        each,
                    )
                )
        names = (
            "rate_ids",
            "positions",
            "interval_starts",
            "prices",
            "rate_units",
            "increments",
            "next_starts",
            "increment_costs",
        )
        self.run("insert_rate_groups", **{n: [r[i] for r in rows] for i, n in enumerate(names)})

    def _write_bindings(self) -> None:
        t = self.tariff
        group_ids = self.ids("rating_destination_rates", len(t.destination_rates))
        self.groups = dict(zip((g.code for g in t.destination_rates), group_ids, strict=True))
        self.run("insert_destination_rates", ids=group_ids, codes=list(self.groups))
        entries = [(g, i, e) for g in t.destination_rates for i, e in enumerate(g.entries)]
        entry_ids = self.ids("rating_destination_rate_entries", len(entries))
        self.entries = {
            (g.code, i): entry_id for (g, i, _), entry_id in zip(entries, entry_ids, strict=True)
        }
        self.run(
            "insert_destination_rate_entries",
            ids=entry_ids,
            group_ids=[self.groups[g.code] for g, _, _ in entries],
            positions=[i for _, i, _ in entries],
            destinations=[e.destination for _, _, e in entries],
            destination_ids=[self.destinations.get(e.destination) for _, _, e in entries],
            rate_ids=[self.rates[e.rate] for _, _, e in entries],
            methods=[e.rounding_method.value for _, _, e in entries],
            decimals=[e.rounding_decimals for _, _, e in entries],
            max_costs=[e.max_cost for _, _, e in entries],
            strategies=[e.max_cost_strategy and e.max_cost_strategy.value for _, _, e in entries],
        )

    def _write_plans(self) -> None:
        t = self.tariff
        plan_ids = self.ids("rating_plans", len(t.rating_plans))
        self.plans = dict(zip((p.code for p in t.rating_plans), plan_ids, strict=True))
        lookups = [plan_lookups(t, plan) for plan in t.rating_plans]
        self.run(
            "insert_plans",
            ids=plan_ids,
            codes=list(self.plans),
            lengths=[",".join(map(str, lk.lengths)) for lk in lookups],
        )
        entries = [(p, i, e) for p in t.rating_plans for i, e in enumerate(p.entries)]
        self.run(
            "insert_plan_entries",
            plan_ids=[self.plans[p.code] for p, _, _ in entries],
            positions=[i for _, i, _ in entries],
            group_ids=[self.groups[e.destination_rates] for _, _, e in entries],
            bands=[e.time_band for _, _, e in entries],
            band_ids=[self.bands.get(e.time_band) for _, _, e in entries],
            weights=[e.weight for _, _, e in entries],
        )
        for plan, lookup in zip(t.rating_plans, lookups, strict=True):
            self._write_lookup(self.plans[plan.code], lookup)
        profiles = t.profiles
        self.run(
            "insert_profiles",
            tenants=[p.tenant for p in profiles],
            categories=[p.category for p in profiles],
            subjects=[p.subject for p in profiles],
            activations=[p.activation for p in profiles],
            plan_ids=[self.plans[p.rating_plan] for p in profiles],
            fallbacks=[_UNIT_SEPARATOR.join(p.fallback_subjects) or None for p in profiles],
        )

    def _write_lookup(self, plan_id: int, lookup: PlanLookup) -> None:
        set_ids = self.ids("rating_candidate_sets", len(lookup.sets))
        self.run(
            "insert_candidate_sets",
            ids=set_ids,
            plan_ids=[plan_id] * len(set_ids),
            times=[",".join(t.isoformat() for t in s.times) for s in lookup.sets],
        )
        rows = [
            (set_id, ord_, c)
            for set_id, s in zip(set_ids, lookup.sets, strict=True)
            for ord_, c in enumerate(s.candidates, start=1)
        ]
        self.run(
            "insert_candidates",
            set_ids=[r[0] for r in rows],
            ords=[r[1] for r in rows],
            entry_ids=[self.entries[(c.group, c.index)] for _, _, c in rows],
            band_ids=[None if c.band == ANY else self.bands[c.band] for _, _, c in rows],
            bands=[c.band for _, _, c in rows],
        )
        prefixes = sorted(lookup.prefixes.items())
        self.run(
            "insert_plan_prefixes",
            plan_ids=[plan_id] * len(prefixes),
            prefixes=[p for p, _ in prefixes],
            set_ids=[set_ids[i] for _, i in prefixes],
        )
        if lookup.any is not None:
            self.conn.execute(
                _SQL["set_any_candidates"], {"plan_id": plan_id, "set_id": set_ids[lookup.any]}
            )


def increment_cost(group: RateGroup, decimals: int) -> Decimal:
    """The cost of one increment of `group` rounded half-up to `decimals` (what a tariff with
    ``increment_decimals`` multiplies by the increments), exactly as the reference rater."""
    with decimal.localcontext(_EXACT):
        whole, rest = divmod(group.price * group.step * Decimal(10) ** decimals, group.unit)
        if 2 * rest >= group.unit:
            whole += 1
        return whole.scaleb(-decimals)


# -- the lookups of a plan -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    group: str  # destination rates code
    index: int  # entry within the group
    band: str  # time band code (ANY: always active)


@dataclass(frozen=True, slots=True)
class CandidateSet:
    candidates: tuple[Candidate, ...]
    times: tuple[dt.time, ...]


@dataclass(frozen=True, slots=True)
class PlanLookup:
    sets: list[CandidateSet]
    prefixes: dict[str, int]  # prefix -> index into sets
    any: int | None
    lengths: tuple[int, ...]  # longest first


def plan_lookups(tariff: Tariff, plan: RatingPlan) -> PlanLookup:
    """Each prefix of the plan with its candidates in deciding order (weight, later band
    start, plan order: reference.Candidate.order), and the *any candidates."""
    by_prefix: dict[str, list[tuple[Any, Candidate]]] = {}
    any_: list[tuple[Any, Candidate]] = []
    destinations = {d.code: d for d in tariff.destinations}
    for i, entry in enumerate(plan.entries):
        band = tariff.time_band(entry.time_band)
        start = bands.start_time_of(band)
        micros = (start.hour * 3600 + start.minute * 60 + start.second) * 1_000_000
        group = tariff.destination_rates_of(entry.destination_rates)
        for j, binding in enumerate(group.entries):
            key = (-entry.weight, -(micros + start.microsecond), (i, j))
            candidate = Candidate(group.code, j, band.code)
            if binding.destination == ANY:
                any_.append((key, candidate))
                continue
            for prefix in destinations[binding.destination].prefixes:
                by_prefix.setdefault(prefix, []).append((key, candidate))
    sets: dict[CandidateSet, int] = {}

    def set_of(found: Sequence[tuple[Any, Candidate]]) -> int:
        ordered = tuple(c for _, c in sorted(found, key=lambda kc: kc[0]))
        times = {_MIDNIGHT} | {
            tariff.time_band(c.band).start_time for c in ordered if c.band != ANY
        }
        return sets.setdefault(CandidateSet(ordered, tuple(sorted(times))), len(sets))

    prefixes = {prefix: set_of(found) for prefix, found in by_prefix.items()}
    any_set = set_of(any_) if any_ else None
    return PlanLookup(
        sets=list(sets),
        prefixes=prefixes,
        any=any_set,
        lengths=tuple(sorted({len(p) for p in prefixes}, reverse=True)),
    )


# -- loading ---------------------------------------------------------------------------------


def load(conn: Connection, tariff_id: int) -> Tariff:
    """The stored revision `tariff_id` as the model (equal to the tariff that was saved)."""
    head = _first(conn, "tariff", {"id": tariff_id})
    if head is None:
        raise NotFoundError(f"no tariff revision {tariff_id}")
    params = {"id": tariff_id}

    def rows(query: LiteralString) -> list[dict[str, Any]]:
        return conn.execute(_SQL[query], params).fetchall()

    groups: dict[str, list[DestinationRate]] = {}
    for row in rows("destination_rate_entries"):
        groups.setdefault(row["group_code"], []).append(_binding(row))
    plans: dict[str, list[RatingPlanEntry]] = {}
    for row in rows("plan_entries"):
        plans.setdefault(row["plan_code"], []).append(
            RatingPlanEntry(
                destination_rates=row["destination_rates"],
                time_band=row["time_band"],
                weight=(row["weight"]),
            )
        )
    return Tariff(
        code=head["code"],
        currency=head["currency"],
        time_zone=head["time_zone"],
        increment_decimals=head["increment_decimals"],
        destinations=tuple(
            Destination(code=r["code"], prefixes=tuple(r["prefixes"])) for r in rows("destinations")
        ),
        rates=tuple(_rate(r) for r in rows("rates")),
        destination_rates=tuple(
            DestinationRates(code=code, entries=tuple(entries)) for code, entries in groups.items()
        ),
        time_bands=tuple(
            TimeBand(
                code=r["code"],
                years=tuple(r["years"]),
                months=tuple(r["months"]),
                month_days=tuple(r["month_days"]),
                weekdays=tuple(r["weekdays"]),
                start_time=r["start_time"],
            )
            for r in rows("time_bands")
        ),
        rating_plans=tuple(
            RatingPlan(code=code, entries=tuple(entries)) for code, entries in plans.items()
        ),
        profiles=tuple(
            RatingProfile(
                tenant=r["tenant"],
                category=r["category"],
                subject=r["subject"],
                activation=r["activation"],
                rating_plan=r["plan_code"],
                fallback_subjects=tuple(r["fallback_subjects"]),
            )
            for r in rows("profiles")
        ),
    )


def _rate(row: dict[str, Any]) -> Rate:
    groups = tuple(
        RateGroup(interval_start=(s), price=(p), rate_unit=(u), increment=(i))
        for s, p, u, i in zip(
            row["interval_starts"], row["prices"], row["rate_units"], row["increments"], strict=True
        )
    )
    return Rate(code=row["code"], connect_fee=(row["connect_fee"]), groups=groups)


def _binding(row: dict[str, Any]) -> DestinationRate:
    strategy = row["max_cost_strategy"]
    return DestinationRate(
        destination=row["destination"],
        rate=row["rate"],
        rounding_method=RoundingMethod(row["rounding_method"]),
        rounding_decimals=int(row["rounding_decimals"]),
        max_cost=None if row["max_cost"] is None else (row["max_cost"]),
        max_cost_strategy=None if strategy is None else MaxCostStrategy(strategy),
    )
