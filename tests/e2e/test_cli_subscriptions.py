"""`tarifa subscriptions …` in a subprocess, against a database of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CATALOG = Path(__file__).resolve().parents[2] / "examples" / "catalog" / "fibre.yaml"
CUSTOMERS = "external_id,kind,legal_name,country,currency,time_zone,billing_cycle_day,locale\n"


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


def test_a_subscription_is_created_changed_at_period_end_and_shown(tarifa, tmp_path) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS + "ACME,business,ACME AG,DE,EUR,Europe/Berlin,1,de-DE\n")
    tarifa("customers", "import", str(customers))
    tarifa("catalog", "load", str(CATALOG))
    created = json.loads(
        tarifa(
            "subscriptions",
            "create",
            "--account",
            "ACME",
            "--plan",
            "fibre-300",
            "--start",
            "2026-03-15",
            "--json",
        ).stdout
    )
    sub = str(created["id"])
    changed = json.loads(
        tarifa(
            "subscriptions",
            "change-plan",
            sub,
            "--plan",
            "fibre-1000",
            "--on",
            "2026-04-10",
            "--at-period-end",
            "--json",
        ).stdout
    )
    starts = [(s["start"], s["plan"]) for s in changed["timeline"]["segments"]]
    assert starts == [("2026-03-15", "fibre-300"), ("2026-05-01", "fibre-1000")]
    refused = tarifa("subscriptions", "resume", sub, "--on", "2026-05-02", expect=1)
    assert "is not suspended" in refused.stderr
    assert "fibre-1000" in tarifa("subscriptions", "show", sub).stdout


def test_a_number_is_added_assigned_to_a_subscription_and_released(tarifa, tmp_path) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS + "ACME,business,ACME AG,DE,EUR,Europe/Berlin,1,de-DE\n")
    tarifa("customers", "import", str(customers))
    tarifa("catalog", "load", str(CATALOG))
    created = tarifa(
        "subscriptions",
        "create",
        "--account",
        "ACME",
        "--plan",
        "fibre-300",
        "--start",
        "2026-03-15",
        "--json",
    )
    sub = str(json.loads(created.stdout)["id"])
    added = tarifa("inventory", "add", "phone_number", "+4915112345678", "12", expect=1)
    assert "1 added" in added.stdout
    assert "values[1]" in added.stderr
    assigned = json.loads(
        tarifa(
            "inventory", "assign", "phone_number", "+4915112345678", "--subscription", sub, "--json"
        ).stdout
    )
    assert (assigned["status"], assigned["subscription_id"]) == ("assigned", int(sub))
    released = json.loads(
        tarifa("inventory", "release", "phone_number", "+4915112345678", "--json").stdout
    )
    assert released["status"] == "quarantined"
    again = tarifa(
        "inventory", "assign", "phone_number", "+4915112345678", "--subscription", sub, expect=1
    )
    assert "quarantined" in again.stderr
