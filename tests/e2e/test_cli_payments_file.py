"""`tarifa payments receive --file` in a subprocess: a CSV of payments booked whole, once."""

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
def test_a_file_of_payments_is_booked_whole_once_and_a_bad_one_not_at_all(
    fresh_db: str, tmp_path: Path
) -> None:
    """Two accounts on Mobile S billed 1 April (11.89 + 5.94 each): the file pays one of
    them in full naming its April invoice, the other in part; imported again it books
    nothing new; a file with a bad line books none of its lines."""
    with connect(fresh_db, actor="test:pytest") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        billing.sellers.add(
            yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        )
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        for external_id in ("F1", "F2"):
            billing.customers.create(
                {
                    "external_id": external_id,
                    "kind": "person",
                    "legal_name": f"{external_id} Person",
                    "country": "DE",
                    "currency": "EUR",
                    "time_zone": "Europe/Berlin",
                    "billing_cycle_day": 1,
                    "locale": "de-DE",
                }
            )
            billing.subscriptions.create(external_id, "mobile-s", dt.date(2026, 3, 1))
        billing.bill_runs.run(dt.date(2026, 4, 1), finalize=True)
        april = next(i for i in billing.invoices.of_account("F1") if i.total == Decimal("5.94"))
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "x")}

    def receive(path: Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "tarifa", "payments", "receive", "--file", str(path), "--json"],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == expect, done.stdout + done.stderr
        return done

    good = tmp_path / "payments.csv"
    good.write_text(
        "account,amount,invoice,reference,date\n"
        f"F1,17.83,{april.number},Rechnung,2026-04-03\n"
        "F2,5.00,,,2026-04-03\n"
    )
    booked = json.loads(receive(good).stdout)
    assert booked == {"payments": 2, "amount": "22.83", "allocated": "22.83", "credit": "0"}
    assert json.loads(receive(good).stdout) == booked
    with connect(fresh_db, actor="test:pytest") as billing:
        assert [len(billing.payments.of_account(a)) for a in ("F1", "F2")] == [1, 1]
        assert [i.balance for i in billing.invoices.of_account("F1")] == [Decimal(0)] * 2
    bad = tmp_path / "bad.csv"
    bad.write_text("account,amount\nF2,1.00\nF2,1.001\nF2,abc\n")
    refused = receive(bad, expect=1)
    assert "line 3: amount: must be in whole EUR minor units" not in refused.stderr
    assert "line 4: amount: must be a decimal number" in refused.stderr
    bad.write_text("account,amount\nF2,1.00\nF2,1.001\n")
    refused = receive(bad, expect=1)
    assert "line 3: amount: must be in whole EUR minor units" in refused.stderr
    with connect(fresh_db, actor="test:pytest") as billing:
        assert len(billing.payments.of_account("F2")) == 1
