"""`tarifa usage import|quarantine list|quarantine retry` in a subprocess, against a
database of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

import tarifa

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "usage"
MALFORMED = FIXTURES / "malformed-Master.csv"
COUNTS = ("received", "accepted", "filtered", "duplicates", "quarantined")


@pytest.fixture
def tarifa_cli(fresh_db: str, tmp_path: Path):
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "unused")}

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "tarifa", *args],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    return run


def add_customer(url: str) -> None:
    with tarifa.connect(url, actor="test") as billing:
        created = billing.customers.create(
            {"external_id": "ACME", "kind": "business", "legal_name": "Acme Ltd",
             "country": "DE", "currency": "EUR", "time_zone": "Europe/Berlin",
             "billing_cycle_day": 1, "locale": "de-DE"}
        )  # fmt: skip
        billing.customers.add_identifier(
            created.id, "e164", "+4930901820", datetime(2025, 1, 1, tzinfo=UTC)
        )


def counts(payload: dict[str, int]) -> tuple[int, ...]:
    assert payload["received"] == sum(payload[name] for name in COUNTS[1:])
    return tuple(payload[name] for name in COUNTS)


def import_malformed(tarifa_cli, *extra: str):  # type: ignore[no-untyped-def]
    return tarifa_cli("usage", "import", str(MALFORMED), "--format", "asterisk",
                      "--source", "pbx", "--timezone", "Europe/Berlin", *extra)  # fmt: skip


def test_import_prints_the_counts_as_one_json_object(tarifa_cli, fresh_db: str) -> None:
    add_customer(fresh_db)
    report = json.loads(import_malformed(tarifa_cli, "--json", "--tenant", "brand-x").stdout)
    assert counts(report) == (9, 3, 1, 0, 5)
    assert (report["source"], report["format"], report["tenant"]) == ("pbx", "asterisk",
                                                                      "brand-x")  # fmt: skip


def test_importing_the_same_file_again_is_all_duplicates(tarifa_cli, fresh_db: str) -> None:
    add_customer(fresh_db)
    import_malformed(tarifa_cli)
    before = json.loads(tarifa_cli("usage", "quarantine", "list", "--json").stdout)
    again = json.loads(import_malformed(tarifa_cli, "--json").stdout)
    assert counts(again) == (9, 0, 0, 9, 0)
    assert json.loads(tarifa_cli("usage", "quarantine", "list", "--json").stdout) == before


def test_quarantine_list_shows_reasons_and_lines(tarifa_cli, fresh_db: str) -> None:
    add_customer(fresh_db)
    import_malformed(tarifa_cli)
    listed = json.loads(tarifa_cli("usage", "quarantine", "list", "--source", "pbx",
                                   "--json").stdout)  # fmt: skip
    assert listed["total"] == 5
    assert [q["line"] for q in listed["lines"]] == [2, 4, 5, 6, 10]
    assert "binary data" in listed["lines"][1]["reason"]
    people = tarifa_cli("usage", "quarantine", "list").stdout
    assert "5 of 5 quarantined lines" in people


def test_retry_takes_in_lines_after_the_customer_is_created(tarifa_cli, fresh_db: str) -> None:
    first = json.loads(import_malformed(tarifa_cli, "--json").stdout)
    assert counts(first) == (9, 0, 0, 0, 9)
    add_customer(fresh_db)
    retried = json.loads(tarifa_cli("usage", "quarantine", "retry", "--json").stdout)
    assert counts(retried) == (4, 3, 1, 0, 0)
    people = tarifa_cli("usage", "quarantine", "retry").stdout
    assert "received" in people


def test_the_import_shows_a_summary_for_people(tarifa_cli, fresh_db: str) -> None:
    add_customer(fresh_db)
    out = import_malformed(tarifa_cli).stdout
    for name in COUNTS:
        assert name in out
    assert "tarifa usage quarantine list --source pbx" in out


def test_asterisk_without_a_time_zone_is_an_error(tarifa_cli) -> None:
    result = tarifa_cli("usage", "import", str(MALFORMED), "--format", "asterisk",
                        "--source", "pbx", "--json", expect=1)  # fmt: skip
    assert "timezone" in result.stderr
    assert result.stdout == ""


def test_a_missing_file_is_an_error(tarifa_cli) -> None:
    result = tarifa_cli("usage", "import", "/no/such.jsonl", "--format", "jsonl",
                        "--source", "s", expect=1)  # fmt: skip
    assert "cannot read" in result.stderr


def test_the_audit_log_verifies_after_imports_and_retries(tarifa_cli, fresh_db: str) -> None:
    import_malformed(tarifa_cli)
    add_customer(fresh_db)
    tarifa_cli("usage", "quarantine", "retry")
    result = json.loads(tarifa_cli("audit", "verify", "--json").stdout)
    assert result["ok"] is True


def test_lines_that_look_like_markup_are_shown_as_they_are(tarifa_cli, tmp_path: Path) -> None:
    odd = tmp_path / "odd.jsonl"
    odd.write_text("[/bold] not json [red]\n", encoding="utf-8")
    tarifa_cli("usage", "import", str(odd), "--format", "jsonl", "--source", "[x]")
    out = tarifa_cli("usage", "quarantine", "list").stdout
    assert "[/bold] not json [red]" in out


def test_interim_updates_are_differenced_and_a_part_that_came_early_waits_for_its_retry(
    tarifa_cli, fresh_db: str, tmp_path: Path
) -> None:
    add_customer(fresh_db)
    mapping = tmp_path / "radius.yaml"
    mapping.write_text(
        "header: true\nsession: {column: SESSION}\nsequence: {column: SEQ}\n"
        "counters: cumulative\naccount: {column: MSISDN}\nstart: {column: START}\n"
        "usage: {column: OCTETS}\nservice: {value: data}\n",
        encoding="utf-8",
    )
    header = "SESSION,SEQ,MSISDN,START,OCTETS\n"
    early = tmp_path / "early.csv"  # parts 1 and 3 of session S7; part 2 comes later
    early.write_text(header + "S7,1,+4930901820,2026-03-02T10:00:00Z,1000\n"
                     "S7,3,+4930901820,2026-03-02T12:00:00Z,4000\n", encoding="utf-8")  # fmt: skip
    late = tmp_path / "late.csv"
    late.write_text(header + "S7,2,+4930901820,2026-03-02T11:00:00Z,2500\n", encoding="utf-8")

    def run(*args: str) -> dict[str, int]:
        return json.loads(tarifa_cli(*args, "--json").stdout)

    def import_(path: Path) -> dict[str, int]:
        return run("usage", "import", str(path), "--format", "csv", "--mapping", str(mapping),
                   "--source", "radius")  # fmt: skip

    assert counts(import_(early)) == (2, 1, 0, 0, 1)
    listed = run("usage", "quarantine", "list", "--source", "radius")
    assert "part 2 of session S7 is not stored" in listed["lines"][0]["reason"]
    assert counts(import_(late)) == (1, 1, 0, 0, 0)
    assert counts(run("usage", "quarantine", "retry")) == (1, 1, 0, 0, 0)
    # Counters 1000, 2500, 4000 are stored as 1000 + 1500 + 1500: the session's last counter.
    with psycopg.connect(fresh_db) as conn:
        rows = conn.execute(
            "SELECT record_id, usage FROM usage_records ORDER BY record_id"
        ).fetchall()
    assert rows == [("S7#1", 1000), ("S7#2", 1500), ("S7#3", 1500)]
