from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tarifa.customers import importer
from tarifa.customers.csvrows import COLUMNS
from tarifa.errors import ValidationError
from tarifa.facade import Billing

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "customers"


def row(external_id: str, **overrides: str) -> dict[str, str]:
    values = {
        "external_id": external_id,
        "kind": "business",
        "legal_name": f"{external_id} Ltd",
        "emails": f"billing@{external_id.lower()}.example",
        "country": "GB",
        "currency": "GBP",
        "time_zone": "Europe/London",
        "billing_cycle_day": "1",
        "locale": "en-GB",
    }
    values.update(overrides)
    return values


def write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def reasons(report: importer.ImportReport) -> dict[int, list[tuple[str, str]]]:
    return {r.line: [(e.field, e.reason) for e in r.errors] for r in report.rejections}


def snapshot(conn: Any) -> list[dict[str, Any]]:
    customers = conn.execute("SELECT * FROM customers ORDER BY id").fetchall()
    identifiers = conn.execute("SELECT * FROM usage_identifiers ORDER BY id").fetchall()
    return customers + identifiers


# -- the small hand-written fixture ---------------------------------------------------------


def test_importing_the_fixture_loads_good_rows_and_rejects_bad_ones_with_reasons(
    billing: Billing, conn: Any
) -> None:
    report = billing.customers.import_csv(FIXTURES / "small.csv")
    # 9 data rows: 5 good; bad ones on lines 6 (five problems), 7 (duplicate), 8 (no
    # such parent), 9 (three fields instead of 21).
    assert (report.received, report.accepted, report.unchanged, report.rejected) == (9, 5, 0, 4)
    assert report.received == report.accepted + report.unchanged + report.rejected
    found = reasons(report)
    assert sorted(found) == [6, 7, 8, 9]
    assert [field for field, _ in found[6]] == [
        "emails", "country", "currency", "time_zone", "billing_cycle_day"]  # fmt: skip
    assert found[7] == [
        ("external_id", "already on line 3 (the first row with an external id wins)")
    ]
    assert found[8][0][0] == "parent_external_id"
    assert found[9] == [("line", "expected 21 fields, found 3")]

    group = billing.customers.get_by_external_id("DE-GROUP")
    sub = billing.customers.get_by_external_id("DE-SUB")
    assert sub.parent_id == group.id
    assert sub.legal_name == "Nordwind Logistik GmbH"  # the first DE-SUB row won
    numbers = {i.value for i in billing.customers.identifiers(sub.id)}
    assert numbers == {"+4940123457", "+4940123458", "lager@sip.nordwind.de"}
    us = billing.customers.get_by_external_id("US-1")
    assert {i.kind.value for i in billing.customers.identifiers(us.id)} == {"e164", "sip"}


def test_re_importing_the_same_file_changes_nothing(billing: Billing, conn: Any) -> None:
    first = billing.customers.import_csv(FIXTURES / "small.csv")
    before = snapshot(conn)
    again = billing.customers.import_csv(FIXTURES / "small.csv")
    assert snapshot(conn) == before  # same rows, same updated_at, same identifiers
    assert again.accepted == 0
    assert again.unchanged == first.accepted
    assert again.rejected == first.rejected
    assert again.received == again.accepted + again.unchanged + again.rejected


