"""`tarifa catalog …` in a subprocess, against a database of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "catalog"


@pytest.fixture
def tarifa(fresh_db: str, tmp_path: Path):
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "unused")}

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "tarifa", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    return run


def test_validate_prints_every_problem_with_its_path(tarifa, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (EXAMPLES / "fibre.yaml")
        .read_text()
        .replace('unit_price: "3.00"}, {unit_price', "unit_price: 3.5}, {unit_price")
        .replace("target: premium", "target: premum")
        .replace("billing_period: yearly", "billing_period: yearlyish")
    )
    result = json.loads(tarifa("catalog", "validate", str(broken), "--json", expect=1).stdout)
    assert result["valid"] is False
    fields = {e["field"] for e in result["errors"]}
    assert fields == {
        "plans[2].versions[0].billing_period",
        "plans[3].versions[0].charges[0].pricing.tiers[1].unit_price",
    }
    people = tarifa("catalog", "validate", str(broken), expect=1)
    assert "plans[2].versions[0].billing_period" in people.stderr


def test_load_then_load_again_changes_nothing_and_export_round_trips(
    tarifa, tmp_path: Path
) -> None:
    first = json.loads(tarifa("catalog", "load", str(EXAMPLES / "mobile.yaml"), "--json").stdout)
    assert first["loaded"] is True
    assert first["created"]["plans"] == ["mobile-s", "mobile-business", "roaming-eu", "phone-x-24"]
    again = json.loads(tarifa("catalog", "load", str(EXAMPLES / "mobile.yaml"), "--json").stdout)
    assert (again["loaded"], again["load_id"]) == (False, None)
    exported = tmp_path / "export.yaml"
    tarifa("catalog", "export", "-o", str(exported))
    reload = json.loads(tarifa("catalog", "load", str(exported), "--json").stdout)
    assert reload["loaded"] is False
    assert "unchanged" in tarifa("catalog", "load", str(exported)).stdout


def test_show_and_quote_from_the_command_line(tarifa) -> None:
    tarifa("catalog", "load", str(EXAMPLES / "mobile.yaml"))
    shown = json.loads(tarifa("catalog", "show", "--json").stdout)
    assert [p["code"] for p in shown["plans"]][:2] == ["mobile-s", "mobile-business"]
    plan = json.loads(tarifa("catalog", "show", "mobile-s", "--json").stdout)
    assert len(plan["versions"]) == 2
    assert "Mobile S" in tarifa("catalog", "show", "mobile-s").stdout
    quote = json.loads(
        tarifa(
            "catalog",
            "quote",
            "mobile-business",
            "--usage",
            "minutes=1500",
            "--usage",
            "data_gb=2.5",
            "--quantity",
            "12",
            "--period-start",
            "2026-03-01",
            "--json",
        ).stdout
    )
    # 12 seats × 12.50 + graduated minutes 55.00 + 2.5 GB × 1.50 (tests/unit/catalog/test_quote.py)
    assert quote["total"] == "208.75"
    assert [line["charge"] for line in quote["lines"]] == ["seats", "minutes", "data"]
    table = tarifa(
        "catalog", "quote", "mobile-s", "-u", "minutes=350", "--period-start", "2026-03-01"
    ).stdout
    assert "total" in table
    assert "7.50" in table


def test_a_quote_with_a_bad_usage_argument_names_it(tarifa) -> None:
    tarifa("catalog", "load", str(EXAMPLES / "mobile.yaml"))
    result = tarifa("catalog", "quote", "mobile-s", "-u", "minutes", expect=1)
    assert "usage" in result.stderr
    result = tarifa("catalog", "quote", "mobile-s", "-u", "minuets=5", expect=1)
    assert "usage.minuets" in result.stderr


def test_schema_prints_the_json_schema(tarifa) -> None:
    schema = json.loads(tarifa("catalog", "schema").stdout)
    assert schema["title"] == "tarifa catalog"
    assert "PlanFile" in schema["$defs"]
