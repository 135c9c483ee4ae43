"""Importing usage files into a rolled-back transaction: counts, storage, resolution by
event time, duplicates, quarantine and its retry."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tarifa.errors import ValidationError
from tarifa.facade import Billing
from tarifa.usage import ImportReport
from usage_checks import counts

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def customer(billing: Billing, external_id: str, *numbers: str, code: str | None = None) -> int:
    created = billing.customers.create(
        {"external_id": external_id, "kind": "business", "legal_name": f"{external_id} Ltd",
         "country": "DE", "currency": "EUR", "time_zone": "Europe/Berlin",
         "billing_cycle_day": 1, "locale": "de-DE"}
    )  # fmt: skip
    for number in numbers:
        billing.customers.add_identifier(created.id, "e164", number, SINCE)
    if code:
        billing.customers.add_identifier(created.id, "account_code", code, SINCE)
    return created.id


def cdr(
    src: str = "+4930901820",
    dst: str = "4989123456",
    start: str = "2026-03-02 09:15:00",
    answer: str = "2026-03-02 09:15:05",
    duration: int | str = 70,
    billsec: int | str = 65,
    disposition: str = "ANSWERED",
    uniqueid: str = "1772442900.1",
    accountcode: str = "",
) -> str:
    fields = [
        f'"{accountcode}"', f'"{src}"', f'"{dst}"', '"from-internal"',
        '"""Test User"" <1001>"', '"SIP/1001-00000001"', '"SIP/trunk-00000002"', '"Dial"',
        '"SIP/trunk/4989123456,60"', f'"{start}"', f'"{answer}"', '"2026-03-02 09:16:10"',
        str(duration), str(billsec), f'"{disposition}"', '"DOCUMENTATION"', f'"{uniqueid}"',
        '""',
    ]  # fmt: skip
    return ",".join(fields)


def asterisk(billing: Billing, text: str, **options: Any) -> ImportReport:
    options = {"format": "asterisk", "source": "pbx1", "timezone": "Europe/Berlin"} | options
    report = billing.usage.import_file(io.BytesIO(text.encode()), name="Master.csv", **options)
    assert report.received == (
        report.accepted + report.filtered + report.duplicates + report.quarantined
    )
    return report


def stored(conn: Any) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM usage_records ORDER BY line").fetchall()


def test_an_answered_call_is_stored_pending_with_everything_the_rater_reads(
    billing: Billing, conn: Any
) -> None:
    account = customer(billing, "ACME", "+4930901820")
    report = asterisk(billing, cdr() + "\n", tenant="brand-x")
    assert counts(report) == (1, 1, 0, 0, 0)
    (row,) = stored(conn)
    assert row["account_id"] == account
    assert row["subject"] == "ACME"
    assert (row["service"], row["unit"], row["category"]) == ("voice", "seconds", "call")
    assert row["destination"] == "4989123456"
    assert row["started_at"] == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)  # CET is UTC+1
    assert row["usage"] == 65
    assert (row["status"], row["tenant"], row["import_id"]) == ("billable", "brand-x",
                                                                report.import_id)  # fmt: skip
    assert row["raw"] == cdr()
    assert row["source"] == "pbx1"
    assert len(row["record_id"]) == 32


def test_unanswered_calls_are_filtered_and_bad_lines_quarantined(
    billing: Billing, conn: Any
) -> None:
    customer(billing, "ACME", "+4930901820")
    text = "\n".join([
        cdr(uniqueid="1"),
        cdr(uniqueid="2", disposition="NO ANSWER", billsec=0),
        cdr(uniqueid="3", disposition="BUSY", billsec=0),
        cdr(uniqueid="4", billsec=80),  # above the duration
        cdr(uniqueid="5", duration=-3, billsec=0),
        cdr(uniqueid="6", src="+4930999999"),  # nobody's number
        cdr(uniqueid="7", start="2099-01-01 00:00:00"),  # in the future
        cdr(uniqueid="8", start="yesterday"),
        '"broken,"quote',
    ]) + "\n"  # fmt: skip
    report = asterisk(billing, text)
    assert counts(report) == (9, 1, 2, 0, 6)
    reasons = {q.line: q.reason for q in billing.usage.quarantine(source="pbx1")}
    assert "billsec 80 is above the duration 70" in reasons[4]
    assert "negative duration -3" in reasons[5]
    assert "no account holds e164 +4930999999" in reasons[6]
    assert "in the future" in reasons[7]
    assert "'yesterday' is not an ISO 8601" in reasons[8]
    assert "not valid CSV" in reasons[9]
    assert [r["status"] for r in stored(conn)] == ["billable", "filtered", "filtered"]


def test_importing_the_same_file_twice_stores_nothing_new(billing: Billing, conn: Any) -> None:
    customer(billing, "ACME", "+4930901820")
    text = "\n".join(cdr(uniqueid=str(i)) for i in range(5)) + "\nnot a cdr\n"
    first = asterisk(billing, text)
    quarantine = billing.usage.quarantine()
    again = asterisk(billing, text)
    assert counts(first) == (6, 5, 0, 0, 1)
    assert counts(again) == (6, 0, 0, 6, 0)
    assert billing.usage.quarantine() == quarantine
    assert len(stored(conn)) == 5


