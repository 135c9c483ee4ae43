from __future__ import annotations

import psycopg
import pytest

from tarifa.audit import Head, Problem, record
from tarifa.db.connection import PooledDatabase
from tarifa.facade import Billing


def _append_three(conn: psycopg.Connection) -> None:
    for n in range(1, 4):
        record(
            conn,
            actor="test",
            action="create",
            entity_type="customer",
            entity_id=n,
            data={"n": n},
            personal={"email": f"c{n}@example.com"},
        )


def test_appended_rows_form_a_chain_that_verifies(billing: Billing, conn) -> None:
    _append_three(conn)
    result = billing.audit.verify()
    assert result.ok
    assert result.rows == 3
    first, second = conn.execute("SELECT prev_hash, hash FROM audit_log ORDER BY id LIMIT 2")
    assert first["prev_hash"] == "0" * 64
    assert second["prev_hash"] == first["hash"]


def test_audit_rows_refuse_updates_and_deletes(conn) -> None:
    _append_three(conn)
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation), conn.transaction():
        conn.execute("UPDATE audit_log SET actor = 'mallory'")
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation), conn.transaction():
        conn.execute("DELETE FROM audit_log")


def test_erasing_personal_data_keeps_the_chain_valid(billing: Billing, conn) -> None:
    _append_three(conn)
    conn.execute("UPDATE audit_log SET personal = NULL WHERE entity_id = '2'")
    assert billing.audit.verify().ok


def _tamper(conn: psycopg.Connection, statement: str) -> None:
    # An attacker with table-owner rights switches the guard off first.
    conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    conn.execute(statement)
    conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def _id_of(conn: psycopg.Connection, entity_id: str) -> int:
    return conn.execute("SELECT id FROM audit_log WHERE entity_id = %s", (entity_id,)).fetchone()[
        "id"
    ]


def test_a_changed_row_is_named_by_verify(billing: Billing, conn) -> None:
    _append_three(conn)
    _tamper(conn, "UPDATE audit_log SET data = '{\"n\": 99}' WHERE entity_id = '2'")
    result = billing.audit.verify()
    assert result.problem is Problem.CHANGED
    assert result.row_id == _id_of(conn, "2")


def test_changed_personal_data_is_caught(billing: Billing, conn) -> None:
    _append_three(conn)
    _tamper(
        conn,
        "UPDATE audit_log SET personal = jsonb_set(personal, '{data,email}',"
        " '\"other@example.com\"') WHERE entity_id = '1'",
    )
    result = billing.audit.verify()
    assert result.problem is Problem.PERSONAL_CHANGED
    assert result.row_id == _id_of(conn, "1")


def test_a_deleted_row_is_caught_at_the_row_after_it(billing: Billing, conn) -> None:
    _append_three(conn)
    third = _id_of(conn, "3")
    _tamper(conn, "DELETE FROM audit_log WHERE entity_id = '2'")
    result = billing.audit.verify()
    assert result.problem is Problem.MISSING_BEFORE
    assert result.row_id == third


def test_a_cut_tail_is_caught_by_the_exported_head(billing: Billing, conn) -> None:
    _append_three(conn)
    head = billing.audit.head()
    assert head is not None
    _tamper(conn, f"DELETE FROM audit_log WHERE id = {head.id}")
    assert billing.audit.verify().ok  # what is left is a valid chain on its own ...
    result = billing.audit.verify(expected_head=head)
    assert result.problem is Problem.HEAD_MISSING  # ... but the exported head is gone
    assert result.row_id == head.id


def test_a_rewritten_chain_does_not_match_the_exported_head(billing: Billing, conn) -> None:
    _append_three(conn)
    head = billing.audit.head()
    assert head is not None
    _tamper(conn, f"UPDATE audit_log SET hash = repeat('a', 64) WHERE id = {head.id}")
    result = billing.audit.verify(expected_head=Head(id=head.id, hash=head.hash))
    assert not result.ok


def test_concurrent_writers_chain_in_commit_order(fresh_db: str) -> None:
    db = PooledDatabase(fresh_db, max_size=4)
    try:
        with db.transaction() as first:
            record(first, actor="a", action="create", entity_type="x", entity_id=1)
        # A second connection appends while a third is still open with its own append.
        with psycopg.connect(fresh_db, autocommit=True) as other, other.transaction():
            record(other, actor="b", action="create", entity_type="x", entity_id=2)
        with db.transaction() as last:
            record(last, actor="c", action="create", entity_type="x", entity_id=3)
        result = Billing(db, actor="t").audit.verify()
        assert result.ok
        assert result.rows == 3
    finally:
        db.close()
