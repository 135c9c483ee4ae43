from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import tarifa
from tarifa.db import migrations
from tarifa.db.schema import dump
from tarifa.db.server import scratch_database, with_database
from tarifa.errors import DatabaseError

SCHEMA_FILE = Path(migrations.SQL_DIR) / "schema.sql"


@pytest.fixture
def empty_db(admin_url: str) -> Iterator[str]:
    with scratch_database(admin_url, "empty") as url:
        yield url


def test_replaying_every_migration_gives_exactly_the_checked_in_schema(template_url: str) -> None:
    # The session template is an empty database that every migration was replayed on.
    assert dump(template_url) == SCHEMA_FILE.read_text(), (
        "src/tarifa/sql/schema.sql is stale: run `make schema` and commit it"
    )


def test_migration_files_are_numbered_without_gaps() -> None:
    numbers = [int(p.name[:4]) for p in sorted(migrations.MIGRATIONS_DIR.glob("*.sql"))]
    assert numbers == list(range(1, len(numbers) + 1))


def test_migrating_twice_changes_nothing_the_second_time(empty_db: str) -> None:
    first = migrations.migrate(empty_db)
    second = migrations.migrate(empty_db)
    assert len(first.applied) == len(list(migrations.MIGRATIONS_DIR.glob("*.sql")))
    assert second.applied == ()
    assert second.functions == first.functions  # stored procedures are re-applied every time
    assert migrations.pending(empty_db) == ()


def test_two_processes_migrating_at_once_take_turns(empty_db: str) -> None:
    code = (
        "import sys; from tarifa.db import migrations;"
        " print(len(migrations.migrate(sys.argv[1]).applied))"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code, empty_db], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    applied = sorted(int(run.communicate(timeout=120)[0]) for run in runs)
    assert [run.returncode for run in runs] == [0, 0]
    # One process applied everything; the other, waiting on the lock, found nothing to do.
    assert applied == [0, len(list(migrations.MIGRATIONS_DIR.glob("*.sql")))]


def test_a_stale_yoyo_lock_left_by_a_killed_migration_does_not_block(empty_db: str) -> None:
    migrations.migrate(empty_db)
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, now(), 999999)")
    assert migrations.migrate(empty_db).applied == ()


def test_a_changed_stored_procedure_is_reapplied_without_a_migration(empty_db: str) -> None:
    migrations.migrate(empty_db)
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION audit_link_hash(p_prev_hash text, p_canonical text)"
            " RETURNS text LANGUAGE sql AS $$ SELECT 'tampered' $$"
        )
        migrations.migrate(empty_db)
        restored = conn.execute("SELECT audit_link_hash('a', 'b')").fetchone()[0]
    assert restored != "tampered"
    assert len(restored) == 64


# Before 2026-12-06 a command on a database nobody had initialized waited for the connection
# pool's 30 s timeout and ended in a PoolTimeout traceback; now tarifa.connect() says what to
# run, with tarifa's own error, before it opens the pool.


def test_connecting_to_a_database_that_does_not_exist_says_to_run_init(admin_url: str) -> None:
    with pytest.raises(DatabaseError, match=r'"tarifa_nowhere" does not exist.*tarifa init'):
        tarifa.connect(with_database(admin_url, "tarifa_nowhere"))


def test_connecting_to_a_database_without_the_schema_says_to_run_init(empty_db: str) -> None:
    with pytest.raises(DatabaseError, match="has no tarifa schema: run `tarifa init`"):
        tarifa.connect(empty_db)


def test_connecting_to_a_schema_behind_this_version_names_both_migrations(empty_db: str) -> None:
    migrations.migrate(empty_db)
    newest = max(p.stem for p in migrations.MIGRATIONS_DIR.glob("*.sql"))
    tarifa.connect(empty_db).close()  # up to date: no error
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("UPDATE _yoyo_migration SET migration_id = '0000_older' "
                     "WHERE migration_id = %s", (newest,))  # fmt: skip
    with pytest.raises(DatabaseError, match=f"behind.*needs {newest}.*tarifa db migrate"):
        tarifa.connect(empty_db)
