"""The customers service: create, update, read, search and close accounts, and manage the
usage identifiers that tie usage records to them.

Every change runs in one transaction with its audit row (`tarifa.audit.record`), so a change
and its record commit or vanish together. The database guards the same rules (CHECK
constraints, the identifier exclusion constraint, hierarchy triggers); its errors are mapped
to ConflictError naming what clashed.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import psycopg
from psycopg import errors as pg

from tarifa.audit import record
from tarifa.customers import hierarchy
from tarifa.customers.model import (
    Customer,
    CustomerDraft,
    CustomerStatus,
    IdentifierKind,
    UsageIdentifier,
    customer_to_raw,
    normalize_identifier,
    validate_customer,
    validate_identifier,
)
from tarifa.customers.records import (
    changed_fields,
    customer_from_row,
    customer_params,
    identifier_from_row,
    split_personal,
)
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)

if TYPE_CHECKING:
    from tarifa.customers.importer import ImportReport, Progress

_SQL = queries.load("customers")
_READ_ONLY = ("id", "version", "created_at", "updated_at", "closed_at")
MAX_PAGE = 1000


class Customers:
    """Accounts and their usage identifiers; `actor` is who the audit log names."""

    def __init__(self, db: Database, actor: str) -> None:
        self.db = db
        self.actor = actor

    # -- accounts --------------------------------------------------------------------

    def create(self, record_: Mapping[str, Any] | CustomerDraft) -> Customer:
        """Validate and store a new account; ValidationError lists every problem at once."""
        with self.db.transaction() as conn:
            draft = self._validated(conn, record_)
            with _mapped_errors(draft.external_id):
                row = conn.execute(_SQL["insert_customer"], customer_params(draft)).fetchone()
            customer = customer_from_row(_found(row, "customer", draft.external_id))
            data, personal = split_personal(customer_to_raw(customer))
            record(
                conn,
                actor=self.actor,
                action="customer.created",
                entity_type="customer",
                entity_id=customer.id,
                data=data,
                personal=personal,
            )
        return customer

    def update(
        self, customer_id: int, changes: Mapping[str, Any], *, expected_version: int | None = None
    ) -> Customer:
        """Apply `changes` (raw fields) and validate the merged record as a whole.

        The version grows by one. With `expected_version` (the version the caller read, as an
        ETag) a concurrent change in between is refused instead of silently overwritten.
        Closing is not an update: use :meth:`close`.
        """
        read_only = [FieldError(k, "cannot be changed") for k in changes if k in _READ_ONLY]
        if read_only:
            raise ValidationError(read_only)
        with self.db.transaction() as conn:
            current = self._locked(conn, customer_id)
            if current.status is CustomerStatus.CLOSED:
                raise ConflictError(f"customer {customer_id} is closed and cannot be changed")
            if expected_version is not None and expected_version != current.version:
                raise StaleVersionError(
                    f"customer {customer_id} changed since version {expected_version}"
                    f" (now version {current.version}); read it again and retry"
                )
            merged = customer_to_raw(current)
            if "parent_external_id" in changes:
                merged.pop("parent_id")
            merged.update(changes)
            draft = self._validated(conn, merged, current=current)
            changed = changed_fields(current, draft)
            if not changed:
                return current
            with _mapped_errors(draft.external_id):
                params = customer_params(draft) | {"id": customer_id}
                row = conn.execute(_SQL["update_customer"], params).fetchone()
            updated = customer_from_row(_found(row, "customer", customer_id))
            data, personal = split_personal(changed)
            record(
                conn,
                actor=self.actor,
                action="customer.updated",
                entity_type="customer",
                entity_id=customer_id,
                data={"changed": sorted(changed), "version": updated.version, "values": data},
                personal={"values": personal} if personal else None,
            )
        return updated

    def get(self, customer_id: int) -> Customer:
        with self.db.statement() as conn:
            row = conn.execute(_SQL["get_customer"], {"id": customer_id}).fetchone()
        return customer_from_row(_found(row, "customer", customer_id))

    def get_by_external_id(self, external_id: str) -> Customer:
        with self.db.statement() as conn:
            row = conn.execute(
                _SQL["get_customer_by_external_id"], {"external_id": external_id}
            ).fetchone()
        return customer_from_row(_found(row, "customer with external id", external_id))

    def account(self, account: int | str) -> Customer:
        """A customer named by its id, or by its external id (text), as the CLI and other
        systems name accounts."""
        if isinstance(account, str):
            return self.get_by_external_id(account)
        return self.get(account)

    def list(
        self,
        search: str | None = None,
        *,
        status: CustomerStatus | str | None = None,
        country: str | None = None,
        limit: int = 50,
        after_id: int | None = None,
    ) -> builtins.list[Customer]:
        """Accounts in id order, `limit` at a time; pass the last id as `after_id` for more.

        `search` matches part of the legal name, the external id or an email address, in any
        letter case.
        """
        params = _list_params(search, status, country, limit, after_id)
        with self.db.transaction() as conn:
            rows = conn.execute(_SQL["list_customers"], params).fetchall()
        return [customer_from_row(row) for row in rows]

    def close(self, customer_id: int) -> Customer:
        """Close an account now: its usage identifiers end at the close time (those that had
        not started yet are removed). An account whose children are still open is not closed:
        its children's invoices would lose their payer."""
        with self.db.transaction() as conn:
            current = self._locked(conn, customer_id)
            if current.status is CustomerStatus.CLOSED:
                raise ConflictError(f"customer {customer_id} is already closed")
            open_children = [
                row for row in conn.execute(_SQL["children"], {"id": customer_id})
                if row["status"] != CustomerStatus.CLOSED.value
            ]  # fmt: skip
            if open_children:
                names = ", ".join(f"{r['id']} ({r['external_id']})" for r in open_children[:10])
                raise ConflictError(
                    f"customer {customer_id} ({current.external_id}) has open child accounts:"
                    f" {names}; close them or move them to another parent first"
                )
            ended = [r["id"] for r in conn.execute(_SQL["end_identifiers_at_close"],
                                                   {"id": customer_id})]  # fmt: skip
            removed = [r["id"] for r in conn.execute(_SQL["remove_future_identifiers"],
                                                     {"id": customer_id})]  # fmt: skip
            with _mapped_errors(current.external_id):
                row = conn.execute(_SQL["close_customer"], {"id": customer_id}).fetchone()
            closed = customer_from_row(_found(row, "customer", customer_id))
            record(
                conn,
                actor=self.actor,
                action="customer.closed",
                entity_type="customer",
                entity_id=customer_id,
                data={
                    "version": closed.version,
                    "identifiers_ended": ended,
                    "identifiers_removed": removed,
                },
            )
        return closed

    # -- usage identifiers -----------------------------------------------------------

    def add_identifier(
        self,
        customer_id: int,
        kind: IdentifierKind | str,
        value: str,
        valid_from: datetime,
        valid_to: datetime | None = None,
        *,
        subscription_id: int | None = None,
    ) -> UsageIdentifier:
        """Tie (kind, value) to the account over ``[valid_from, valid_to)``.

        ConflictError when another account (or this one) holds it for an overlapping period.
        """
        draft = validate_identifier(kind, value, valid_from, valid_to)
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["share_customer"], {"id": customer_id}).fetchone()
            customer = customer_from_row(_found(row, "customer", customer_id))
            if customer.status is CustomerStatus.CLOSED:
                raise ConflictError(f"customer {customer_id} is closed")
            if subscription_id is not None:
                owner = conn.execute(
                    _SQL["subscription_account"], {"id": subscription_id}
                ).fetchone()
                if owner is None or owner["account_id"] != customer_id:
                    raise ValidationError.single(
                        "subscription_id",
                        f"{subscription_id} is not a subscription of this account",
                    )
            params = {"account_id": customer_id, "subscription_id": subscription_id,
                      "kind": draft.kind.value, "value": draft.value,
                      "valid_from": draft.valid_from, "valid_to": draft.valid_to}  # fmt: skip
            try:
                with conn.transaction():
                    row = conn.execute(_SQL["insert_identifier"], params).fetchone()
            except pg.ExclusionViolation:
                raise self._overlap(conn, params) from None
            identifier = identifier_from_row(_found(row, "identifier", draft.value))
            record(
                conn,
                actor=self.actor,
                action="usage_identifier.added",
                entity_type="usage_identifier",
                entity_id=identifier.id,
                data={
                    "account_id": customer_id,
                    "kind": identifier.kind.value,
                    "valid_from": identifier.valid_from,
                    "valid_to": identifier.valid_to,
                    "subscription_id": subscription_id,
                },
                personal={"value": identifier.value},
            )
        return identifier

    def end_identifier(self, identifier_id: int, at: datetime) -> UsageIdentifier:
        """End an identifier's validity at `at` (exclusive): usage from `at` on is no longer
        this account's. Ending it later than an end already set is refused."""
        problems: builtins.list[FieldError] = []
        end = validate_identifier_end(at, problems)
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["lock_identifier"], {"id": identifier_id}).fetchone()
            current = identifier_from_row(_found(row, "usage identifier", identifier_id))
            if end is not None and end <= current.valid_from:
                problems.append(FieldError("at", "must be after the identifier's valid_from"))
            if problems or end is None:
                raise ValidationError(problems)
            if current.valid_to is not None and end >= current.valid_to:
                if end == current.valid_to:
                    return current
                raise ConflictError(
                    f"usage identifier {identifier_id} already ended at"
                    f" {current.valid_to.isoformat()}"
                )
            row = conn.execute(_SQL["end_identifier"], {"id": identifier_id, "at": end}).fetchone()
            ended = identifier_from_row(_found(row, "usage identifier", identifier_id))
            record(
                conn,
                actor=self.actor,
                action="usage_identifier.ended",
                entity_type="usage_identifier",
                entity_id=identifier_id,
                data={
                    "account_id": ended.account_id,
                    "kind": ended.kind.value,
                    "valid_to": ended.valid_to,
                },
            )
        return ended

    def identifiers(self, customer_id: int) -> builtins.list[UsageIdentifier]:
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["get_customer"], {"id": customer_id}).fetchone()
            _found(row, "customer", customer_id)
            rows = conn.execute(_SQL["identifiers_of"], {"account_id": customer_id}).fetchall()
        return [identifier_from_row(r) for r in rows]

    def resolve(self, kind: IdentifierKind | str, value: str, at: datetime) -> int | None:
        """The account that held (kind, value) at the event time `at`, or None.

        Resolution is by event time, not by who holds the identifier today: a number that was
        recycled or ported keeps its history.
        """
        canonical_kind, canonical = normalize_identifier(kind, value)
        problems: builtins.list[FieldError] = []
        when = validate_identifier_end(at, problems)
        if when is None:
            raise ValidationError(problems)
        params = {"kind": canonical_kind.value, "value": canonical, "at": when}
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["resolve"], params).fetchone()
        return None if row is None else int(str(row["account_id"]))

    # -- bulk ------------------------------------------------------------------------

    def import_csv(
        self,
        source: Path | str | IO[bytes],
        *,
        name: str | None = None,
        progress: Callable[[Progress], None] | None = None,
        identifiers_from: datetime | None = None,
    ) -> ImportReport:
        """Import customers from a CSV file; see :mod:`tarifa.customers.importer`."""
        from tarifa.customers.importer import import_customers

        return import_customers(
            self.db,
            source,
            actor=self.actor,
            name=name,
            progress=progress,
            identifiers_from=identifiers_from,
        )

    # -- helpers ---------------------------------------------------------------------

    def _locked(self, conn: Connection, customer_id: int) -> Customer:
        row = conn.execute(_SQL["lock_customer"], {"id": customer_id}).fetchone()
        return customer_from_row(_found(row, "customer", customer_id))

    def _validated(
        self,
        conn: Connection,
        raw: Mapping[str, Any] | CustomerDraft,
        *,
        current: Customer | None = None,
    ) -> CustomerDraft:
        """The validated draft with its parent resolved and checked; all problems at once."""
        problems: builtins.list[FieldError] = []
        draft: CustomerDraft | None = raw if isinstance(raw, CustomerDraft) else None
        if draft is None:
            try:
                draft = validate_customer(raw)  # type: ignore[arg-type]
            except ValidationError as err:
                problems.extend(err.errors)
        parent_id = hierarchy.check(conn, raw, draft, current, problems)
        if problems or draft is None:
            raise ValidationError(problems)
        return replace(draft, parent_id=parent_id, parent_external_id=None)

    @staticmethod
    def _overlap(conn: Connection, params: Mapping[str, Any]) -> ConflictError:
        holders: builtins.list[dict[str, Any]] = conn.execute(
            _SQL["identifier_holders"], params
        ).fetchall()
        if not holders:  # a concurrent change in between: report what the database said
            return ConflictError(f"{params['kind']} {params['value']} overlaps another holder")
        first = holders[0]
        until = first["valid_to"].isoformat() if first["valid_to"] else "open end"
        return ConflictError(
            f"{params['kind']} {params['value']} is held by account {first['account_id']}"
            f" ({first['external_id']}) from {first['valid_from'].isoformat()} to {until};"
            " an identifier has one holder at a time: end that period first"
        )


