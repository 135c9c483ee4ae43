"""Parts of sessions in a column mapping: the `session`, `sequence` and `counters` fields,
the sequence's reading and the part's record id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from tarifa.errors import ValidationError
from tarifa.usage import mapping, model, readers, staging

PARTS: dict[str, Any] = {
    "delimiter": ";", "session": {"column": "acct_session"}, "sequence": {"column": "seq"},
    "account": {"column": "msisdn"}, "start": {"column": "start"},
    "usage": {"column": "octets"}, "service": {"value": "data"},
}  # fmt: skip
HEADER = "acct_session;seq;msisdn;start;octets"


def problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        mapping.load(spec)
    return [(e.field, e.reason) for e in caught.value.errors]


def rows(lines: Iterable[str], spec: dict[str, Any]) -> list[dict[str, str | None]]:
    reader = readers.MappedReader(mapping.load(spec), json_lines=False, timezone=None)
    return [staging.decode(r) for r in readers.records(reader, iter(lines))]


def test_a_mapping_of_parts_needs_no_record_id_and_counts_deltas_by_default() -> None:
    parsed = mapping.load(PARTS)
    assert (parsed.record_id, parsed.parts, parsed.counters, parsed.cumulative) == (
        None, True, "delta", False)  # fmt: skip
    assert {"acct_session", "seq"} <= set(parsed.columns())
    again = mapping.Mapping.model_validate(mapping.to_settings(parsed))
    assert again == parsed


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"record_id": {"column": "id"}}, "record_id",
         "not with session: a part's id is its session and sequence"),
        ({"sequence": None}, "sequence",
         "required with session (a part is a sequence number of a session)"),
        ({"session": None}, "session",
         "required with sequence (a part is a sequence number of a session)"),
        ({"session": None, "sequence": None}, "record_id",
         "required (or session and sequence, for parts of sessions)"),
        ({"session": None, "sequence": None, "record_id": {"column": "id"},
          "counters": "cumulative"}, "counters",
         "cumulative needs session and sequence (the part before each)"),
    ],
)  # fmt: skip
def test_every_mistake_in_the_parts_fields_is_named_by_its_field(
    change: dict[str, Any], field: str, reason: str
) -> None:
    spec = {k: v for k, v in {**PARTS, **change}.items() if v is not None}
    assert problems(spec) == [(field, reason)]


def test_counters_are_delta_or_cumulative() -> None:
    assert [field for field, _ in problems({**PARTS, "counters": "running"})] == ["counters"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", (1, None)),
        ("007", (7, None)),
        (" 12 ", (12, None)),
        ("0", (0, "sequence '0' is not a whole number from 1")),
        ("000", (0, "sequence '000' is not a whole number from 1")),
        ("-1", (0, "sequence '-1' is not a whole number from 1")),
        ("1.5", (0, "sequence '1.5' is not a whole number from 1")),
        ("٣", (0, "sequence '٣' is not a whole number from 1")),
        ("", (0, "no sequence")),
        ("1" * 19, (0, f"sequence '{'1' * 19}' is longer than 18 digits")),
    ],
)
def test_a_sequence_is_a_whole_number_from_one(text: str, expected: tuple[int, str | None]) -> None:
    assert model.sequence(text) == expected


def test_a_parts_record_id_is_its_session_and_sequence() -> None:
    assert model.part_id("S7", 3) == "S7#3"
    assert model.session("  S7 ") == ("S7", None)
    assert model.session(" ") == ("", "no session")


def test_parts_are_read_with_their_id_and_delta_usage() -> None:
    part, bad = rows([HEADER, "S7;007;+4930901820;2026-03-02T10:00:00Z;1500",
                      "S7;0;+4930901820;2026-03-02T10:00:00Z;1500"], PARTS)  # fmt: skip
    assert (part["record_id"], part["usage"], part["reason"]) == ("S7#7", "1500", None)
    # Delta parts continue the part before them too (the session's start and usage so far).
    assert (part["session"], part["sequence"]) == ("S7", "7")
    assert (bad["reason"], bad["session"]) == ("sequence '0' is not a whole number from 1", None)


def test_cumulative_parts_carry_their_session_and_sequence_to_the_database() -> None:
    part, bad = rows([HEADER, "S7;02;+4930901820;2026-03-02T10:00:00Z;2500",
                      ";1;+4930901820;2026-03-02T10:00:00Z;1000"],
                     {**PARTS, "counters": "cumulative"})  # fmt: skip
    assert (part["record_id"], part["usage"], part["session"], part["sequence"]) == (
        "S7#2", "2500", "S7", "2")  # fmt: skip
    assert (bad["reason"], bad["session"], bad["sequence"]) == ("no session", None, None)


def test_json_lines_name_parts_by_keys_and_sequences_may_be_json_numbers() -> None:
    spec = {**PARTS, "counters": "cumulative"}
    reader = readers.MappedReader(mapping.load(spec), json_lines=True, timezone=None)
    line = ('{"acct_session": "S7", "seq": 3, "msisdn": "+4930901820",'
            ' "start": "2026-03-02T10:00:00Z", "octets": 4000}')  # fmt: skip
    part = staging.decode(reader.parse(1, line))
    assert (part["record_id"], part["usage"], part["session"], part["sequence"]) == (
        "S7#3", "4000", "S7", "3")  # fmt: skip
