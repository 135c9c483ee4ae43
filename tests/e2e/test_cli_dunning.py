"""`tarifa dunning run` and `tarifa disputes` as processes, with a local SMTP server: the
first run the reminder's day mails it, a second run the same day sends nothing; a disputed
line is held back from dunning, accepted by a credit note; the books balance."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ledger_checks import assert_books_balance
from smtp_inbox import Inbox, smtp_server
from tarifa.facade import connect

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def tarifa(fresh_db: str, tmp_path: Path, inbox: Inbox) -> Run:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "suspension.txt").write_text(
        "Subject: Gesperrt: $invoice_number\n\n$amount_due $currency offen.\n", encoding="utf-8"
    )
    env = os.environ | {
        "TARIFA_DATABASE_URL": fresh_db,
        "TARIFA_HOME": str(tmp_path / "unused"),
        "TARIFA_SMTP_HOST": "127.0.0.1",
        "TARIFA_SMTP_PORT": str(inbox.port),
        "TARIFA_SMTP_FROM": "billing@acme.example",
        "TARIFA_DUNNING_TEMPLATES": str(templates),
    }
    env.pop("TARIFA_DUNNING_SCHEDULE", None)

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "tarifa", *args],
            env=env, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    return run


def _overdue(url: str) -> None:
    """Mobile S from 1 March; the 1 March invoice (11.89) due 31 March, unpaid."""
    with connect(url, actor="test:setup") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        billing.sellers.add(
            yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        )
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        billing.customers.create(
            {"external_id": "CLI", "kind": "person", "legal_name": "Cleo Li", "country": "DE",
             "currency": "EUR", "time_zone": "Europe/Berlin", "billing_cycle_day": 1,
             "locale": "de-DE", "emails": ["cleo@example.org"]},
        )  # fmt: skip
        billing.subscriptions.create("CLI", "mobile-s", dt.date(2026, 3, 1))
        (draft,) = billing.invoices.bill("CLI", on=dt.date(2026, 3, 1))
        billing.invoices.finalize(draft.id, issue_date=dt.date(2026, 3, 1))


def test_a_dunning_run_mails_the_reminder_once_and_a_disputed_line_waits_for_its_end(
    tarifa: Run, fresh_db: str, inbox: Inbox
) -> None:
    _overdue(fresh_db)
    first = json.loads(tarifa("dunning", "run", "--date", "2026-04-03", "--json").stdout)
    assert (first["actions"], first["mail"]) == ({"remind": 1}, {"sent": 1})
    again = json.loads(tarifa("dunning", "run", "--date", "2026-04-03", "--json").stdout)
    assert (again["actions"], again["mail"]) == ({}, {})
    ((recipients, message),) = inbox.messages
    assert recipients == ["cleo@example.org"]
    assert message["Subject"] == "Zahlungserinnerung: Rechnung INV-2026-000001"
    assert "Offen sind noch 11.89 EUR" in message.get_content()

    opened = json.loads(
        tarifa("disputes", "open-line", "INV-2026-000001", "--line", "2", "--amount", "5.95",
               "--reason", "SIM never arrived", "--json").stdout
    )  # fmt: skip
    dispute = str(opened["id"])
    tarifa("disputes", "evidence", dispute, "--note", "Tracking shows no delivery")
    shown = json.loads(tarifa("disputes", "show", dispute, "--json").stdout)
    assert [n["note"] for n in shown["notes"]] == ["Tracking shows no delivery"]
    listed = json.loads(tarifa("disputes", "list", "--status", "open", "--json").stdout)
    assert [(d["kind"], d["amount"]) for d in listed] == [("line", "5.95")]
    # Day 21: suspended for what is not disputed (5.94); the override template says so.
    late = json.loads(tarifa("dunning", "run", "--date", "2026-04-21", "--json").stdout)
    assert (late["actions"], late["passed_over"], late["mail"]) == (
        {"suspend": 1}, 2, {"sent": 1},
    )  # fmt: skip
    suspension = inbox.messages[-1][1]
    assert suspension["Subject"] == "Gesperrt: INV-2026-000001"
    assert suspension.get_content().strip() == "5.94 EUR offen."
    refused = tarifa("disputes", "resolve", dispute, expect=1)
    assert "--accept/--reject" in refused.stderr
    won = json.loads(tarifa("disputes", "resolve", dispute, "--accept", "--json").stdout)
    assert won["status"] == "won"
    with connect(fresh_db, actor="test:check") as billing:
        (invoice,) = billing.invoices.of_account("CLI")
        assert (invoice.balance, invoice.credited) == (Decimal("5.94"), Decimal("5.95"))
        assert_books_balance(billing)
