"""The Asterisk cdr_csv reader, line by line: realistic lines, quoting, and every way a
line can be wrong."""

from __future__ import annotations

import hashlib

import pytest

from tarifa.usage import readers, staging


def cdr(**overrides: str) -> list[str]:
    """The fields of one Master.csv line as Asterisk writes them (quoted, numbers bare)."""
    fields = {
        "accountcode": '""', "src": '"+4930901820"', "dst": '"4989123456"',
        "dcontext": '"from-internal"', "clid": '"""Test User"" <1001>"',
        "channel": '"SIP/1001-00000001"', "dstchannel": '"SIP/trunk-00000002"',
        "lastapp": '"Dial"', "lastdata": '"SIP/trunk/4989123456,60,tT"',
        "start": '"2026-03-02 09:15:00"', "answer": '"2026-03-02 09:15:05"',
        "end": '"2026-03-02 09:16:10"', "duration": "70", "billsec": "65",
        "disposition": '"ANSWERED"', "amaflags": '"DOCUMENTATION"',
        "uniqueid": '"1772442900.1"', "userfield": '""',
    }  # fmt: skip
    fields.update(overrides)
    return list(fields.values())


def parse(line: str, timezone: str | None = "Europe/Berlin") -> dict[str, str | None]:
    return staging.decode(readers.AsteriskReader(timezone=timezone).parse(7, line))


def line_of(**overrides: str) -> str:
    return ",".join(cdr(**overrides))


def test_an_answered_call_is_billable_on_billsec() -> None:
    row = parse(line_of())
    assert row["reason"] is None
    assert (row["id_kind"], row["id_value"]) == ("e164", "+4930901820")
    assert (row["service"], row["unit"], row["usage"]) == ("voice", "seconds", "65")
    assert (row["destination"], row["started_at"]) == ("4989123456", "2026-03-02 09:15:00")
    assert (row["billable"], row["disposition"], row["line"]) == ("t", "ANSWERED", "7")
    assert row["raw"] == line_of()


def test_the_record_id_hashes_uniqueid_dstchannel_start_and_answer() -> None:
    expected = hashlib.md5(
        b"1772442900.1\x1fSIP/trunk-00000002\x1f2026-03-02 09:15:00\x1f2026-03-02 09:15:05",
        usedforsecurity=False,
    ).hexdigest()
    assert parse(line_of())["record_id"] == expected
    # Another leg of the same call (same uniqueid, another dstchannel) is another record.
    other_leg = parse(line_of(dstchannel='"SIP/trunk-00000003"'))["record_id"]
    assert other_leg != expected


@pytest.mark.parametrize("disposition", ["NO ANSWER", "BUSY", "FAILED", "CONGESTION"])
def test_calls_that_were_not_answered_are_valid_but_not_billable(disposition: str) -> None:
    row = parse(line_of(disposition=f'"{disposition}"', billsec="0"))
    assert row["reason"] is None
    assert (row["billable"], row["disposition"]) == ("f", disposition)


def test_an_account_code_names_the_account_before_the_caller() -> None:
    row = parse(line_of(accountcode='"AC-000042"'))
    assert (row["id_kind"], row["id_value"]) == ("account_code", "AC-000042")


@pytest.mark.parametrize(
    ("src", "kind", "value"),
    [
        ('"004930901820"', "e164", "+4930901820"),
        ('"4930901820"', "e164", "+4930901820"),
        ('"+49 30 901820"', "e164", "+4930901820"),
        ('"Alice@PBX.example"', "sip", "alice@pbx.example"),
    ],
)
def test_the_caller_is_a_phone_number_or_a_sip_user(src: str, kind: str, value: str) -> None:
    row = parse(line_of(src=src))
    assert (row["id_kind"], row["id_value"]) == (kind, value)


