"""`tarifa invoices …` in a subprocess, on a draft made through the Python API."""

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


def test_a_draft_is_listed_shown_and_finalized_once(tarifa, fresh_db: str) -> None:
    with connect(fresh_db, actor="test:pytest") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "fibre.yaml")
        seller = yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        billing.sellers.add(seller)
        billing.customers.create(
            {
                "external_id": "ACME",
                "kind": "business",
                "legal_name": "ACME AG",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "de-DE",
            }
        )
        billing.subscriptions.create("ACME", "fibre-300", dt.date(2026, 3, 1))
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        (draft,) = billing.invoices.bill("ACME", on=dt.date(2026, 3, 1))
    listed = json.loads(tarifa("invoices", "list", "--account", "ACME", "--json").stdout)
    assert [(i["id"], i["status"]) for i in listed] == [(draft.id, "draft")]
    final = json.loads(
        tarifa("invoices", "finalize", str(draft.id), "--issue-date", "2026-04-01", "--json").stdout
    )
    assert (final["number"], final["creditor_reference"]) == (
        "INV-2026-000001",
        "RF94INV2026000001",
    )
    again = json.loads(tarifa("invoices", "finalize", str(draft.id), "--json").stdout)
    assert again["number"] == "INV-2026-000001"
    assert "RF94INV2026000001" in tarifa("invoices", "show", str(draft.id)).stdout
    note = json.loads(
        tarifa(
            "invoices",
            "credit",
            str(draft.id),
            "--reason",
            "installation not done",
            "--amount",
            "10.00",
            "--json",
        ).stdout
    )
    assert (note["number"], note["total"]) == ("INV-2026-000002", "11.90")
    refused = tarifa(
        "invoices",
        "credit",
        str(draft.id),
        "--reason",
        "too much",
        "--amount",
        "999.00",
        expect=1,
    )
    assert "creditable" in refused.stderr


def test_an_accounts_invoices_are_drafted_from_the_command_line_with_loaded_rates(
    tarifa, fresh_db: str
) -> None:
    with connect(fresh_db, actor="test:pytest") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "fibre.yaml")
        seller = yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        billing.sellers.add(seller)
        billing.customers.create(
            {
                "external_id": "ACME",
                "kind": "business",
                "legal_name": "ACME AG",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "de-DE",
            }
        )
        billing.subscriptions.create("ACME", "fibre-300", dt.date(2026, 3, 15))
    loaded = json.loads(
        tarifa("tax", "load", str(ROOT / "examples" / "tax" / "vat-rates.json"), "--json").stdout
    )
    assert loaded["countries"] > 20
    (drafted,) = json.loads(
        tarifa(
            "invoices",
            "draft",
            "ACME",
            "--on",
            "2026-03-20",
            "--json",
        ).stdout
    )
    # Its start day's invoice: the first, partial period, 15 March to the next billing day,
    # 1 April, billed in advance.
    assert (drafted["period_start"], drafted["period_end"], drafted["status"]) == (
        "2026-03-15",
        "2026-04-01",
        "draft",
    )
