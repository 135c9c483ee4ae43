"""Imports running at the same time, each in its own connection and transaction."""

from __future__ import annotations

import io
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import psycopg

import tarifa
from tarifa.usage import ImportReport


def lines(source_month: str, count: int) -> bytes:
    return "".join(
        f'{{"id": "r{i}", "account": "+4930901820", "service": "sms", "destination": "49",'
        f' "start": "{source_month}-0{1 + i % 9}T10:00:00Z"}}\n'
        for i in range(count)
    ).encode()


def setup(url: str) -> None:
    with tarifa.connect(url, actor="test") as billing:
        created = billing.customers.create(
            {"external_id": "ACME", "kind": "business", "legal_name": "Acme Ltd",
             "country": "DE", "currency": "EUR", "time_zone": "Europe/Berlin",
             "billing_cycle_day": 1, "locale": "de-DE"}
        )  # fmt: skip
        billing.customers.add_identifier(
            created.id, "e164", "+4930901820", datetime(2020, 1, 1, tzinfo=UTC)
        )


def run_both(url: str, jobs: list[tuple[str, bytes]]) -> list[ImportReport]:
    def one(job: tuple[str, bytes]) -> ImportReport:
        source, data = job
        with tarifa.connect(url, actor="test") as billing:
            return billing.usage.import_file(io.BytesIO(data), format="jsonl", source=source)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))


def test_two_imports_of_one_file_store_it_once(fresh_db: str) -> None:
    setup(fresh_db)
    data = lines("2024-05", 300)
    reports = run_both(fresh_db, [("pbx", data), ("pbx", data)])
    assert sorted((r.accepted, r.duplicates) for r in reports) == [(0, 300), (300, 0)]
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM usage_records").fetchone() == (300,)


def test_imports_of_two_sources_adding_the_same_new_months_both_succeed(fresh_db: str) -> None:
    setup(fresh_db)
    reports = run_both(fresh_db, [("one", lines("2023-02", 200)), ("two", lines("2023-02", 200))])
    assert [r.accepted for r in reports] == [200, 200]
    with psycopg.connect(fresh_db) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'usage_records'::regclass"
        ).fetchone() or (0,)
    assert count == 1


def test_two_sessions_adding_the_same_rated_month_take_turns_without_an_error(
    fresh_db: str,
) -> None:
    """A rating run and a rerate (or two runs) at once, both finding a month of usage with no
    rated partition yet: the second waits for the first, then finds the month it made."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("SELECT usage_ensure_partitions(ARRAY['2023-05-10T00:00:00Z'::timestamptz])")
    first = psycopg.connect(fresh_db)
    second = psycopg.connect(fresh_db)
    try:
        assert first.execute("SELECT rating_ensure_partitions()").fetchone() == (1,)
        with ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(
                lambda: second.execute("SELECT rating_ensure_partitions()").fetchone()
            )
            assert not _finished_within(waiting, 0.5)  # the month is being made: it waits
            first.commit()
            assert waiting.result(timeout=30) == (0,)  # found, not made twice
        second.commit()
    finally:
        first.close()
        second.close()


def test_two_sessions_adding_the_same_audit_month_take_turns_without_an_error(
    fresh_db: str,
) -> None:
    month = "SELECT audit_ensure_partition('2031-07-04T00:00:00Z')"
    first = psycopg.connect(fresh_db)
    second = psycopg.connect(fresh_db)
    try:
        first.execute(month)
        with ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(lambda: second.execute(month))
            assert not _finished_within(waiting, 0.5)
            first.commit()
            waiting.result(timeout=30)  # found the month, did not make it again
        second.commit()
        (count,) = second.execute(
            "SELECT count(*) FROM pg_class WHERE relname = 'audit_log_p203107'"
        ).fetchone() or (0,)
        assert count == 1
    finally:
        first.close()
        second.close()


def _finished_within(future: Future[object], seconds: float) -> bool:
    try:
        future.result(timeout=seconds)
    except TimeoutError:
        return False
    return True
