"""`tarifa sandbox serve` and `tarifa payments collect|resolve` as processes: a collector
killed with SIGKILL between the gateway's charge and its own commit leaves the attempt
pending; `tarifa payments resolve` finds the charge; the sandbox's own log holds exactly one
charge, and collecting again charges nothing."""

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
from tarifa.payments.sandbox import SandboxGateway

ROOT = Path(__file__).resolve().parents[2]


def _invoice(url: str) -> int:
    """Mobile S from 1 March: the 1 March invoice finalized (11.89, due 31 March), paid by
    the card pm_card_visa."""
    with connect(url, actor="test:setup") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        billing.sellers.add(
            yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        )
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        billing.customers.create(
            {
                "external_id": "KILL",
                "kind": "person",
                "legal_name": "Kim Ill",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "de-DE",
            }
        )
        billing.payment_methods.add(
            "KILL",
            {"kind": "card", "gateway": "sandbox", "token": "pm_card_visa", "brand": "visa",
             "last4": "4242", "exp_month": 12, "exp_year": 2030},
            today=dt.date(2026, 3, 1),
        )  # fmt: skip
        billing.subscriptions.create("KILL", "mobile-s", dt.date(2026, 3, 1))
        (draft,) = billing.invoices.bill("KILL", on=dt.date(2026, 3, 1))
        return billing.invoices.finalize(draft.id, issue_date=dt.date(2026, 3, 1)).id


def _status(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [str(r[0]) for r in conn.execute("SELECT status FROM payments ORDER BY id")]


@pytest.mark.db
def test_a_collector_killed_after_the_charge_is_resolved_without_a_second_charge(
    fresh_db: str, tmp_path: Path
) -> None:
    invoice = _invoice(fresh_db)
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "x")}
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "tarifa", "sandbox", "serve", "--port", "0",
         "--state", str(tmp_path / "charges.jsonl")],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert sandbox.stdout is not None
        url = sandbox.stdout.readline().split()[3]  # "sandbox gateway on http://127.0.0.1:P"
        gateway = SandboxGateway(url)
        gateway.delay_next(60)  # the charge is made, its answer held back
        tarifa = [sys.executable, "-m", "tarifa", "payments"]
        collector = subprocess.Popen(
            [*tarifa, "collect", "--date", "2026-04-02", "--gateway-url", url, "--timeout", "120"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not gateway.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _status(fresh_db) == ["pending"]  # committed before the gateway was called
        collector.send_signal(signal.SIGKILL)  # between the gateway's charge and the commit
        collector.wait()
        assert _status(fresh_db) == ["pending"]
        resolved = subprocess.run(
            [*tarifa, "resolve", "--gateway-url", url, "--older-than", "0", "--json"],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        assert json.loads(resolved.stdout)["succeeded"] == 1
        again = subprocess.run(
            [*tarifa, "collect", "--date", "2026-04-02", "--gateway-url", url, "--json"],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        assert json.loads(again.stdout)["attempted"] == 0
        charges = gateway.log()
        assert [c["idempotency_key"] for c in charges] == [f"collect:{invoice}:1"]
        assert _status(fresh_db) == ["succeeded"]
        with connect(fresh_db, actor="test:check") as billing:
            assert billing.invoices.get(invoice).state == "paid"
    finally:
        sandbox.kill()
        sandbox.wait()