def test_an_import_writes_one_audit_row_with_counts_and_ids(billing: Billing, conn: Any) -> None:
    report = billing.customers.import_csv(FIXTURES / "small.csv")
    (audit,) = conn.execute("SELECT * FROM audit_log").fetchall()
    assert audit["id"] == report.audit_id
    assert audit["action"] == "customers.imported"
    data = audit["data"]
    assert (data["received"], data["accepted"], data["unchanged"], data["rejected"]) == (9, 5, 0, 4)
    assert data["file"] == "small.csv"
    assert data["rejected_lines"] == [6, 7, 8, 9]
    stored = [r["id"] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    assert data["inserted_ids"] == stored
    assert audit["personal"] is None  # no names or numbers in a bulk row


# -- rows that are broken as CSV -----------------------------------------------------------


def test_a_broken_csv_line_is_rejected_and_reading_goes_on(
    billing: Billing, tmp_path: Path
) -> None:
    path = tmp_path / "broken.csv"
    header = ",".join(COLUMNS)
    good = ",".join(row("GOOD-1").get(c, "") for c in COLUMNS)
    broken = '"BROKEN"x,business'  # a quote closed in the middle of a field
    later = ",".join(row("GOOD-2").get(c, "") for c in COLUMNS)
    path.write_text(f"{header}\n{good}\n{broken}\n\n{later}\n", encoding="utf-8")
    report = billing.customers.import_csv(path)
    assert (report.received, report.accepted, report.rejected) == (3, 2, 1)
    (rejection,) = report.rejections
    assert rejection.line == 3
    assert rejection.errors[0].field == "line"


def test_bytes_that_are_not_utf8_reject_their_row_only(billing: Billing, tmp_path: Path) -> None:
    path = write(tmp_path / "latin1.csv", [row("GOOD-1"), row("BAD-1"), row("GOOD-2")])
    path.write_bytes(path.read_bytes().replace(b"BAD-1 Ltd", b"Caf\xe9 Ltd"))
    report = billing.customers.import_csv(path)
    assert reasons(report) == {3: [("line", "not valid UTF-8")]}
    assert report.accepted == 2


def test_a_file_that_cannot_be_read_is_an_error(billing: Billing, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read"):
        billing.customers.import_csv(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValidationError, match="header"):
        billing.customers.import_csv(empty)
    odd = write(tmp_path / "odd.csv", [], columns=("external_id", "kind", "legal_nmae"))
    with pytest.raises(ValidationError) as caught:
        billing.customers.import_csv(odd)
    assert "unknown column 'legal_nmae'" in str(caught.value)
    assert "missing column 'legal_name'" in str(caught.value)


# -- identifiers ----------------------------------------------------------------------------


def test_a_number_held_by_another_account_rejects_only_that_row(
    billing: Billing, tmp_path: Path
) -> None:
    holder = billing.customers.create(row("HOLDER"))
    billing.customers.add_identifier(holder.id, "e164", "+442079460958",
                                     datetime(2024, 1, 1, tzinfo=UTC))  # fmt: skip
    path = write(tmp_path / "taken.csv", [
        row("NEW-1", phone_numbers="+442079460001"),
        row("NEW-2", phone_numbers="+442079460002 +442079460958"),
        row("NEW-3", phone_numbers="+442079460003"),
    ])  # fmt: skip
    report = billing.customers.import_csv(path)
    assert reasons(report) == {
        3: [("phone_numbers", f"+442079460958 is held by account {holder.id} (HOLDER)")]
    }
    assert report.accepted == 2
    assert billing.customers.resolve("e164", "+442079460958", datetime.now(UTC)) == holder.id
    new_3 = billing.customers.get_by_external_id("NEW-3")
    assert billing.customers.resolve("e164", "+442079460003", datetime.now(UTC)) == new_3.id


def test_an_identifier_may_appear_on_one_row_of_a_file_only(
    billing: Billing, tmp_path: Path
) -> None:
    path = write(tmp_path / "twice.csv", [
        row("A", sip_users="Desk@PBX.example"),
        row("B", sip_users="desk@pbx.example", account_codes="B-1;B-2"),
    ])  # fmt: skip
    report = billing.customers.import_csv(path)
    assert reasons(report) == {
        3: [("sip_users", "desk@pbx.example is also on line 2 (external id A)")]
    }


def test_imported_identifiers_start_at_the_import_and_stay_open(
    billing: Billing, conn: Any, tmp_path: Path
) -> None:
    path = write(tmp_path / "one.csv", [row("A", phone_numbers="+442079460001",
                                            account_codes=" Sales Dept 7 ;X9")])  # fmt: skip
    billing.customers.import_csv(path)
    (now,) = conn.execute("SELECT now() AS now").fetchone().values()
    found = billing.customers.identifiers(billing.customers.get_by_external_id("A").id)
    assert {(i.kind.value, i.value) for i in found} == {
        ("e164", "+442079460001"),
        ("account_code", "Sales Dept 7"),
        ("account_code", "X9"),
    }
    assert all(i.valid_from == now and i.valid_to is None for i in found)


# -- parents -------------------------------------------------------------------------------


def test_parents_resolve_within_the_file_in_any_order_and_from_the_database(
    billing: Billing, tmp_path: Path
) -> None:
    stored = billing.customers.create(row("STORED-GROUP"))
    path = write(tmp_path / "groups.csv", [
        row("CHILD", parent_external_id="FILE-GROUP"),  # before its parent
        row("FILE-GROUP"),
        row("OTHER-CHILD", kind="person", parent_external_id="STORED-GROUP"),
        row("GRANDCHILD", parent_external_id="CHILD"),
    ])  # fmt: skip
    report = billing.customers.import_csv(path)
    assert report.rejected == 0
    get = billing.customers.get_by_external_id
    assert get("CHILD").parent_id == get("FILE-GROUP").id
    assert get("OTHER-CHILD").parent_id == stored.id
    assert get("GRANDCHILD").parent_id == get("CHILD").id


def test_a_row_whose_parent_cannot_be_used_is_rejected_and_so_are_its_children(
    billing: Billing, conn: Any, tmp_path: Path
) -> None:
    path = write(tmp_path / "bad-parents.csv", [
        row("PERSON", kind="person"),
        row("CHILD-OF-PERSON", parent_external_id="PERSON"),
        row("EURO-CHILD", currency="EUR", parent_external_id="GBP-GROUP"),
        row("GBP-GROUP"),
        row("NOBODY-CHILD", parent_external_id="NOBODY"),
        row("BROKEN", billing_cycle_day="0"),
        row("CHILD-OF-BROKEN", parent_external_id="BROKEN"),
        row("LOOP-A", parent_external_id="LOOP-B"),
        row("LOOP-B", parent_external_id="LOOP-A"),
        row("UNDER-LOOP", parent_external_id="LOOP-A"),
    ])  # fmt: skip
    report = billing.customers.import_csv(path)
    found = {line: problems[0][1] for line, problems in reasons(report).items()}
    assert found == {
        3: "parent PERSON is not a business account",
        4: "parent GBP-GROUP bills in GBP, this account in EUR",
        6: "no customer with external id NOBODY in the file or database",
        7: "must be between 1 and 31",
        8: "parent BROKEN (line 7) is rejected",
        9: "the parents form a cycle: LOOP-A → LOOP-B → LOOP-A",
        10: "the parents form a cycle: LOOP-B → LOOP-A → LOOP-B",
        11: "parent LOOP-A (line 9) is rejected",
    }
    assert report.accepted == 2  # PERSON and GBP-GROUP
    names = {r["external_id"] for r in conn.execute("SELECT external_id FROM customers")}
    assert names == {"PERSON", "GBP-GROUP"}  # rejected rows left nothing behind


# -- many chunks ----------------------------------------------------------------------------


def test_a_file_of_many_chunks_counts_stored_rows_as_unchanged(
    billing: Billing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    for external_id in ("C-05", "C-11"):
        billing.customers.create(row(external_id, legal_name="Stored Before"))
    rows = [row(f"C-{n:02d}", phone_numbers=f"+4420794600{n:02d}") for n in range(1, 15)]
    report = billing.customers.import_csv(write(tmp_path / "many.csv", rows))
    assert (report.received, report.accepted, report.unchanged, report.rejected) == (14, 12, 2, 0)
    stored = billing.customers.get_by_external_id("C-05")
    assert stored.legal_name == "Stored Before"
    assert billing.customers.identifiers(stored.id) == []  # an import never touches it
    assert len(billing.customers.list(limit=100)) == 14


def test_an_import_reads_from_a_binary_stream_and_reports_progress(billing: Billing) -> None:
    data = (FIXTURES / "small.csv").read_bytes()
    seen: list[importer.Progress] = []
    report = billing.customers.import_csv(io.BytesIO(data), name="crm-export.csv",
                                          progress=seen.append)  # fmt: skip
    assert report.file == "crm-export.csv"
    assert report.accepted == 5
    assert seen[-1] == importer.Progress(stage="loading", done=3, total=3)
    reading = [p for p in seen if p.stage == "reading"]
    assert reading[-1].done == reading[-1].total == len(data)


def test_identifiers_can_start_before_the_import_for_accounts_with_history(
    billing: Billing,
) -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    billing.customers.import_csv(FIXTURES / "small.csv", identifiers_from=since)
    customer = billing.customers.get_by_external_id("FR-1")
    (first, *_) = billing.customers.identifiers(customer.id)
    assert first.valid_from == since
    assert billing.customers.resolve(first.kind, first.value, since) == customer.id


def test_identifiers_from_must_be_an_aware_past_instant(billing: Billing) -> None:
    with pytest.raises(ValidationError, match="UTC offset"):
        billing.customers.import_csv(FIXTURES / "small.csv", identifiers_from=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValidationError, match="future"):
        billing.customers.import_csv(
            FIXTURES / "small.csv", identifiers_from=datetime(2999, 1, 1, tzinfo=UTC)
        )
