"""The rating service (`tarifa.connect().rating`): store tariffs, quote, rate, rerate.

The orchestrator around the pure rater and the SQL batch rater: it reads files, takes the
locks, calls :mod:`tarifa.rating.store` and the stored procedures of sql/functions/rating.sql,
and writes one audit row per change (a tariff load, a rating run, a rerate).

- :meth:`Rating.run` rates every usage record not rated yet. The records of each import
  committed since the last run are cut into batches of at most :data:`BATCH_IDS` record
  ids; each batch is claimed with ``FOR UPDATE SKIP LOCKED``, rated by one
  ``rating_rate_range`` call and committed, so several sessions (one per core) can run at
  once and none rates a record another one rates.
- :meth:`Rating.quote` prices one event with the reference rater on the stored tariff its
  profile routes it to: the same cost the batch rater gives the same record.
- :meth:`Rating.rerate` rates again, after a tariff correction, the records of a period not
  on a finalized invoice, replacing their rating, and reports the difference.
- :meth:`Rating.refusals` lists the records the rater refused, with their reasons
  (:meth:`Rating.refusal_counts`: how many per code).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from psycopg.types.json import Jsonb

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import DatabaseError, FieldError, NotFoundError, ValidationError
from tarifa.rating import refusals, store
from tarifa.rating.cgrates import read_cgrates
from tarifa.rating.document import read_tariff
from tarifa.rating.durations import format_number
from tarifa.rating.model import (
    RatedEvent,
    RatingError,
    Tariff,
    UsageEvent,
    UsageUnit,
)
from tarifa.rating.reference import rate_event
from tarifa.rating.refusals import RatingRefusal

_SQL = queries.load("rating")
#: Record ids per batch: one statement rates at most this many records.
BATCH_IDS = 100_000
#: The currency of a CGRateS deck when none is given (decks do not say theirs).
DEFAULT_CURRENCY = os.environ.get("TARIFA_DEFAULT_CURRENCY", "EUR")
#: The unit of a category's usage when a quote does not say.
CATEGORY_UNITS = {
    "call": UsageUnit.SECONDS,
    "video": UsageUnit.SECONDS,
    "data": UsageUnit.BYTES,
    "sms": UsageUnit.EVENTS,
    "mms": UsageUnit.EVENTS,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TariffSummary:
    id: int
    code: str
    revision: int
    current: bool
    currency: str
    time_zone: str
    loaded_at: dt.datetime
    source: str
    destinations: int
    prefixes: int
    rates: int
    plans: int
    profiles: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """What one rating session did: records rated, refused (rating errors), and what the
    rated ones cost per currency (tariffs are in different currencies: never summed across)."""

    run_id: int
    batches: int
    rated: int
    errors: int
    costs: dict[str, Decimal]
    audit_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RerateReport:
    """A rerate: `records` rated again; `cost_before` what those rated had cost, `cost_after`
    what the rated ones cost now; `difference` = after - before."""

    run_id: int
    records: int
    rated: int
    errors: int
    cost_before: Decimal
    cost_after: Decimal
    audit_id: int

    @property
    def difference(self) -> Decimal:
        return _plain(self.cost_after - self.cost_before)


class Rating:
    """Tariffs and rating; `actor` is who the audit log names."""

    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor
        self._tariffs: dict[int, Tariff] = {}

    # -- tariffs ---------------------------------------------------------------------------

    def load(self, path: Path | str) -> store.SaveReport:
        """Store the tariff file at `path` (tarifa's YAML format) as the current revision of
        its code; a file already current stores nothing."""
        return self.save(read_tariff(Path(path)), source=Path(path).name)

    def import_cgrates(
        self,
        folder: Path | str,
        *,
        tenant: str = "default",
        timezone: str = "UTC",
        currency: str | None = None,
        code: str | None = None,
    ) -> store.SaveReport:
        """Store a CGRateS tariff-plan folder as a tariff (profiles go to `tenant`, bands are
        read in `timezone`, prices are in `currency`)."""
        tariff = read_cgrates(
            folder,
            currency=currency or DEFAULT_CURRENCY,
            tenant=tenant,
            time_zone=timezone,
            code=code,
        )
        return self.save(tariff, source=f"cgrates:{Path(folder).resolve().name}")

    def save(self, tariff: Tariff, *, source: str = "<python>") -> store.SaveReport:
        with self.db.transaction() as conn:
            return store.save(conn, tariff, source=source, actor=self.actor)

    def tariffs(self, *, current_only: bool = True) -> list[TariffSummary]:
        with self.db.transaction() as conn:
            rows = conn.execute(_SQL["tariffs"], {"current_only": current_only}).fetchall()
        return [TariffSummary(**cast(dict[str, Any], row)) for row in rows]

    def tariff(self, tariff_id: int) -> Tariff:
        """A stored revision as the model (revisions never change: kept once read)."""
        if tariff_id not in self._tariffs:
            with self.db.transaction() as conn:
                self._tariffs[tariff_id] = store.load(conn, tariff_id)
        return self._tariffs[tariff_id]

    # -- quotes ----------------------------------------------------------------------------

    def quote(
        self,
        category: str,
        subject: str,
        destination: str,
        start: dt.datetime,
        usage: Decimal,
        *,
        tenant: str = "default",
        unit: UsageUnit | None = None,
    ) -> RatedEvent | RatingError:
        """Price one event on the stored tariffs, as the batch rater prices the same record.

        The event goes to the tariff of its subject's latest profile (else *any's) and is
        rated there by the reference rater. `unit` defaults to the category's (call and video:
        seconds, data: bytes, sms and mms: events).
        """
        if start.utcoffset() is None:
            raise ValidationError.single("start", "must carry a UTC offset")
        event = UsageEvent(
            tenant=tenant,
            category=category,
            subject=subject,
            destination=destination,
            start=start,
            usage=usage,
            unit=unit or CATEGORY_UNITS.get(category, UsageUnit.SECONDS),
        )
        tariff = self.route(category, subject, start, tenant=tenant)
        if tariff is None:
            return RatingError(
                code="no_rating_profile",
                message=f"no rating profile for {tenant}/{category}/{subject} (nor for subject "
                f"*any) active at {start.isoformat()}",
            )
        return rate_event(tariff, event)

    def route(
        self, category: str, subject: str, start: dt.datetime, *, tenant: str = "default"
    ) -> Tariff | None:
        """The stored tariff an event of `subject` at `start` goes to: the one of the latest
        current profile of the subject activated by then, else of subject *any."""
        with self.db.transaction() as conn:
            row = conn.execute(
                _SQL["route"],
                {"tenant": tenant, "category": category, "subject": subject, "at": start},
            ).fetchone()
        return None if row is None else self.tariff(int(str(row["tariff_id"])))

    # -- batch rating ----------------------------------------------------------------------

    def run(self) -> RunReport:
        """Rate every pending usage record (with other sessions doing the same at once)."""
        with self.db.transaction() as conn:
            run_id = _begin(conn, kind="rate", actor=self.actor)
            conn.execute(_SQL["lock_planning"])
            conn.execute(_SQL["ensure_partitions"])
            conn.execute(_SQL["prepare_tariffs"])
            conn.execute(_SQL["plan_batches"], {"size": BATCH_IDS})
            conn.execute(_SQL["summarize_usage_index"])
            conn.execute(_SQL["analyze_usage"])
            conn.execute(_SQL["ensure_schedule"])
        batches, rated, errors, cost = 0, 0, 0, Decimal(0)
        while True:
            with self.db.transaction() as conn:
                batch = conn.execute(_SQL["claim_batch"]).fetchone()
                if batch is None:
                    break
                conn.execute(_SQL["relax_batch_commit"])
                done = _rate(
                    conn,
                    "rate_range",
                    run_id=run_id,
                    import_id=batch["import_id"],
                    first_id=batch["first_id"],
                    last_id=batch["last_id"],
                )
                conn.execute(
                    _SQL["finish_batch"],
                    {
                        "id": batch["id"],
                        "run_id": run_id,
                        "rated": done.rated,
                        "errors": done.errors,
                        "costs": Jsonb(done.costs),
                    },
                )
            batches += 1
            rated, errors, cost = rated + done.rated, errors + done.errors, cost + done.cost
        with self.db.transaction() as conn:
            conn.execute(
                _SQL["finish_run"],
                {"id": run_id, "rated": rated, "errors": errors, "cost": cost, "cost_before": None},
            )
            costs = {
                str(row["currency"]): _plain(Decimal(str(row["cost"])))
                for row in conn.execute(_SQL["run_costs"], {"run_id": run_id})
            }
            audit_id = record(
                conn,
                actor=self.actor,
                action="usage.rated",
                entity_type="rating_run",
                entity_id=run_id,
                data={"batches": batches, "rated": rated, "errors": errors, "costs": costs},
            )
        return RunReport(
            run_id=run_id,
            batches=batches,
            rated=rated,
            errors=errors,
            costs=costs,
            audit_id=audit_id,
        )

    def refusals(
        self,
        *,
        code: str | None = None,
        account: int | str | None = None,
        limit: int = 100,
        after_id: int | None = None,
    ) -> list[RatingRefusal]:
        """The records the rater refused (rating errors), in usage id order, `limit` at a
        time (pass the last usage id as `after_id`), of one code and one account (its id, or
        its external id as text) or all."""
        account_id = self._account(account)
        return refusals.list_refusals(
            self.db, code=code, account_id=account_id, limit=limit, after_id=after_id
        )

    def refusal_counts(self, *, account: int | str | None = None) -> dict[str, int]:
        """How many records the rater refused, per code."""
        account_id = self._account(account)
        return refusals.count_by_code(self.db, account_id=account_id)

    def account_id(self, external_id: str) -> int:
        """The id of the account with this external id (NotFoundError if none)."""
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["account_id"], {"external_id": external_id}).fetchone()
        if row is None:
            raise NotFoundError(f"no account {external_id!r}")
        return int(str(row["id"]))

    def _account(self, account: int | str | None) -> int | None:
        """An account given by its id, or by its external id as text."""
        return self.account_id(account) if isinstance(account, str) else account

    def rerate(
        self, start: dt.datetime, end: dt.datetime, *, account: int | str | None = None
    ) -> RerateReport:
        """Rate again the records of [start, end) (of one `account`: its id, or its external
        id as text) not on a finalized invoice, with the current tariffs: each record's
        rating (or rating error) is replaced, never added to. One transaction: all of the
        period or nothing."""
        account_id = self._account(account)
        problems = [
            FieldError(name, "must carry a UTC offset")
            for name, value in (("from", start), ("to", end))
            if value.utcoffset() is None
        ]
        if not problems and end <= start:
            problems.append(FieldError("to", "must be after from"))
        if problems:
            raise ValidationError(problems)
        with self.db.transaction() as conn:
            run_id = _begin(
                conn,
                kind="rerate",
                actor=self.actor,
                period_from=start,
                period_to=end,
                account_id=account_id,
            )
            conn.execute(_SQL["ensure_partitions"])
            params = {"from": start, "to": end, "account_id": account_id}
            conn.execute(_SQL["rerate_forget"])
            conn.execute(_SQL["rerate_choose"], params)
            chosen = conn.execute(_SQL["rerate_reopen"]).fetchone()
            if chosen is None:
                raise DatabaseError("rerate_reopen returned no row")
            rated, errors = 0, 0
            if chosen["records"]:
                conn.execute(_SQL["prepare_tariffs"])
                conn.execute(
                    _SQL["rerate_schedule"],
                    {"first_at": chosen["first_at"], "last_at": chosen["last_at"]},
                )
                done = _rate(conn, "rate_chosen", run_id=run_id)
                rated, errors = done.rated, done.errors
            result = conn.execute(_SQL["rerate_result"]).fetchone()
            if result is None:
                raise DatabaseError("rerate_result returned no row")
            cost = Decimal(str(result["cost_after"]))
            before = Decimal(str(chosen["cost_before"]))
            conn.execute(
                _SQL["finish_run"],
                {
                    "id": run_id,
                    "rated": rated,
                    "errors": errors,
                    "cost": cost,
                    "cost_before": before,
                },
            )
            audit_id = record(
                conn,
                actor=self.actor,
                action="usage.rerated",
                entity_type="rating_run",
                entity_id=run_id,
                data={
                    "from": start,
                    "to": end,
                    "account_id": account_id,
                    "records": chosen["records"],
                    "rated": rated,
                    "errors": errors,
                    "cost_before": before,
                    "cost_after": cost,
                    "difference": cost - before,
                },
            )
        return RerateReport(
            run_id=run_id,
            records=int(str(chosen["records"])),
            rated=rated,
            errors=errors,
            cost_before=_plain(before),
            cost_after=_plain(cost),
            audit_id=audit_id,
        )


def _plain(amount: Decimal) -> Decimal:
    """A sum of stored costs without their trailing zeros (0.195, not 0.195000000000; 0, not
    0E-12), never in exponent form."""
    return Decimal(format_number(amount))


def _begin(conn: Connection, *, kind: str, actor: str, **period: Any) -> int:
    params = {
        "kind": kind,
        "actor": actor,
        "period_from": None,
        "period_to": None,
        "account_id": None,
        **period,
    }
    row = conn.execute(_SQL["begin_run"], params).fetchone()
    if row is None:
        raise DatabaseError("begin_run returned no row")
    return int(str(row["id"]))


@dataclass(frozen=True)
class _Rated:
    """What one statement of the batch rater did: records rated, refused, and their cost
    (in all, and per currency as the database wrote it: {"EUR": "12.3400"})."""

    rated: int
    errors: int
    cost: Decimal
    costs: dict[str, str]


def _rate(conn: Connection, query: str, **params: Any) -> _Rated:
    """Rate a batch (`rate_range`: the records of an import in a range of ids) or the
    records a rerate chose (`rate_chosen`); what it did. The months rated usage needs are
    added first: an import may have added a month since the run planned."""
    conn.execute(_SQL["set_work_mem"])
    conn.execute(_SQL["ensure_partitions"])
    row = conn.execute(_SQL[query], params).fetchone()
    if row is None:
        raise DatabaseError(f"{query} returned no row")
    return _Rated(
        rated=int(str(row["rated"])),
        errors=int(str(row["errors"])),
        cost=Decimal(str(row["cost"])),
        costs=cast(dict[str, str], row["costs"]),
    )


__all__ = ["BATCH_IDS", "Rating", "RerateReport", "RunReport", "TariffSummary"]
