"""Every format into the database: generic CSV with a mapping, JSON lines, a malformed
Asterisk file, time zones across a DST change, months, chunks."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tarifa.errors import ValidationError
from tarifa.facade import Billing
from tarifa.usage import ImportReport, importer
from usage_checks import counts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "usage"
#: id;account;destination;start;usage;service, no header.
PLAIN = {
    "delimiter": ";", "header": False, "record_id": {"column": 1}, "account": {"column": 2},
    "destination": {"column": 3}, "start": {"column": 4}, "usage": {"column": 5},
    "service": {"column": 6},
}  # fmt: skip


def checked(report: ImportReport) -> ImportReport:
    assert report.received == (
        report.accepted + report.filtered + report.duplicates + report.quarantined
    )
    return report


def records(conn: Any, import_id: int) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT * FROM usage_records WHERE import_id = %s ORDER BY line", (import_id,)
    ).fetchall()


def reasons(billing: Billing) -> dict[int, str]:
    return {q.line: q.reason for q in billing.usage.quarantine()}


def test_a_mediation_csv_is_read_through_its_mapping(
    billing: Billing, conn: Any, acme: int
) -> None:
    report = checked(billing.usage.import_file(
        FIXTURES / "mediation.csv", format="csv", source="mediation",
        mapping=FIXTURES / "mediation.yaml", timezone="Europe/Berlin",
    ))  # fmt: skip
    # 9 records: voice, data, sms, mms, video accepted; one busy call filtered; a 31st of
    # February and a fax quarantined; M-1 again at the end is a duplicate.
    assert counts(report) == (9, 5, 1, 1, 2)
    rows = records(conn, report.import_id)
    found = [(r["record_id"], r["service"], r["unit"], r["category"], r["status"]) for r in rows]
    assert found == [
        ("M-1", "voice", "seconds", "call", "billable"),
        ("M-2", "data", "bytes", "data", "billable"),
        ("M-3", "sms", "events", "sms", "billable"),
        ("M-4", "mms", "events", "mms", "billable"),
        ("M-5", "voice", "seconds", "call", "filtered"),
        ("M-6", "video", "seconds", "video", "billable"),
    ]  # fmt: skip
    assert [r["destination"] for r in rows] == ["4989123456", "", "4917012345", "4917012345",
                                                "4989123456", "4989123456"]  # fmt: skip
    assert {r["account_id"] for r in rows} == {acme}
    assert rows[1]["usage"] == 52428800
    found = reasons(billing)
    assert "does not match the format" in found[8]
    assert "unknown service 'fax'" in found[9]


def test_json_lines_are_imported_without_a_mapping(billing: Billing, conn: Any, acme: int) -> None:
    report = checked(billing.usage.import_file(
        FIXTURES / "events.jsonl", format="jsonl", source="api-events",
    ))  # fmt: skip
    assert counts(report) == (6, 3, 1, 0, 2)
    rows = records(conn, report.import_id)
    assert [r["started_at"] for r in rows[:2]] == [
        datetime(2026, 3, 2, 8, 15, tzinfo=UTC),
        datetime(2026, 3, 2, 8, 20, tzinfo=UTC),
    ]
    assert rows[2]["usage"] == 1  # an SMS without usage counts one event
    found = reasons(billing)
    assert "negative usage -4" in found[5]
    assert "not valid JSON" in found[6]


def test_a_malformed_file_never_loses_its_good_lines(
    billing: Billing, conn: Any, acme: int
) -> None:
    report = checked(billing.usage.import_file(
        FIXTURES / "malformed-Master.csv", format="asterisk", source="pbx",
        timezone="Europe/Berlin",
    ))  # fmt: skip
    # Lines 1, 3, 9 good; 8 filtered; 2 (broken quote), 4 (binary), 5 (not UTF-8),
    # 6 (five fields), 10 (truncated last line) quarantined; 7 is blank.
    assert counts(report) == (9, 3, 1, 0, 5)
    assert [r["line"] for r in records(conn, report.import_id)] == [1, 3, 8, 9]
    found = reasons(billing)
    assert sorted(found) == [2, 4, 5, 6, 10]
    assert "not valid CSV" in found[2]
    assert "binary data" in found[4]
    assert "not valid UTF-8" in found[5]
    assert "expected at least 18 fields, found 5" in found[6]
    assert "not valid CSV" in found[10]
    raw = {q.line: q.raw for q in billing.usage.quarantine()}
    assert "\\xfc" in raw[5]  # the byte that is not UTF-8, shown, not lost
    assert raw[4].startswith("\\x00")
    again = checked(billing.usage.import_file(
        FIXTURES / "malformed-Master.csv", format="asterisk", source="pbx",
        timezone="Europe/Berlin",
    ))  # fmt: skip
    assert counts(again) == (9, 0, 0, 9, 0)
    assert len(billing.usage.quarantine()) == 5


def test_local_times_across_the_spring_and_autumn_changes(
    billing: Billing, conn: Any, acme: int
) -> None:
    lines = [
        ("a", "2026-03-29 01:59:59"),  # CET, +01:00
        ("b", "2026-03-29 02:30:00"),  # does not exist: read as 03:30 CEST (the offset before)
        ("c", "2026-03-29 03:00:00"),  # CEST, +02:00
        ("d", "2026-10-25 02:30:00"),  # happens twice: read as the second, 02:30 CET
        ("e", "2026-10-25 03:00:00"),  # CET again
    ]
    text = "".join(f"{rid};+4930901820;4989123456;{start};60;voice\n" for rid, start in lines)
    mapping = PLAIN
    report = checked(billing.usage.import_file(
        io.BytesIO(text.encode()), format="csv", source="dst", mapping=mapping,
        timezone="Europe/Berlin",
    ))  # fmt: skip
    assert counts(report) == (5, 5, 0, 0, 0)
    utc = [r["started_at"].astimezone(UTC).strftime("%m-%d %H:%M:%S")
           for r in records(conn, report.import_id)]  # fmt: skip
    assert utc == ["03-29 00:59:59", "03-29 01:30:00", "03-29 01:00:00", "10-25 01:30:00",
                   "10-25 02:00:00"]  # fmt: skip


def test_times_with_an_offset_ignore_the_time_zone(billing: Billing, conn: Any, acme: int) -> None:
    line = ('{"id": "x", "account": "+4930901820", "service": "voice", "destination": "49",'
            ' "start": "2026-07-01T12:00:00-04:00", "usage": 1}\n')  # fmt: skip
    report = billing.usage.import_file(io.BytesIO(line.encode()), format="jsonl", source="j",
                                       timezone="Asia/Tokyo")  # fmt: skip
    (row,) = records(conn, report.import_id)
    assert row["started_at"] == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)


def partitions(conn: Any) -> dict[str, int]:
    rows = conn.execute(
        "SELECT c.relname, count(u.*) AS n FROM pg_inherits i"
        " JOIN pg_class c ON c.oid = i.inhrelid"
        " LEFT JOIN usage_records u ON u.tableoid = c.oid"
        " WHERE i.inhparent = 'usage_records'::regclass GROUP BY c.relname"
    ).fetchall()
    return {r["relname"]: r["n"] for r in rows}


def test_records_of_several_months_go_to_their_monthly_partitions(
    billing: Billing, conn: Any, acme: int
) -> None:
    # Berlin time: the first of each month at 00:30 is still the previous month in UTC.
    text = "".join(
        f"r{month};+4930901820;49;2025-{month:02d}-01 00:30:00;1;sms\n" for month in range(2, 13)
    )
    report = checked(billing.usage.import_file(io.BytesIO(text.encode()), format="csv",
                                               source="months", mapping=PLAIN,
                                               timezone="Europe/Berlin"))  # fmt: skip
    assert report.accepted == 11
    found = {
        name: n for name, n in partitions(conn).items() if name.startswith("usage_records_p2025")
    }
    assert found == {f"usage_records_p2025{m:02d}": 1 for m in range(1, 12)}


def test_a_file_spanning_years_adds_only_the_months_it_has(
    billing: Billing, conn: Any, acme: int
) -> None:
    text = (
        "old;+4930901820;49;2025-01-15T10:00:00Z;1;sms\n"
        "new;+4930901820;49;2026-06-15T10:00:00Z;1;sms\n"
    )
    before = set(partitions(conn))
    report = checked(billing.usage.import_file(io.BytesIO(text.encode()), format="csv",
                                               source="years", mapping=PLAIN))  # fmt: skip
    assert report.accepted == 2
    assert set(partitions(conn)) - before == {"usage_records_p202501", "usage_records_p202606"}


def test_duplicates_across_chunks_are_caught(
    billing: Billing, conn: Any, acme: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    ids = ["a", "b", "c", "d", "a", "e", "c", "f", "g", "b"]
    text = "".join(f"{i};+4930901820;49;2026-03-02T10:00:00Z;1;sms\n" for i in ids)
    mapping = PLAIN
    report = checked(billing.usage.import_file(io.BytesIO(text.encode()), format="csv",
                                               source="chunks", mapping=mapping))  # fmt: skip
    assert counts(report) == (10, 7, 0, 3, 0)
    assert [r["line"] for r in records(conn, report.import_id)] == [1, 2, 3, 4, 6, 8, 9]


def test_the_same_record_id_from_another_source_is_another_record(
    billing: Billing, acme: int
) -> None:
    line = b'{"id": "x", "account": "+4930901820", "service": "sms", "destination": "49",' \
           b' "start": "2026-03-02T10:00:00Z"}\n'  # fmt: skip
    for source in ("one", "two"):
        report = billing.usage.import_file(io.BytesIO(line), format="jsonl", source=source)
        assert report.accepted == 1


def test_options_are_checked_before_anything_is_read(billing: Billing) -> None:
    with pytest.raises(ValidationError) as caught:
        billing.usage.import_file(io.BytesIO(b""), format="xml", source="", tenant="",
                                  timezone="Mars/Olympus")  # fmt: skip
    assert {p.field for p in caught.value.errors} == {"format", "source", "tenant", "timezone"}
    with pytest.raises(ValidationError, match="needs a column mapping"):
        billing.usage.import_file(io.BytesIO(b""), format="csv", source="s")
    with pytest.raises(ValidationError, match="have no UTC offset"):
        billing.usage.import_file(FIXTURES / "mediation.csv", format="csv", source="s",
                                  mapping=FIXTURES / "mediation.yaml")  # fmt: skip
    with pytest.raises(ValidationError, match="no mapping"):
        billing.usage.import_file(io.BytesIO(b""), format="asterisk", source="s",
                                  timezone="UTC", mapping=FIXTURES / "mediation.yaml")  # fmt: skip
    with pytest.raises(ValidationError, match="cannot read"):
        billing.usage.import_file("/no/such/file", format="jsonl", source="s")


def test_a_csv_whose_header_lacks_the_mapped_columns_imports_nothing(
    billing: Billing, conn: Any
) -> None:
    with pytest.raises(ValidationError, match="not in the file's header"):
        billing.usage.import_file(io.BytesIO(b"CDR_ID;A_NUMBER\nx;y\n"), format="csv",
                                  source="s", mapping=FIXTURES / "mediation.yaml",
                                  timezone="UTC")  # fmt: skip
    assert conn.execute("SELECT count(*) AS n FROM usage_imports").fetchone()["n"] == 0


def test_an_empty_file_is_an_import_of_nothing(billing: Billing) -> None:
    report = checked(billing.usage.import_file(io.BytesIO(b""), format="jsonl", source="s"))
    assert counts(report) == (0, 0, 0, 0, 0)
