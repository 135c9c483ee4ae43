"""Normalization rules, start-time formats and mapping files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tarifa.errors import ValidationError
from tarifa.usage import mapping, model, times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4930123", ("4930123", None)),
        ("+4930123", ("4930123", None)),
        ("004930123", ("4930123", None)),
        ("+49 (30) 123-45", ("493012345", None)),
        ("030123", ("030123", None)),
        (" voicemail ", ("voicemail", None)),
        ("", ("", None)),
        ("+", ("+", "the destination '+' is not a number")),
        ("00", ("", "the destination 00 has no digits")),
    ],
)
def test_destinations(text: str, expected: tuple[str, str | None]) -> None:
    assert model.destination(text) == expected


@pytest.mark.parametrize(
    ("kind", "text", "value", "ok"),
    [
        ("e164", "+4930901820", "+4930901820", True),
        ("e164", "004930901820", "+4930901820", True),
        ("e164", "4930901820", "+4930901820", True),
        ("e164", "030901820", "030901820", False),  # a national number names no account
        ("e164", "+1", "+1", False),
        ("sip", "SIP:Alice@Example.COM", "alice@example.com", True),
        ("account_code", "  AC-1 ", "AC-1", True),
        ("imsi", "262011234567890", "262011234567890", False),
    ],
)
def test_identifiers(kind: str, text: str, value: str, ok: bool) -> None:
    found, problem = model.identifier(kind, text)
    assert found == value
    assert (problem is None) is ok


def test_services_have_units_and_categories() -> None:
    assert model.service_unit("voice", "") == ("voice", "seconds", None)
    assert model.service_unit("video", "bytes") == ("video", "bytes", None)
    assert (
        model.service_unit("sms", "seconds")[2]
        == "unit 'seconds' does not fit service sms (events)"
    )
    assert model.CATEGORIES["voice"] == "call"
    assert {model.CATEGORIES[s] for s in model.Service} == {"call", "data", "sms", "mms", "video"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02 09:15:00", "2026-03-02 09:15:00"),
        ("2026-03-02T09:15:00+01:00", "2026-03-02T09:15:00+01:00"),
        ("2026-03-02T09:15:00Z", "2026-03-02T09:15:00Z"),
        ("2026-03-02 09:15:00-05:00", "2026-03-02 09:15:00-05:00"),
        ("2026-03-02T09:15:00+0100", "2026-03-02T09:15:00+01:00"),
        ("20260302T091500", "2026-03-02T09:15:00"),
        ("2026-03-02T09:15:00.250", "2026-03-02T09:15:00.250000"),
    ],
)
def test_iso_times_are_handed_on_as_postgresql_reads_them(text: str, expected: str) -> None:
    assert times.iso(text, zone_given=True) == (expected, None)


def test_epochs_are_utc() -> None:
    assert times.epoch("1772442900", 1) == ("2026-03-02T09:15:00+00:00", None)
    assert times.epoch("1772442900250", 1000) == ("2026-03-02T09:15:00.250000+00:00", None)
    assert times.epoch("soon", 1)[1] is not None
    assert times.epoch("-1", 1)[1] is not None


def test_patterns_with_and_without_an_offset() -> None:
    assert times.is_local_format("%d.%m.%Y %H:%M")
    assert not times.is_local_format("%d.%m.%Y %H:%M %z")
    assert not times.is_local_format("iso")
    local = times.parser("%d.%m.%Y %H:%M", zone_given=False)("02.03.2026 09:15")
    assert "--timezone" in (local[1] or "")
    aware = times.parser("%d.%m.%Y %H:%M %z", zone_given=False)("02.03.2026 09:15 +0100")
    assert aware == ("2026-03-02T09:15:00+01:00", None)


def test_a_mapping_file_is_checked_with_every_problem_placed(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("record_id: {column: id}\naccount: {}\nstart: {column: t}\n"
                    "service: {value: fax}\nextra: 1\n")  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        mapping.load(path)
    fields = {problem.field for problem in caught.value.errors}
    assert {"account", "extra"} <= fields


def test_a_mapping_refuses_fixed_values_that_do_not_exist() -> None:
    spec = {"record_id": {"column": "id"}, "account": {"column": "a"},
            "account_kind": {"value": "imsi"}, "start": {"column": "t"},
            "service": {"value": "fax"}}  # fmt: skip
    with pytest.raises(ValidationError, match="'imsi' is not e164") as caught:
        mapping.load(spec)
    assert "'fax' is not a service" in str(caught.value)


def test_unreadable_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read"):
        mapping.load(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("a: [\n")
    with pytest.raises(ValidationError, match="not valid YAML"):
        mapping.load(tmp_path / "bad.yaml")
    (tmp_path / "list.yaml").write_text("- a\n")
    with pytest.raises(ValidationError, match="must be a YAML mapping"):
        mapping.load(tmp_path / "list.yaml")


def test_a_stored_mapping_reads_back_the_same() -> None:
    again = mapping.Mapping.model_validate(mapping.to_settings(mapping.JSONL_DEFAULT))
    assert again == mapping.JSONL_DEFAULT
