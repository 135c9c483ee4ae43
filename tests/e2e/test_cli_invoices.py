"""`tarifa invoices …` in a subprocess, on a draft made through the Python API."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tarifa.billing import Period
from tarifa.billing.draft import draft_lines
from tarifa.billing.taxes import read_vat_rates
from tarifa.facade import connect

ROOT = Path(__file__).resolve().parents[2]
MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))


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
        sub = billing.subscriptions.create("ACME", "fibre-300", dt.date(2026, 3, 1))
        lines = draft_lines(
            subscription_id=sub.id,
            history=sub.timeline,
            catalog=billing.catalog.current(),
            cycle=billing.subscriptions.cycle_of(sub),
            period=MARCH,
            period_index=0,
            currency="EUR",
            zone=ZoneInfo("Europe/Berlin"),
        )
        rates = read_vat_rates(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        draft = billing.invoices.draft(
            "ACME", seller="acme-de", period=MARCH, lines=lines, rates=rates
        )
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


def test_an_accounts_period_is_drafted_from_the_command_line(tarifa, fresh_db: str) -> None:
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
    rates = str(ROOT / "examples" / "tax" / "vat-rates.json")
    (drafted,) = json.loads(
        tarifa(
            "invoices",
            "draft",
            "ACME",
            "--on",
            "2026-03-20",
            "--seller",
            "acme-de",
            "--vat-rates",
            rates,
            "--json",
        ).stdout
    )
    # The first, partial period: 15 March to the next billing day, 1 April.
    assert (drafted["period_start"], drafted["period_end"], drafted["status"]) == (
        "2026-03-15",
        "2026-04-01",
        "draft",
    )
