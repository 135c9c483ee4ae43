"""`tarifa bill-run` in a subprocess: a run killed midway (SIGKILL to it and its workers)
and run again ends with every account invoiced once and the numbers gapless."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import yaml

from tarifa.facade import connect

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 240
CATALOG = """
products: [{code: line, name: Line, service: recurring}]
plans:
  - code: line
    name: Line
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, name: Line fee, kind: recurring, product: line,
             pricing: {model: flat, amount: "10.00"}}
"""


def _setup(url: str) -> None:
    """ACCOUNTS consumers on a 10.00 monthly line from 1 March 2026: invoices on 1 March and
    1 April, 11.90 each with 19 % VAT."""
    with connect(url, actor="test:setup") as billing:
        billing.catalog.load_text(CATALOG, name="line.yaml")
        billing.sellers.add(
            yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        )
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        for n in range(ACCOUNTS):
            billing.customers.create(
                {
                    "external_id": f"K{n:04d}",
                    "kind": "person",
                    "legal_name": f"Person {n}",
                    "country": "DE",
                    "currency": "EUR",
                    "time_zone": "Europe/Berlin",
                    "billing_cycle_day": 1,
                    "locale": "de-DE",
                }
            )
            billing.subscriptions.create(f"K{n:04d}", "line", dt.date(2026, 3, 1))


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.db
def test_a_bill_run_killed_midway_resumes_without_duplicates_or_gaps(
    fresh_db: str, tmp_path: Path
) -> None:
    _setup(fresh_db)
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "unused")}
    command = [sys.executable, "-m", "tarifa", "bill-run", "--date", "2026-04-01", "--finalize"]
    victim = subprocess.Popen(
        [*command, "--workers", "2", "--batch-size", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its workers too, as when the machine goes down
    )
    done = "SELECT count(*) FROM bill_run_accounts WHERE status <> 'pending'"
    deadline = time.monotonic() + 60
    while _count(fresh_db, done) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    worked = _count(fresh_db, done)
    assert 20 <= worked < ACCOUNTS, "the run was not killed midway"
    result = subprocess.run(
        [*command, "--json"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert (summary["accounts"], summary["completed"], summary["failures"]) == (
        ACCOUNTS,
        True,
        [],
    )
    # Nothing twice, nothing skipped: every account has its two invoices, all finalized,
    # numbered 1..2 x ACCOUNTS with no gap; one run, resumed.
    assert _count(fresh_db, "SELECT count(*) FROM bill_runs") == 1
    assert summary["finalized"] == 2 * ACCOUNTS
    assert _count(fresh_db, "SELECT count(*) FROM invoices WHERE status = 'finalized'") == (
        2 * ACCOUNTS
    )
    assert _count(fresh_db, "SELECT count(DISTINCT (account_id, billing_date)) FROM invoices") == (
        2 * ACCOUNTS
    )
    assert (
        _count(
            fresh_db,
            "SELECT count(*) FROM invoices"
            " WHERE right(number, 6)::int BETWEEN 1 AND 480 AND number LIKE 'INV-2026-%'",
        )
        == 2 * ACCOUNTS
    )
    assert _count(fresh_db, "SELECT count(DISTINCT number) FROM invoices") == 2 * ACCOUNTS
    assert _count(fresh_db, "SELECT count(*) FROM invoice_lines") == 2 * ACCOUNTS