def validate_identifier_end(at: object, problems: builtins.list[FieldError]) -> datetime | None:
    from tarifa.customers.checks import instant

    return instant(at, "at", problems, required=True)


def _list_params(
    search: str | None,
    status: CustomerStatus | str | None,
    country: str | None,
    limit: int,
    after_id: int | None,
) -> dict[str, Any]:
    problems: builtins.list[FieldError] = []
    if status is not None:
        try:
            status = CustomerStatus(str(status).lower())
        except ValueError:
            problems.append(FieldError("status", "must be one of: active, suspended, closed"))
    if country is not None and not (len(country) == 2 and country.isalpha()):
        problems.append(FieldError("country", "not an ISO 3166-1 alpha-2 country code"))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        problems.append(FieldError("limit", f"must be a whole number from 1 to {MAX_PAGE}"))
    if after_id is not None and (isinstance(after_id, bool) or not isinstance(after_id, int)):
        problems.append(FieldError("after_id", "must be a customer id"))
    if problems:
        raise ValidationError(problems)
    pattern = None
    if search and search.strip():
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
    return {
        "pattern": pattern,
        "status": None if status is None else CustomerStatus(status).value,
        "country": None if country is None else country.upper(),
        "limit": limit,
        "after_id": after_id or 0,
    }


def _found(row: dict[str, Any] | None, what: str, key: object) -> dict[str, Any]:
    if row is None:
        raise NotFoundError(f"no {what} {key}")
    return row


@contextmanager
def _mapped_errors(external_id: str) -> Iterator[None]:
    """Database refusals as domain errors that name what clashed."""
    try:
        yield
    except pg.UniqueViolation as err:
        if err.diag.constraint_name == "customers_external_id_key":
            raise ConflictError(
                f"a customer with external id {external_id!r} already exists"
            ) from None
        raise
    except pg.CheckViolation as err:
        if (err.diag.constraint_name or "").startswith("customers_"):
            raise ConflictError(err.diag.message_primary or str(err)) from None
        raise
    except psycopg.errors.ForeignKeyViolation as err:
        raise ConflictError(err.diag.message_detail or str(err)) from None
