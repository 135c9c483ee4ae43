"""Schema migrations: forward-only numbered SQL files applied by yoyo-migrations.

`sql/migrations/NNNN_<verb>_<object>.sql` are applied in order, each in its own transaction,
and recorded by yoyo. Then every file in `sql/functions/` (stored procedures, and the triggers
that call them, all written as CREATE OR REPLACE) is re-applied, so a changed procedure needs
no migration of its own. Both happen while this process holds a PostgreSQL advisory lock, so
two processes migrating at once take turns and the second finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import psycopg
from yoyo import get_backend, read_migrations
from yoyo.backends.base import DatabaseBackend

from tarifa.errors import DatabaseError

# Arbitrary, fixed: the advisory-lock key every tarifa process uses to serialize migrations.
MIGRATION_LOCK_KEY = 7_402_118_551

SQL_DIR = Path(str(files("tarifa") / "sql"))
MIGRATIONS_DIR = SQL_DIR / "migrations"
FUNCTIONS_DIR = SQL_DIR / "functions"


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationReport:
    applied: tuple[str, ...]
    functions: tuple[str, ...]


def _yoyo_url(libpq_url: str) -> str:
    scheme, rest = libpq_url.split("://", 1)
    if scheme not in ("postgres", "postgresql"):
        raise DatabaseError(f"not a PostgreSQL URL: {scheme}://…")
    return f"postgresql+psycopg://{rest}"


def _backend(url: str) -> DatabaseBackend:
    return get_backend(_yoyo_url(url))


def pending(url: str) -> tuple[str, ...]:
    """Ids of the migrations not yet applied to the database at `url`."""
    backend = _backend(url)
    try:
        return tuple(m.id for m in backend.to_apply(read_migrations(str(MIGRATIONS_DIR))))
    finally:
        backend.connection.close()


def check_ready(url: str) -> None:
    """Raise DatabaseError at once, saying what to run, unless tarifa can work on `url`: the
    server answers, the database exists and its schema has every migration of this version.

    Without this check a command on a database nobody initialized waited for the connection
    pool's 30 s timeout and ended in a traceback. A schema ahead of this version (a newer
    tarifa migrated it) is accepted: during a rolling deploy the older version still runs."""
    latest = max(path.stem for path in MIGRATIONS_DIR.glob("*.sql"))
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT to_regclass('_yoyo_migration') IS NOT NULL AS migrated"
            ).fetchone()
            applied = None
            if row is not None and row[0]:
                found = conn.execute("SELECT max(migration_id) FROM _yoyo_migration").fetchone()
                applied = found[0] if found else None
    except psycopg.OperationalError as err:
        reason = str(err).strip().rsplit("FATAL:", 1)[-1].strip()  # the server's own words
        hint = " (run `tarifa init` to create it)" if "does not exist" in reason else ""
        raise DatabaseError(f"cannot reach tarifa's database: {reason}{hint}") from None
    if applied is None:
        raise DatabaseError(
            "the database has no tarifa schema: run `tarifa init` (or `tarifa db migrate`)"
        )
    if applied < latest:
        raise DatabaseError(
            f"the database schema is behind this version of tarifa (last migration {applied},"
            f" this version needs {latest}): run `tarifa db migrate`"
        )


def migrate(url: str) -> MigrationReport:
    """Apply pending migrations, then re-apply every stored procedure, under one lock."""
    backend = _backend(url)
    cursor = backend.connection.cursor()
    try:
        cursor.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        # Holding the advisory lock, no other tarifa process is migrating: a yoyo lock row
        # left by a process killed mid-migration is stale and safe to clear.
        backend.break_lock()
        with backend.lock():
            todo = backend.to_apply(read_migrations(str(MIGRATIONS_DIR)))
            backend.apply_migrations(todo)
            applied_functions = _apply_functions(backend)
        return MigrationReport(applied=tuple(m.id for m in todo), functions=applied_functions)
    finally:
        cursor.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        backend.connection.close()


def _apply_functions(backend: DatabaseBackend) -> tuple[str, ...]:
    names = []
    with backend.transaction():
        cursor = backend.connection.cursor()
        for path in sorted(FUNCTIONS_DIR.glob("*.sql")):
            cursor.execute(path.read_text())
            names.append(path.stem)
    return tuple(names)
