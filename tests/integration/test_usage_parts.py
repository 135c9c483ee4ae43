"""Parts of one session (a long call cut hourly, interim updates of a data session): keyed by
session and sequence, stored each with its own usage (delta counters) or with the difference
from the part before it (cumulative counters), never summed twice."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tarifa.errors import ValidationError
from tarifa.facade import Billing
from tarifa.usage import ImportReport, importer
from usage_checks import counts

#: session;sequence;account;start;usage;service, no header.
PARTS: dict[str, Any] = {
    "delimiter": ";", "header": False, "session": {"column": 1}, "sequence": {"column": 2},
    "account": {"column": 3}, "start": {"column": 4}, "usage": {"column": 5},
    "service": {"column": 6}, "destination": {"column": 7, "default": ""},
}  # fmt: skip
CUMULATIVE: dict[str, Any] = {**PARTS, "counters": "cumulative"}


def data_part(session: str, sequence: str, counter: int, hour: int = 10) -> str:
    return f"{session};{sequence};+4930901820;2026-03-02T{hour:02d}:00:00Z;{counter};data;\n"


def imported(billing: Billing, lines: list[str], mapping: dict[str, Any]) -> ImportReport:
    report = billing.usage.import_file(
        io.BytesIO("".join(lines).encode()), format="csv", source="radius", mapping=mapping
    )
    assert report.received == (
        report.accepted + report.filtered + report.duplicates + report.quarantined
    )
    return report


def stored(conn: Any) -> list[tuple[str, int]]:
    rows = conn.execute(
        "SELECT record_id, usage FROM usage_records WHERE source = 'radius' ORDER BY record_id"
    ).fetchall()
    return [(r["record_id"], int(r["usage"])) for r in rows]


def quarantined(conn: Any) -> list[tuple[int, str, bool]]:
    rows = conn.execute(
        "SELECT line, reason, retryable FROM usage_quarantine WHERE source = 'radius' ORDER BY id"
    ).fetchall()
    return [(r["line"], r["reason"], r["retryable"]) for r in rows]


def test_cumulative_counters_are_stored_as_the_difference_from_the_part_before(
    billing: Billing, conn: Any, acme: int
) -> None:
    # Counters 1000, 2500, 4000: part 1 from 0 → 1000; part 2: 2500 - 1000 = 1500;
    # part 3: 4000 - 2500 = 1500; the parts sum to the last counter, 4000.
    lines = [data_part("S7", "1", 1000), data_part("S7", "2", 2500, 11),
             data_part("S7", "3", 4000, 12)]  # fmt: skip
    assert counts(imported(billing, lines, CUMULATIVE)) == (3, 3, 0, 0, 0)
    assert stored(conn) == [("S7#1", 1000), ("S7#2", 1500), ("S7#3", 1500)]
    counters = conn.execute(
        "SELECT record_id, counter FROM usage_record_keys WHERE source = 'radius'"
        " ORDER BY record_id"
    ).fetchall()
    assert [(r["record_id"], int(r["counter"])) for r in counters] == [
        ("S7#1", 1000), ("S7#2", 2500), ("S7#3", 4000)]  # fmt: skip
    # The same file again: every part is a duplicate, nothing is stored twice.
    assert counts(imported(billing, lines, CUMULATIVE)) == (3, 0, 0, 3, 0)
    assert sum(usage for _, usage in stored(conn)) == 4000


def test_a_part_whose_previous_part_has_not_arrived_waits_for_it_in_quarantine(
    billing: Billing, conn: Any, acme: int
) -> None:
    first = imported(billing, [data_part("S7", "1", 1000), data_part("S7", "3", 4000, 12)],
                     CUMULATIVE)  # fmt: skip
    assert counts(first) == (2, 1, 0, 0, 1)
    assert stored(conn) == [("S7#1", 1000)]
    reason = ("part 2 of session S7 is not stored: a cumulative counter counts from the"
              " part before it")  # fmt: skip
    assert quarantined(conn) == [(2, reason, True)]
    # Part 2 comes in a later file: 2500 - 1000 (part 1, stored before) = 1500.
    assert counts(imported(billing, [data_part("S7", "02", 2500, 11)], CUMULATIVE)) == (
        1, 1, 0, 0, 0)  # fmt: skip
    # The retry stores part 3: 4000 - 2500 = 1500; the session sums to 4000.
    assert counts(billing.usage.retry_quarantine(source="radius")) == (1, 1, 0, 0, 0)
    assert stored(conn) == [("S7#1", 1000), ("S7#2", 1500), ("S7#3", 1500)]
    assert quarantined(conn) == []


def test_a_counter_below_the_previous_parts_is_quarantined_for_good(
    billing: Billing, conn: Any, acme: int
) -> None:
    lines = [data_part("S7", "1", 1000), data_part("S7", "2", 1500, 11),
             data_part("S7", "3", 900, 12)]  # fmt: skip
    assert counts(imported(billing, lines, CUMULATIVE)) == (3, 2, 0, 0, 1)
    assert stored(conn) == [("S7#1", 1000), ("S7#2", 500)]
    assert quarantined(conn) == [
        (3, "counter 900 of part 3 of session S7 is below part 2's 1500", False)]  # fmt: skip
    assert counts(billing.usage.retry_quarantine(source="radius")) == (0, 0, 0, 0, 0)


def test_a_part_differences_from_a_previous_part_that_was_refused_for_its_account(
    billing: Billing, conn: Any, acme: int
) -> None:
    # Part 1 names a number nobody holds: quarantined; it parsed, so part 2 still counts
    # from its counter (2500 - 1000 = 1500) and the session's parts sum to 2500 once part 1
    # is in.
    lines = [data_part("S8", "1", 1000).replace("+4930901820", "+4930999999"),
             data_part("S8", "2", 2500, 11)]  # fmt: skip
    assert counts(imported(billing, lines, CUMULATIVE)) == (2, 1, 0, 0, 1)
    assert stored(conn) == [("S8#2", 1500)]


def test_parts_with_a_bad_sequence_or_no_session_are_quarantined_naming_it(
    billing: Billing, conn: Any, acme: int
) -> None:
    lines = [data_part("S7", "0", 10), data_part("S7", "x1", 10), data_part("", "1", 10)]
    assert counts(imported(billing, lines, PARTS)) == (3, 0, 0, 0, 3)
    assert [reason for _, reason, _ in quarantined(conn)] == [
        "sequence '0' is not a whole number from 1",
        "sequence 'x1' is not a whole number from 1",
        "no session",
    ]


def test_delta_parts_are_stored_each_with_its_own_usage(
    billing: Billing, conn: Any, acme: int
) -> None:
    # A call cut hourly: 3600 s, 3600 s, then 125 s; each part is a record of its own and
    # the call's usage is their sum, 7325 s.
    lines = [f"C1;{n};+4930901820;2026-03-02T{9 + n:02d}:00:00Z;{s};voice;4989123456\n"
             for n, s in ((1, 3600), (2, 3600), (3, 125))]  # fmt: skip
    assert counts(imported(billing, lines, PARTS)) == (3, 3, 0, 0, 0)
    assert stored(conn) == [("C1#1", 3600), ("C1#2", 3600), ("C1#3", 125)]
    assert counts(imported(billing, lines[1:], PARTS)) == (2, 0, 0, 2, 0)


def test_a_mapping_with_record_id_and_session_is_refused_naming_record_id(
    billing: Billing,
) -> None:
    with pytest.raises(ValidationError) as caught:
        imported(billing, [], {**PARTS, "record_id": {"column": 1}})
    assert [(e.field, e.reason) for e in caught.value.errors] == [
        ("record_id", "not with session: a part's id is its session and sequence")]  # fmt: skip


def test_parts_across_chunks_and_repeated_parts_are_counted_once(
    billing: Billing, conn: Any, acme: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    # Chunks [1, 2] [2 again, 3] [4]: part 3 counts from part 2 stored by the first chunk
    # (3000 - 2500 = 500), part 4 from part 3 (3100 - 3000 = 100); the repeated part 2 is a
    # duplicate. Stored: 1000 + 1500 + 500 + 100 = 3100, the last counter.
    lines = [data_part("S9", "1", 1000), data_part("S9", "2", 2500, 11),
             data_part("S9", "2", 2500, 11), data_part("S9", "3", 3000, 12),
             data_part("S9", "4", 3100, 13)]  # fmt: skip
    assert counts(imported(billing, lines, CUMULATIVE)) == (5, 4, 0, 1, 0)
    assert stored(conn) == [("S9#1", 1000), ("S9#2", 1500), ("S9#3", 500), ("S9#4", 100)]
