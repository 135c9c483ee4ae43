"""The inventory service (`tarifa.connect().inventory`): add, reserve, assign, release.

Each change is one transaction under the resource's row lock, with one audit row. A
reservation that has run out and a quarantine that is over count as *available*: nothing has
to sweep them. Assigning opens a time range on the resource; releasing closes it; the
database refuses overlapping ranges, so a resource is never on two subscriptions at once.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from tarifa.inventory.model import (
    DEFAULT_QUARANTINE_DAYS,
    ResourceKind,
    ResourceStatus,
    normalized,
)

_SQL = queries.load("inventory")


@dataclass(frozen=True, slots=True, kw_only=True)
class Assignment:
    subscription_id: int
    assigned_at: dt.datetime
    released_at: dt.datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    id: int
    kind: ResourceKind
    value: str
    #: As of the time it was read: a lapsed reservation or quarantine reads as available.
    status: ResourceStatus
    reserved_for: str | None
    reserved_until: dt.datetime | None
    subscription_id: int | None
    quarantine_until: dt.datetime | None
    assignments: tuple[Assignment, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AddReport:
    added: tuple[str, ...]
    existing: tuple[str, ...]
    rejected: tuple[FieldError, ...]


class Inventory:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def add(self, kind: ResourceKind | str, values: Iterable[str]) -> AddReport:
        """Add resources of `kind`; bad values are reported with their reason (and not
        added), values there already are counted as existing."""
        kind = _kind(kind)
        good: list[str] = []
        rejected: list[FieldError] = []
        for i, value in enumerate(values):
            stored, problem = normalized(kind, value)
            if problem:
                rejected.append(FieldError(f"values[{i}]", f"{value!r}: {problem}"))
            elif stored not in good:
                good.append(stored)
        with self.db.transaction() as conn:
            rows = conn.execute(_SQL["insert_resources"], {"kind": kind.value, "values": good})
            added = tuple(str(r["value"]) for r in rows.fetchall())
            if added:
                record(
                    conn,
                    actor=self.actor,
                    action="inventory.added",
                    entity_type="inventory",
                    entity_id=kind.value,
                    data={"kind": kind.value, "added": len(added)},
                )
        existing = tuple(v for v in good if v not in set(added))
        return AddReport(added=added, existing=existing, rejected=tuple(rejected))

    def reserve(
        self,
        kind: ResourceKind | str,
        value: str,
        *,
        reserved_for: str,
        until: dt.datetime,
        at: dt.datetime | None = None,
    ) -> Resource:
        """Hold an available resource for an order until `until`."""
        now = at or dt.datetime.now(dt.UTC)
        if until <= now:
            raise ValidationError.single("until", "must be later than now")
        with self.db.transaction() as conn:
            row = self._locked(conn, kind, value)
            status = _status(row, now)
            if status is not ResourceStatus.AVAILABLE:
                raise ConflictError(f"{row['value']} is {status.value}, not available")
            row = queries.one(
                conn,
                _SQL["set_reserved"],
                {"id": row["id"], "reserved_for": reserved_for, "until": until},
            )
            self._audit(conn, "inventory.reserved", row, {"for": reserved_for, "until": until})
            return self._resource(conn, row, now)

    def assign(
        self,
        kind: ResourceKind | str,
        value: str,
        subscription_id: int,
        *,
        at: dt.datetime | None = None,
        reserved_for: str | None = None,
    ) -> Resource:
        """Put an available resource (or one reserved for `reserved_for`) on a subscription
        from `at` (default now)."""
        now = at or dt.datetime.now(dt.UTC)
        with self.db.transaction() as conn:
            if (
                conn.execute(_SQL["subscription_exists"], {"id": subscription_id}).fetchone()
                is None
            ):
                raise NotFoundError(f"no subscription {subscription_id}")
            row = self._locked(conn, kind, value)
            status = _status(row, now)
            held_for_it = status is ResourceStatus.RESERVED and (
                reserved_for is not None and row["reserved_for"] == reserved_for
            )
            if status is not ResourceStatus.AVAILABLE and not held_for_it:
                raise ConflictError(f"{row['value']} is {status.value}, not available")
            try:
                with conn.transaction():
                    conn.execute(
                        _SQL["open_assignment"],
                        {"id": row["id"], "subscription_id": subscription_id, "at": now},
                    )
            except psycopg.errors.ExclusionViolation:
                # Assigning from a past instant that an earlier assignment still covers.
                raise ConflictError(
                    f"{row['value']} was on another subscription at {now.isoformat()}"
                ) from None
            row = queries.one(
                conn, _SQL["set_assigned"], {"id": row["id"], "subscription_id": subscription_id}
            )
            self._audit(conn, "inventory.assigned", row, {"subscription_id": subscription_id})
            return self._resource(conn, row, now)

    def release(
        self,
        kind: ResourceKind | str,
        value: str,
        *,
        at: dt.datetime | None = None,
        quarantine_days: int | None = None,
    ) -> Resource:
        """Take an assigned resource off its subscription at `at` (default now); it is
        quarantined for `quarantine_days` (default: 90 for phone numbers, 0 otherwise)."""
        now = at or dt.datetime.now(dt.UTC)
        resource_kind = _kind(kind)
        days = (
            DEFAULT_QUARANTINE_DAYS[resource_kind.value]
            if quarantine_days is None
            else quarantine_days
        )
        if days < 0:
            raise ValidationError.single("quarantine_days", "must not be negative")
        with self.db.transaction() as conn:
            row = self._locked(conn, resource_kind, value)
            if row["status"] != ResourceStatus.ASSIGNED.value:
                raise ConflictError(f"{row['value']} is not assigned")
            closed = conn.execute(_SQL["close_assignment"], {"id": row["id"], "at": now}).fetchone()
            if closed is None:
                raise ConflictError(f"{row['value']} has no open assignment")
            until = now + dt.timedelta(days=days)
            row = queries.one(
                conn, _SQL["set_released"], {"id": row["id"], "at": now, "until": until}
            )
            self._audit(
                conn,
                "inventory.released",
                row,
                {"subscription_id": closed["subscription_id"], "quarantine_days": days},
            )
            return self._resource(conn, row, now)

    def get(
        self, kind: ResourceKind | str, value: str, *, at: dt.datetime | None = None
    ) -> Resource:
        with self.db.transaction() as conn:
            stored, _problem = normalized(_kind(kind), value)
            row = conn.execute(
                _SQL["resource"], {"kind": _kind(kind).value, "value": stored}
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no {_kind(kind).value} {stored}")
            return self._resource(conn, row, at or dt.datetime.now(dt.UTC))

    def list(
        self,
        *,
        kind: ResourceKind | str | None = None,
        status: ResourceStatus | str | None = None,
        limit: int = 50,
        after_id: int | None = None,
        at: dt.datetime | None = None,
    ) -> builtins.list[Resource]:
        """Resources in id order, `limit` at a time (their assignments left out), filtered by
        kind and by status as of `at` (default now): a lapsed reservation or quarantine
        counts as available, as everywhere else."""
        now = at or dt.datetime.now(dt.UTC)
        params = {
            "kind": None if kind is None else _kind(kind).value,
            "status": None if status is None else _status_filter(status),
            "limit": limit,
            "after_id": after_id or 0,
            "at": now,
        }
        with self.db.transaction() as conn:
            found = queries.rows(conn, _SQL["list_resources"], params)
        return [
            Resource(
                id=int(r["id"]), kind=ResourceKind(r["kind"]), value=str(r["value"]),
                status=_status(r, now), reserved_for=r["reserved_for"],
                reserved_until=r["reserved_until"], subscription_id=r["subscription_id"],
                quarantine_until=r["quarantine_until"],
            )
            for r in found
        ]  # fmt: skip

    # -- internals ------------------------------------------------------------------------------

    @staticmethod
    def _locked(conn: Connection, kind: ResourceKind | str, value: str) -> dict[str, Any]:
        resource_kind = _kind(kind)
        stored, problem = normalized(resource_kind, value)
        if problem:
            raise ValidationError.single("value", problem)
        row: dict[str, Any] | None = conn.execute(
            _SQL["lock_resource"], {"kind": resource_kind.value, "value": stored}
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no {resource_kind.value} {stored}")
        return row

    def _audit(self, conn: Connection, action: str, row: Any, data: dict[str, Any]) -> None:
        record(
            conn,
            actor=self.actor,
            action=action,
            entity_type="inventory_resource",
            entity_id=int(row["id"]),
            data={"kind": row["kind"], **data},
            personal={"value": row["value"]},
        )

    @staticmethod
    def _resource(conn: Connection, row: Any, now: dt.datetime) -> Resource:
        history: list[dict[str, Any]] = conn.execute(
            _SQL["assignments"], {"id": row["id"]}
        ).fetchall()
        return Resource(
            id=int(row["id"]),
            kind=ResourceKind(row["kind"]),
            value=str(row["value"]),
            status=_status(row, now),
            reserved_for=row["reserved_for"],
            reserved_until=row["reserved_until"],
            subscription_id=row["subscription_id"],
            quarantine_until=row["quarantine_until"],
            assignments=tuple(
                Assignment(
                    subscription_id=int(a["subscription_id"]),
                    assigned_at=a["assigned_at"],
                    released_at=a["released_at"],
                )
                for a in history
            ),
        )


def _kind(kind: ResourceKind | str) -> ResourceKind:
    try:
        return ResourceKind(kind)
    except ValueError:
        raise ValidationError.single("kind", "must be phone_number, sim or device") from None


def _status_filter(status: ResourceStatus | str) -> str:
    try:
        return ResourceStatus(status).value
    except ValueError:
        known = ", ".join(s.value for s in ResourceStatus)
        raise ValidationError.single("status", f"must be one of: {known}") from None


def _status(row: Any, now: dt.datetime) -> ResourceStatus:
    status = ResourceStatus(row["status"])
    if status is ResourceStatus.RESERVED and row["reserved_until"] <= now:
        return ResourceStatus.AVAILABLE
    if status is ResourceStatus.QUARANTINED and row["quarantine_until"] <= now:
        return ResourceStatus.AVAILABLE
    return status


__all__ = ["AddReport", "Assignment", "Inventory", "Resource"]