def test_a_ported_number_is_resolved_by_the_event_time(billing: Billing, conn: Any) -> None:
    old = customer(billing, "OLD")
    new = customer(billing, "NEW")
    ported = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    billing.customers.add_identifier(old, "e164", "+4930901820", SINCE, ported)
    billing.customers.add_identifier(new, "e164", "+4930901820", ported)
    text = "\n".join([
        cdr(uniqueid="a", start="2026-03-02 12:59:59"),  # 11:59:59 UTC: still OLD's
        cdr(uniqueid="b", start="2026-03-02 13:00:00"),  # 12:00 UTC: NEW's from here
    ]) + "\n"  # fmt: skip
    assert counts(asterisk(billing, text)) == (2, 2, 0, 0, 0)
    assert [(r["account_id"], r["subject"]) for r in stored(conn)] == [(old, "OLD"), (new, "NEW")]


def test_retry_takes_in_lines_whose_customer_was_created_later(billing: Billing, conn: Any) -> None:
    text = "\n".join([cdr(uniqueid="1"), cdr(uniqueid="2"), "junk"]) + "\n"
    assert counts(asterisk(billing, text)) == (3, 0, 0, 0, 3)
    customer(billing, "ACME", "+4930901820")
    retried = billing.usage.retry_quarantine(source="pbx1")
    assert counts(retried) == (2, 2, 0, 0, 0)  # junk can never be read: not retried
    assert [q.raw for q in billing.usage.quarantine()] == ["junk"]
    assert len(stored(conn)) == 2
    assert counts(billing.usage.retry_quarantine()) == (0, 0, 0, 0, 0)


def test_asterisk_needs_a_time_zone(billing: Billing) -> None:
    with pytest.raises(ValidationError, match="timezone"):
        billing.usage.import_file(io.BytesIO(b""), format="asterisk", source="pbx1")


def test_an_import_writes_one_audit_row_with_its_counts(billing: Billing, conn: Any) -> None:
    customer(billing, "ACME", "+4930901820")
    report = asterisk(billing, cdr() + "\n")
    row = conn.execute("SELECT * FROM audit_log WHERE id = %s", (report.audit_id,)).fetchone()
    assert row["action"] == "usage.imported"
    assert row["data"]["received"] == 1
    assert row["data"]["accepted"] == 1


def test_a_path_is_read_too(billing: Billing, tmp_path: Path) -> None:
    customer(billing, "ACME", "+4930901820")
    path = tmp_path / "Master.csv"
    path.write_text(cdr() + "\n", encoding="utf-8")
    report = billing.usage.import_file(path, format="asterisk", source="pbx1",
                                       timezone="Europe/Berlin")  # fmt: skip
    assert (report.file, report.accepted) == ("Master.csv", 1)


def test_retry_reads_a_csv_line_again_with_its_import_header_and_mapping(
    billing: Billing, conn: Any
) -> None:
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "usage"
    first = billing.usage.import_file(
        fixtures / "mediation.csv", format="csv", source="mediation",
        mapping=fixtures / "mediation.yaml", timezone="Europe/Berlin", tenant="brand-y",
    )  # fmt: skip
    # Nobody holds the number yet; the last line repeats the first exactly: the same line
    # is quarantined once.
    assert counts(first) == (9, 0, 0, 1, 8)
    customer(billing, "ACME", "+4930901820")
    retried = billing.usage.retry_quarantine()
    # 6 retryable lines (a 31st of February and a fax never will be): 5 accepted, 1 busy
    # call filtered.
    assert counts(retried) == (6, 5, 1, 0, 0)
    rows = conn.execute(
        "SELECT record_id, tenant, import_id, started_at FROM usage_records ORDER BY line"
    ).fetchall()
    assert {(r["tenant"], r["import_id"]) for r in rows} == {("brand-y", retried.retry_id)}
    assert rows[0]["started_at"] == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    assert sorted(q.line for q in billing.usage.quarantine()) == [8, 9]


def test_a_quarantined_line_whose_record_arrived_from_another_file_is_a_duplicate(
    billing: Billing, conn: Any
) -> None:
    text = cdr(uniqueid="1") + "\n"
    assert counts(asterisk(billing, text)) == (1, 0, 0, 0, 1)
    customer(billing, "ACME", "+4930901820")
    # The same call again, in a line written differently (another clid): a new line, the
    # same record id.
    other = text.replace('"""Test User"" <1001>"', '"Test User <1001>"')
    assert counts(asterisk(billing, other)) == (1, 1, 0, 0, 0)
    assert counts(billing.usage.retry_quarantine(source="pbx1")) == (1, 0, 0, 1, 0)
    assert billing.usage.quarantine() == []
    assert len(stored(conn)) == 1


def test_a_line_still_refused_on_retry_stays_with_its_import(billing: Billing) -> None:
    asterisk(billing, cdr(uniqueid="1") + "\n")
    (before,) = billing.usage.quarantine()
    retried = billing.usage.retry_quarantine(source="pbx1")
    assert counts(retried) == (1, 0, 0, 0, 1)
    (after,) = billing.usage.quarantine()
    assert (after.import_id, after.line, after.raw, after.reason) == (
        before.import_id, before.line, before.raw, before.reason)  # fmt: skip
    assert billing.usage.quarantine_count(source="pbx1") == 1
    assert billing.usage.quarantine_count(source="other") == 0


def test_the_quarantine_pages_by_id(billing: Billing) -> None:
    asterisk(billing, "".join(f"junk {i}\n" for i in range(5)))
    first = billing.usage.quarantine(limit=2)
    rest = billing.usage.quarantine(limit=10, after_id=first[-1].id)
    assert [q.line for q in first + rest] == [1, 2, 3, 4, 5]
    with pytest.raises(ValidationError):
        billing.usage.quarantine(limit=0)
