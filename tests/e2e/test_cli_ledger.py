"""`tarifa ledger balance|trial-balance` and `tarifa reports aging` in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tarifa.facade import connect

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.db
def test_balances_the_trial_balance_and_the_aging_come_from_the_ledger(
    fresh_db: str, tmp_path: Path
) -> None:
    """Mobile S from 1 March, billed and finalized on 1 April: 11.89 (1 March: fee 4.99,
    activation 5.00, VAT 1.90) and 5.94 (1 April: no usage, April's fee 4.99, VAT 0.95), both
    due 30 days after 1 April: 17.83 owed, current on 1 May, 1-30 days on 15 May."""
    with connect(fresh_db, actor="test:pytest") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        billing.sellers.add(
            yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        )
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        billing.customers.create(
            {
                "external_id": "CLI",
                "kind": "person",
                "legal_name": "Carla Lind",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "de-DE",
            }
        )
        billing.subscriptions.create("CLI", "mobile-s", dt.date(2026, 3, 1))
        billing.bill_runs.run(dt.date(2026, 4, 1), finalize=True)
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "x")}

    def run(*args: str) -> object:
        out = subprocess.run(
            [sys.executable, "-m", "tarifa", *args, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(out.stdout, parse_float=Decimal)

    assert run("ledger", "balance", "CLI") == [
        {"currency": "EUR", "receivable": "17.83", "credit": "0", "owed": "17.83"}
    ]
    rows = run("ledger", "trial-balance")
    assert isinstance(rows, list)
    assert sum(Decimal(r["debit"]) for r in rows) == sum(Decimal(r["credit"]) for r in rows)
    (current,) = run("reports", "aging", "--date", "2026-05-01")  # type: ignore[misc]
    (late,) = run("reports", "aging", "--date", "2026-05-15")  # type: ignore[misc]
    assert (current["current"], current["total"]) == ("17.83", "17.83")
    assert (late["days_1_30"], late["current"]) == ("17.83", "0")


@pytest.mark.db
def test_payment_methods_are_added_listed_and_refused_from_the_command_line(
    fresh_db: str, tmp_path: Path
) -> None:
    with connect(fresh_db, actor="test:pytest") as billing:
        billing.customers.create(
            {
                "external_id": "PMC",
                "kind": "person",
                "legal_name": "Pia Muster",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "de-DE",
            }
        )
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "x")}

    def tarifa(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "tarifa", "payment-methods", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == expect, done.stdout + done.stderr
        return done

    tarifa("add", "PMC", "--kind", "card", "--gateway", "sandbox", "--token", "pm_card_visa",
           "--brand", "visa", "--last4", "4242", "--exp", "12/2030")  # fmt: skip
    refused = tarifa("add", "PMC", "--kind", "card", "--gateway", "sandbox", "--token",
                     "4242424242424242", "--brand", "visa", "--last4", "4242", "--exp",
                     "12/2030", expect=1)  # fmt: skip
    assert "token: holds a card number" in refused.stderr
    (method,) = json.loads(tarifa("list", "PMC", "--json").stdout)
    assert (method["display"], method["is_default"]) == ("visa •••• 4242 (12/2030)", True)


@pytest.mark.db
def test_a_payment_received_from_the_command_line_pays_and_leaves_credit(
    fresh_db: str, tmp_path: Path
) -> None:
    """The same two invoices as above (17.83); 20.00 received: both paid, 2.17 credit."""
    with connect(fresh_db, actor="test:pytest") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        billing.sellers.add(
            yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        )
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        billing.customers.create(
            {
                "external_id": "RCV",
                "kind": "person",
                "legal_name": "Rita Cv",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "de-DE",
            }
        )
        billing.subscriptions.create("RCV", "mobile-s", dt.date(2026, 3, 1))
        billing.bill_runs.run(dt.date(2026, 4, 1), finalize=True)
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "x")}
    args = [sys.executable, "-m", "tarifa", "payments", "receive", "RCV", "20.00"]
    done = subprocess.run(
        [*args, "--key", "k1", "--json"], env=env, capture_output=True, text=True, check=True
    )
    payment = json.loads(done.stdout)
    assert (payment["credit"], len(payment["allocations"])) == ("2.17", 2)
    again = subprocess.run(
        [*args, "--key", "k1", "--json"], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(again.stdout)["id"] == payment["id"]
    refund = subprocess.run(
        [sys.executable, "-m", "tarifa", "refunds", "create", str(payment["id"]),
         "--reason", "overpaid", "--iban", "DE89370400440532013000", "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert (json.loads(refund.stdout)["amount"], json.loads(refund.stdout)["status"]) == (
        "2.17",
        "pending",
    )
    exported = subprocess.run(
        [sys.executable, "-m", "tarifa", "refunds", "export", "-o",
         str(tmp_path / "refunds.xml"), "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(exported.stdout)["refunds"] == 1
    assert (tmp_path / "refunds.xml").read_bytes().startswith(b"<?xml")
