"""Writing to and reading from the audit log in PostgreSQL.

Every service that changes a business entity calls :func:`record` on the connection of the
change itself, so the audit row commits (or rolls back) with it. Bulk operations (an import,
a rating run, a bill run) record one row with their counts and the ids they touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row, tuple_row
from psycopg.types.json import Jsonb

from tarifa.audit.chain import ChainRow, Head, Verification, verify
from tarifa.db import queries
from tarifa.db.connection import Database
from tarifa.errors import DatabaseError


def _default(value: object) -> str:
    # Amounts stay exact (a string, never a float); dates and ids in their ISO/text form.
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)  # type: ignore[return-value]
    raise TypeError(f"cannot put {type(value).__name__} in the audit log")


def _jsonb(value: Mapping[str, Any] | None) -> Jsonb | None:
    if value is None:
        return None
    return Jsonb(dict(value), dumps=lambda v: json.dumps(v, default=_default))


def record(
    conn: psycopg.Connection[Any],
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int | None,
    data: Mapping[str, Any] | None = None,
    personal: Mapping[str, Any] | None = None,
) -> int:
    """Append one audit row in the caller's transaction and return its id.

    `personal` holds what identifies a person (names, emails, addresses, phone numbers): it
    is stored erasable and enters the hash only through a salted digest.
    """
    row = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            _SQL["append"],
            (
                actor,
                action,
                entity_type,
                None if entity_id is None else str(entity_id),
                _jsonb(data or {}),
                _jsonb(personal),
            ),
        )
        .fetchone()
    )
    if row is None:  # audit_append always returns the new id
        raise DatabaseError("audit_append returned no row")
    return int(row[0])


_SQL = queries.load("audit")


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def verify(self, *, expected_head: Head | None = None) -> Verification:
        with self.db.transaction() as conn:
            return verify(self._rows(conn), expected_head=expected_head)

    def head(self) -> Head | None:
        with self.db.transaction() as conn:
            return conn.cursor(row_factory=class_row(Head)).execute(_SQL["head"]).fetchone()

    def entries(self, entity_type: str, entity_id: str | int) -> list[dict[str, Any]]:
        with self.db.transaction() as conn:
            return list(conn.execute(_SQL["entries_for"], (entity_type, str(entity_id))))

    @staticmethod
    def _rows(conn: psycopg.Connection[Any]) -> Iterator[ChainRow]:
        # A server-side cursor streams a long chain instead of loading it all at once.
        with conn.cursor(name="audit_chain") as cursor:
            cursor.itersize = 5000
            cursor.execute(_SQL["chain"])
            for row in cursor:
                yield ChainRow(**row)
