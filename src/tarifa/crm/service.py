"""CRM sync (`tarifa.connect().crm`): customers upserted by the CRM's external id, and a
feed of the customers and subscriptions that changed, for the CRM to pull (see
:mod:`tarifa.crm.model` for why the feed is read from the audit log)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tarifa.crm.model import Change, ChangesPage, Entity, Position
from tarifa.customers.model import Customer
from tarifa.customers.records import customer_from_row
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import ConnectionDatabase, Database
from tarifa.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from tarifa.subscriptions.service import Subscriptions

_SQL = queries.load("crm")
MAX_PAGE = 1000
#: Fixed once an account exists: its invoices, ledger and tax treatment depend on them.
_FIXED = {"kind": str.lower, "currency": str.upper}


@dataclass(frozen=True, slots=True, kw_only=True)
class Upserted:
    customer: Customer
    created: bool
    #: Whether anything changed (a create always does; an update with the same fields not).
    changed: bool


class Crm:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def upsert(
        self,
        external_id: str,
        fields: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> Upserted:
        """Create the customer the CRM knows as `external_id` with `fields` (raw, as
        :meth:`Customers.create` takes them), or change the fields given on the one there
        is (fields left out keep their value). `kind` and `currency` cannot change once
        the customer exists. With `expected_version`, StaleVersionError unless the customer
        exists at that version."""
        given = fields.get("external_id", external_id)
        if given != external_id:
            raise ValidationError.single("external_id", f"must be {external_id!r}, as named")
        customers = Customers(self.db, actor=self.actor)
        current = self._existing(customers, external_id)
        if current is None:
            if expected_version is not None:
                raise StaleVersionError(f"customer {external_id!r} does not exist")
            try:
                made = customers.create({**fields, "external_id": external_id})
                return Upserted(customer=made, created=True, changed=True)
            except ConflictError:
                # Created by someone else since it was looked for: update that one instead.
                current = self._existing(customers, external_id)
                if current is None:
                    raise
        changes = {k: v for k, v in fields.items() if k not in ("external_id", *_FIXED)}
        problems = [
            FieldError(k, f"cannot change once the customer exists (it is {getattr(current, k)})")
            for k, norm in _FIXED.items()
            if k in fields and norm(str(fields[k]).strip()) != str(getattr(current, k))
        ]
        if problems:
            raise ValidationError(problems)
        updated = customers.update(current.id, changes, expected_version=expected_version)
        return Upserted(customer=updated, created=False, changed=updated.version != current.version)

    def changes(
        self,
        after: Position | str | None = None,
        *,
        limit: int = 100,
        entities: Iterable[Entity | str] = (Entity.CUSTOMER, Entity.SUBSCRIPTION),
    ) -> ChangesPage:
        """The customers and subscriptions changed after `after` (a Position or its token;
        None: from the beginning), reading at most `limit` changes; an entity changed more
        than once in the page is listed once, at its latest change, as it is now."""
        start = after if isinstance(after, Position) else Position.parse(after)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise ValidationError.single("limit", f"must be a whole number from 1 to {MAX_PAGE}")
        kinds = _entities(entities)
        params = {"audit_id": start.audit_id, "part": start.part,
                  "entities": [k.value for k in kinds], "limit": limit + 1}  # fmt: skip
        with self.db.transaction() as conn:
            found = queries.rows(conn, _SQL["changes_after"], params)
            more = len(found) > limit
            found = found[:limit]
            latest: dict[tuple[str, int], dict[str, Any]] = {}
            for row in found:
                latest.pop((row["entity_type"], row["entity_id"]), None)
                latest[(row["entity_type"], row["entity_id"])] = row
            current = _current(ConnectionDatabase(conn), self.actor, latest)
        listed = tuple(
            Change(
                position=Position(audit_id=row["audit_id"], part=row["part"]),
                entity=Entity(entity),
                entity_id=entity_id,
                action=row["action"],
                recorded_at=row["recorded_at"],
                current=current[(entity, entity_id)],
            )
            for (entity, entity_id), row in latest.items()
            if (entity, entity_id) in current
        )
        last = found[-1] if found else None
        following = start if last is None else Position(audit_id=last["audit_id"],
                                                        part=last["part"])  # fmt: skip
        return ChangesPage(changes=listed, next=following, more=more)

    @staticmethod
    def _existing(customers: Customers, external_id: str) -> Customer | None:
        try:
            return customers.get_by_external_id(external_id)
        except NotFoundError:
            return None


def _entities(entities: Iterable[Entity | str]) -> tuple[Entity, ...]:
    try:
        kinds = tuple(dict.fromkeys(Entity(e) for e in entities))
    except ValueError:
        raise ValidationError.single("entities", "must be customer and/or subscription") from None
    if not kinds:
        raise ValidationError.single("entities", "name at least one")
    return kinds


def _current(
    db: ConnectionDatabase, actor: str, latest: Mapping[tuple[str, int], Any]
) -> dict[tuple[str, int], Any]:
    """The entities of a page as they are now, read on the page's connection."""
    customer_ids = [i for kind, i in latest if kind == Entity.CUSTOMER.value]
    with db.transaction() as conn:
        rows = queries.rows(conn, _SQL["customers_by_ids"], {"ids": customer_ids})
    found: dict[tuple[str, int], Any] = {
        (Entity.CUSTOMER.value, int(r["id"])): customer_from_row(r) for r in rows
    }
    subscriptions = Subscriptions(db, actor=actor)
    for kind, entity_id in latest:
        if kind == Entity.SUBSCRIPTION.value:
            found[(kind, entity_id)] = subscriptions.get(entity_id)
    return found


__all__ = ["Crm", "Upserted"]
