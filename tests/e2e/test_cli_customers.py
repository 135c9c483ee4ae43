"""`tarifa customers import|list` in a subprocess, against a database of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "customers" / "small.csv"


@pytest.fixture
def tarifa(fresh_db: str, tmp_path: Path):
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "unused")}

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "tarifa", *args],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    return run


def test_import_reports_counts_and_every_reason_as_json(tarifa) -> None:
    report = json.loads(tarifa("customers", "import", str(SMALL), "--json").stdout)
    # small.csv, by hand: 9 data rows; DE-GROUP, DE-SUB, FR-1, GB-1 and US-1 are good;
    # BAD-1 (5 problems), the second DE-SUB, ORPHAN and SHORT are rejected.
    assert (report["received"], report["accepted"], report["unchanged"], report["rejected"]) == (
        9, 5, 0, 4,
    )  # fmt: skip
    by_line = {r["line"]: r for r in report["rejections"]}
    assert sorted(by_line) == [6, 7, 8, 9]
    assert {e["field"] for e in by_line[6]["errors"]} == {
        "emails", "country", "currency", "time_zone", "billing_cycle_day",
    }  # fmt: skip
    assert by_line[7]["external_id"] == "DE-SUB"
    assert by_line[8]["errors"][0]["field"] == "parent_external_id"


def test_importing_the_same_file_again_changes_nothing(tarifa) -> None:
    tarifa("customers", "import", str(SMALL))
    before = json.loads(tarifa("customers", "list", "--json").stdout)
    again = json.loads(tarifa("customers", "import", str(SMALL), "--json").stdout)
    assert (again["accepted"], again["unchanged"], again["rejected"]) == (0, 5, 4)
    assert json.loads(tarifa("customers", "list", "--json").stdout) == before


def test_list_filters_by_country_and_search(tarifa) -> None:
    tarifa("customers", "import", str(SMALL))
    german = json.loads(tarifa("customers", "list", "--country", "DE", "--json").stdout)
    assert [c["external_id"] for c in german] == ["DE-GROUP", "DE-SUB"]
    assert german[1]["parent_id"] == german[0]["id"]
    found = json.loads(tarifa("customers", "list", "--search", "THAMES", "--json").stdout)
    assert [c["external_id"] for c in found] == ["GB-1"]


def test_the_import_shows_a_summary_and_the_rejected_rows_for_people(tarifa) -> None:
    out = tarifa("customers", "import", str(SMALL)).stdout
    assert "accepted (new)" in out
    assert "Mars/Olympus" in out  # the reason names the bad value


def test_a_missing_file_is_an_error_that_imports_nothing(tarifa) -> None:
    result = tarifa("customers", "import", "/no/such/file.csv", expect=1)
    assert "cannot read" in result.stderr
    assert json.loads(tarifa("customers", "list", "--json").stdout) == []


def test_a_file_with_an_unusable_header_is_an_error(tarifa, tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("external_id,kind,legal_nmae\nX,person,Y\n", encoding="utf-8")
    result = tarifa("customers", "import", str(odd), "--json", expect=1)
    assert "unknown column 'legal_nmae'" in result.stderr
    assert result.stdout == ""


def test_the_audit_log_verifies_after_imports(tarifa) -> None:
    tarifa("customers", "import", str(SMALL))
    tarifa("customers", "import", str(SMALL))
    result = json.loads(tarifa("audit", "verify", "--json").stdout)
    assert (result["ok"], result["rows"]) == (True, 2)
