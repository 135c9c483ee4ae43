"""`tarifa reconcile import|queue|match` in a subprocess, on a camt.053 written for invoices
made through the Python API."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tarifa.facade import connect
from tarifa.reconciliation.statement_writer import Booking, Detail, camt

ROOT = Path(__file__).resolve().parents[2]


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


def test_a_statement_is_imported_queued_and_matched_from_the_command_line(
    tarifa, fresh_db: str, tmp_path: Path
) -> None:
    with connect(fresh_db, actor="test:pytest") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        seller = yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        billing.sellers.add(seller)
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        billing.customers.create(
            {
                "external_id": "PAY",
                "kind": "person",
                "legal_name": "Paul Ay",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "de-DE",
            }
        )
        billing.subscriptions.create("PAY", "mobile-s", dt.date(2026, 3, 1))
        march, april = billing.invoices.bill("PAY", on=dt.date(2026, 4, 1))
        march = billing.invoices.finalize(march.id, issue_date=dt.date(2026, 3, 1))
        april = billing.invoices.finalize(april.id, issue_date=dt.date(2026, 4, 1))
    statement = tmp_path / "camt053.xml"
    statement.write_bytes(
        camt(
            [
                Booking(amount="11.89", reference="C1",
                        details=(Detail(creditor_reference=march.creditor_reference),)),
                Booking(amount="5.94", reference="C2", details=(Detail(text="phone bill"),)),
                Booking(amount="9.99", credit=False, reference="C3"),
            ]
        )
    )  # fmt: skip
    imported = json.loads(tarifa("reconcile", "import", str(statement), "--json").stdout)
    assert imported == {
        "statements": 1,
        "entries": 3,
        "transactions": 3,
        "matched": 1,
        "partially_matched": 0,
        "unmatched": 2,
        "already_imported": 0,
        "skipped": 0,
    }
    again = json.loads(tarifa("reconcile", "import", str(statement), "--json").stdout)
    assert (again["already_imported"], again["matched"]) == (3, 0)
    table = tarifa("reconcile", "import", str(statement)).stdout
    assert "already imported" in table
    queued = json.loads(tarifa("reconcile", "queue", "--json").stdout)
    assert [(q["amount"], q["direction"]) for q in queued] == [
        ("5.94", "credit"),
        ("9.99", "debit"),
    ]
    matched = json.loads(
        tarifa("reconcile", "match", str(queued[0]["id"]), str(april.number), "--json").stdout
    )
    assert matched["status"] == "matched_by_hand"
    refused = tarifa("reconcile", "match", str(queued[1]["id"]), str(april.number), expect=1)
    assert "money received" in refused.stderr
    assert "9.99" in tarifa("reconcile", "queue").stdout
    with connect(fresh_db, actor="test:pytest") as billing:
        assert [i.balance for i in billing.invoices.of_account("PAY")] == [0, 0]


def test_a_malformed_file_fails_with_the_problem_named(tarifa, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<Document>")
    result = tarifa("reconcile", "import", str(broken), "--json", expect=1)
    assert "validation_error" in result.stderr
    assert "not well-formed" in result.stderr