@pytest.mark.parametrize(
    ("dst", "destination"),
    [
        ('"+4989123456"', "4989123456"),
        ('"004989123456"', "4989123456"),
        ('"089 123-456"', "089123456"),  # national: kept as dialled, no country guessed
        ('"voicemail"', "voicemail"),
        ('"*97"', "*97"),
    ],
)
def test_destinations_are_e164_digits_or_words(dst: str, destination: str) -> None:
    assert parse(line_of(dst=dst))["destination"] == destination


def test_quoted_fields_may_hold_commas_quotes_and_tabs() -> None:
    line = line_of(clid='"""O\'Brien, Pat"" <1001>"', lastdata='"SIP/trunk/49,60,\tT"',
                   userfield='"a ""quoted"" note"')  # fmt: skip
    row = parse(line)
    assert row["reason"] is None
    assert row["raw"] == line  # the tab survives the staging row's escaping


def test_deployments_that_add_fields_are_read() -> None:
    row = parse(line_of() + ',"1772442900.1","extra"')
    assert row["reason"] is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"billsec": "80"}, "billsec 80 is above the duration 70"),
        ({"duration": "-5", "billsec": "0"}, "negative duration -5"),
        ({"billsec": "-1"}, "negative billsec -1"),
        ({"duration": "7x"}, "duration '7x' is not a whole number of seconds"),
        ({"start": '"2026-02-30 10:00:00"'}, "is not an ISO 8601 date and time"),
        ({"disposition": '"MAYBE"'}, "unknown disposition 'MAYBE'"),
        ({"src": '"bob@"', "accountcode": '""', "dst": '""'}, "no destination (dst)"),
        ({"src": '""'}, "no account identifier"),
        ({"dst": '"+49 abc"'}, "is not a number"),
    ],
)
def test_bad_fields_quarantine_the_line_with_the_reason(
    overrides: dict[str, str], reason: str
) -> None:
    row = parse(line_of(**overrides))
    assert row["record_id"] is None
    assert row["reason"] is not None
    assert reason in row["reason"]
    assert row["line_hash"] is not None


def test_every_problem_of_a_line_is_named() -> None:
    reason = parse(line_of(duration="x", disposition='"?"', src='""'))["reason"] or ""
    assert "duration 'x'" in reason
    assert "unknown disposition" in reason
    assert "no account identifier" in reason


def test_without_a_time_zone_local_times_are_refused() -> None:
    assert "--timezone" in (parse(line_of(), timezone=None)["reason"] or "")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('"","+4930901820","4989123456","broken', "not valid CSV"),  # quote never closed
        ('"a"b,"c"', "not valid CSV"),  # text after a closing quote
        ('"only","three","fields"', "expected at least 18 fields, found 3"),
        (line_of()[:60], "not valid CSV"),  # truncated in the middle of a field
    ],
)
def test_lines_broken_as_csv_are_quarantined(line: str, reason: str) -> None:
    assert reason in (parse(line)["reason"] or "")


def test_a_broken_quote_never_swallows_the_next_line() -> None:
    reader = readers.AsteriskReader(timezone="Europe/Berlin")
    rows = [staging.decode(r) for r in readers.records(
        reader, iter(['"", "unclosed', line_of(), 'a"b,"c', line_of(uniqueid='"2"')]))]  # fmt: skip
    assert [r["line"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["reason"] is None for r in rows] == [False, True, False, True]


def test_blank_lines_are_skipped_but_counted_for_line_numbers() -> None:
    reader = readers.AsteriskReader(timezone="Europe/Berlin")
    rows = list(readers.records(reader, iter(["", line_of(), "   ", line_of()])))
    assert [staging.decode(r)["line"] for r in rows] == ["2", "4"]


def test_the_fast_path_and_the_general_path_agree() -> None:
    reader = readers.AsteriskReader(timezone="Europe/Berlin")
    for line in (line_of(), line_of(disposition='"BUSY"', billsec="0")):
        fields = next(iter([reader._split(line)]))
        assert isinstance(fields, list)
        fast = reader._fast(1, line, fields)
        assert fast is not None
        assert fast == reader._general(1, line, fields)
