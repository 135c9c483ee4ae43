"""Generic CSV and JSON lines through a column mapping."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import pytest

from tarifa.errors import ValidationError
from tarifa.usage import mapping, readers, staging

MAPPING: dict[str, Any] = {
    "delimiter": ";",
    "record_id": {"column": "call_id"},
    "account": {"column": "msisdn"},
    "destination": {"column": "called"},
    "start": {"column": "start_time", "format": "%d.%m.%Y %H:%M:%S"},
    "usage": {"column": "volume"},
    "service": {"column": "type", "values": {"MOC": "voice", "GPRS": "data", "SMS-MO": "sms"}},
    "unit": {"column": "unit", "values": {"s": "seconds", "B": "bytes", "": ""}},
    "disposition": {"column": "result", "billable": ["OK"], "filtered": ["NOANSWER", "BUSY"]},
}
HEADER = "call_id;msisdn;called;start_time;volume;type;unit;result"


def rows(
    lines: Iterable[str], spec: dict[str, Any] | None = None, *, json_lines: bool = False,
    timezone: str | None = "Europe/Berlin",
) -> list[dict[str, str | None]]:  # fmt: skip
    parsed = mapping.JSONL_DEFAULT if spec is None else mapping.load(spec)
    reader = readers.MappedReader(parsed, json_lines=json_lines, timezone=timezone)
    return [staging.decode(r) for r in readers.records(reader, iter(lines))]


def test_a_csv_file_is_read_through_its_mapping() -> None:
    call, data, sms = rows([
        HEADER,
        "c1;+4930901820;+4989123456;02.03.2026 09:15:00;65;MOC;s;OK",
        "c2;+4930901820;;02.03.2026 10:00:00;1048576;GPRS;B;OK",
        "c3;004930901820;4917012345;02.03.2026 11:00:00;1;SMS-MO;;OK",
    ], MAPPING)  # fmt: skip
    assert (call["record_id"], call["service"], call["unit"], call["usage"]) == (
        "c1", "voice", "seconds", "65")  # fmt: skip
    assert (call["destination"], call["started_at"]) == ("4989123456", "2026-03-02T09:15:00")
    assert call["line"] == "2"  # the header is line 1
    assert (data["service"], data["unit"], data["destination"]) == ("data", "bytes", "")
    assert (sms["service"], sms["unit"], sms["id_value"]) == ("sms", "events", "+4930901820")


def test_dispositions_decide_billable_filtered_or_unknown() -> None:
    found = rows([
        HEADER,
        "c1;+4930901820;4989123456;02.03.2026 09:15:00;0;MOC;s;noanswer",
        "c2;+4930901820;4989123456;02.03.2026 09:15:00;0;MOC;s;DROPPED",
    ], MAPPING)  # fmt: skip
    assert (found[0]["billable"], found[0]["disposition"]) == ("f", "noanswer")
    assert "unknown disposition 'DROPPED'" in (found[1]["reason"] or "")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("c1;+4930901820;4989123456;02.03.2026 09:15:00;65;FAX;s;OK", "unknown service 'fax'"),
        ("c1;+4930901820;4989123456;02.03.2026 09:15:00;65;MOC;B;OK",
         "unit 'bytes' does not fit service voice"),
        ("c1;+4930901820;4989123456;2026-03-02 09:15;65;MOC;s;OK", "does not match the format"),
        ("c1;+4930901820;4989123456;02.03.2026 09:15:00;-65;MOC;s;OK", "negative usage -65"),
        ("c1;+4930901820;4989123456;02.03.2026 09:15:00;6,5;MOC;s;OK", "is not a number"),
        ("c1;+4930901820;;02.03.2026 09:15:00;65;MOC;s;OK", "no destination (required for voice)"),
        ("c1;4930901820x;4989123456;02.03.2026 09:15:00;65;MOC;s;OK", "is not a phone number"),
        ("c1;+4930901820;4989123456;02.03.2026 09:15:00;65;MOC;s", "expected 8 fields, found 7"),
        (";+4930901820;4989123456;02.03.2026 09:15:00;65;MOC;s;OK", "no record id"),
        ('c1;"+4930901820;x;y;z;a;b;c', "not valid CSV"),
    ],
)  # fmt: skip
def test_bad_csv_lines_are_quarantined_with_the_reason(line: str, reason: str) -> None:
    (row,) = rows([HEADER, line], MAPPING)
    assert reason in (row["reason"] or ""), row["reason"]


def test_a_file_without_a_header_names_columns_by_number() -> None:
    spec = {
        "header": False,
        "record_id": {"columns": [1, 2, 3]},
        "account": {"column": 1},
        "account_kind": {"value": "sip"},
        "destination": {"column": 2},
        "start": {"column": 3, "format": "epoch"},
        "usage": {"column": 4},
        "service": {"value": "voice"},
    }
    (row,) = rows(["Alice@PBX,4989123456,1772442900,65"], spec, timezone=None)
    assert (row["id_kind"], row["id_value"]) == ("sip", "alice@pbx")
    assert row["started_at"] == "2026-03-02T09:15:00+00:00"
    parts = b"Alice@PBX\x1f4989123456\x1f1772442900"
    expected = hashlib.md5(parts, usedforsecurity=False).hexdigest()
    assert row["record_id"] == expected
    # Extra columns in a file without a header are ignored.
    (longer,) = rows(["Alice@PBX,4989123456,1772442900,65,x,y"], spec, timezone=None)
    assert (longer["id_kind"], longer["service"], longer["usage"]) == ("sip", "voice", "65")
    (short,) = rows(["a,b"], spec, timezone=None)
    assert "expected at least 4 fields, found 2" in (short["reason"] or "")


def test_a_header_without_the_mapped_columns_is_refused() -> None:
    with pytest.raises(ValidationError, match="'result' is not in the file's header"):
        rows(["call_id;msisdn;called;start_time;volume;type;unit"], MAPPING)


def test_json_lines_are_read_with_the_default_keys() -> None:
    found = rows([
        '{"id": "r1", "account": "+4930901820", "service": "voice", "destination": "+4989123456",'
        ' "start": "2026-03-02T09:15:00+01:00", "usage": 65}',
        '{"id": "r2", "account": "ac-1", "account_kind": "account_code", "service": "data",'
        ' "start": "2026-03-02T09:15:00Z", "usage": 1048576, "unit": "bytes"}',
        '{"id": "r3", "account": "+4930901820", "service": "sms", "destination": "4917012345",'
        ' "start": "2026-03-02T09:15:00+01:00", "disposition": "FAILED"}',
        '{"id": "r4", "account": "+4930901820", "service": "video", "start": 1772442900,'
        ' "usage": 12.5, "unit": "seconds"}',
    ], json_lines=True)  # fmt: skip
    assert [r["reason"] for r in found[:3]] == [None, None, None]
    assert (found[0]["usage"], found[0]["started_at"]) == ("65", "2026-03-02T09:15:00+01:00")
    assert (found[1]["id_kind"], found[1]["usage"]) == ("account_code", "1048576")
    assert (found[2]["usage"], found[2]["billable"]) == ("1", "f")  # an SMS counts 1 event
    assert "is not an ISO 8601" in (found[3]["reason"] or "")  # a number is not an ISO time


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "r1", "account": "+4930901820"', "not valid JSON"),
        ('["r1"]', "not a JSON object"),
        ('{"id": {"a": 1}, "account": "+4930901820", "service": "voice", "destination": "1",'
         ' "start": "2026-03-02T09:15:00Z", "usage": 1}', "record id is not text or a number"),
        ('{"id": "r1", "account": "+4930901820", "service": "voice", "destination": "1",'
         ' "start": "2026-03-02T09:15:00", "usage": 1}', "has no UTC offset"),
        ('{"id": "r1", "account": "+4930901820", "service": "voice", "destination": "1",'
         ' "start": "2026-03-02T09:15:00Z", "usage": 1e3}', "is not a number"),
        ('{"id": "r1", "account": true, "service": "voice", "destination": "1",'
         ' "start": "2026-03-02T09:15:00Z", "usage": 1}', "account is not text or a number"),
        ("[" * 100_000, "not valid JSON"),
    ],
)  # fmt: skip
def test_bad_json_lines_are_quarantined_with_the_reason(line: str, reason: str) -> None:
    (row,) = rows([line], json_lines=True, timezone=None)
    assert reason in (row["reason"] or ""), row["reason"]


def test_json_escapes_survive_into_the_staging_row() -> None:
    line = (
        '{"id": "tab\\there", "account": "+4930901820", "service": "voice",'
        ' "destination": "voice\\\\mail", "start": "2026-03-02T09:15:00Z", "usage": 1}'
    )
    (row,) = rows([line], json_lines=True)
    assert (row["record_id"], row["destination"], row["raw"]) == ("tab\there", "voice\\mail", line)


def test_fixed_values_are_read_beside_columns_with_or_without_extra_columns() -> None:
    spec = {
        "header": False, "record_id": {"column": 1}, "account": {"column": 2},
        "account_kind": {"value": "e164"}, "destination": {"column": 3},
        "start": {"column": 4}, "usage": {"column": 5}, "service": {"value": "voice"},
    }  # fmt: skip
    plain, longer = rows([
        "r1,+4930901820,49891,2026-03-02T09:15:00Z,65",
        "r2,+4930901820,49891,2026-03-02T09:15:00Z,66,e164,sms,,",
    ], spec)  # fmt: skip
    assert (plain["record_id"], plain["id_kind"], plain["service"], plain["usage"]) == (
        "r1", "e164", "voice", "65")  # fmt: skip
    assert (longer["record_id"], longer["service"], longer["usage"]) == ("r2", "voice", "66")


def test_the_fast_path_and_the_general_path_agree() -> None:
    spec = {"record_id": {"column": "id"}, "account": {"column": "account"},
            "destination": {"column": "destination"}, "start": {"column": "start"},
            "usage": {"column": "usage"}, "service": {"column": "service"},
            "disposition": {"column": "outcome"}}  # fmt: skip
    csv_reader = readers.MappedReader(mapping.load(spec), json_lines=False, timezone="UTC")
    csv_reader.bind_header(("id", "account", "destination", "start", "usage", "service",
                            "outcome"))  # fmt: skip
    json_reader = readers.MappedReader(mapping.JSONL_DEFAULT, json_lines=True, timezone="UTC")
    cases = [
        (csv_reader, "r1,+4930901820,4989123456,2026-03-02 09:15:00,65,voice,ANSWERED"),
        (csv_reader, "r2,+4930901820,,2026-03-02T09:15:00Z,1000,data,"),
        (csv_reader, "r3,+4930901820,4917012345,2026-03-02 09:15:00,1,sms,busy"),
        (json_reader, '{"id": "j1", "account": "+4930901820", "service": "voice",'
                      ' "destination": "4989", "start": "2026-03-02T09:15:00+01:00", "usage": 7}'),
        (json_reader, '{"id": "j2", "account": "+4930901820", "service": "video",'
                      ' "start": "2026-03-02T09:15:00", "usage": "70", "unit": "bytes",'
                      ' "disposition": "ANSWERED"}'),
    ]  # fmt: skip
    for reader, line in cases:
        row = reader._split(line) if not reader.json_lines else reader._json(line)
        fast = reader._fast(1, line, row)
        assert fast is not None, line
        assert fast == reader._record(1, line, row), line
