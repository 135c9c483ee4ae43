"""Dunning per plan: an account follows its plan's schedule (the strictest of its plans'),
else the installation's; a write-off step writes off what is left of the invoice (ledger:
write-offs +, receivable -) and the subscriptions stay suspended."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from ledger_checks import assert_books_balance
from tarifa.errors import ValidationError
from tarifa.facade import Billing

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


def _catalog(tmp_path: Path, schedules: dict[str, list[dict[str, Any]]]) -> Path:
    """The example mobile catalog with dunning schedules on some plans."""
    document = yaml.safe_load((ROOT / "examples" / "catalog" / "mobile.yaml").read_text())
    for plan in document["plans"]:
        if plan["code"] in schedules:
            plan["dunning"] = schedules[plan["code"]]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _steps(text: str) -> list[dict[str, Any]]:
    return [{"day": int(d), "action": a} for d, a in (p.split(":") for p in text.split(","))]


def _setup(billing: Billing, catalog: Path, *plans: str) -> int:
    """An account on `plans` from 1 March; its 1 March invoice finalized, due 31 March."""
    billing.catalog.load(catalog)
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "PLN",
            "kind": "person",
            "legal_name": "Paul Plan",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    for plan in plans:
        billing.subscriptions.create("PLN", plan, D(2026, 3, 1))
    (draft,) = billing.invoices.bill("PLN", on=D(2026, 3, 1))
    return billing.invoices.finalize(draft.id, issue_date=D(2026, 3, 1)).id


def test_the_plans_schedule_reminds_suspends_and_writes_off(
    billing: Billing, tmp_path: Path
) -> None:
    catalog = _catalog(tmp_path, {"mobile-s": _steps("2:remind,5:suspend,10:write_off")})
    invoice_id = _setup(billing, catalog, "mobile-s")
    assert dict(billing.payments.dunning(on=D(2026, 4, 2)).actions) == {"remind": 1}
    suspended = billing.payments.dunning(on=D(2026, 4, 5))
    (sub,) = billing.subscriptions.of_account("PLN")
    assert (dict(suspended.actions), suspended.suspended) == ({"suspend": 1}, [sub.id])
    billing.payments.receive("PLN", Decimal("1.89"))  # a part, the rest is written off
    written = billing.payments.dunning(on=D(2026, 4, 10))
    assert dict(written.actions) == {"write_off": 1}
    assert written.written_off == [("INV-2026-000001", Decimal("10.00"))]
    invoice = billing.invoices.get(invoice_id)
    assert (invoice.state, invoice.balance, invoice.written_off, invoice.allocated) == (
        "written_off", Decimal(0), Decimal("10.00"), Decimal("1.89"),
    )  # fmt: skip
    (balance,) = billing.ledger.balance("PLN")
    assert balance.receivable == Decimal(0)
    books = {(r.kind, r.subject): r.balance for r in billing.ledger.trial_balance()}
    assert books[("write_offs", "bad_debt")] == Decimal("10.00")
    assert billing.ledger.aging(D(2026, 4, 10)) == []  # nothing left to age
    assert "invoice.written_off" in [
        e["action"] for e in billing.audit.entries("invoice", invoice_id)
    ]
    later = billing.payments.dunning(on=D(2026, 4, 11))
    assert (later.overdue, later.resumed) == (0, [])  # written off: stays suspended
    timeline = billing.subscriptions.get(sub.id).timeline
    assert timeline.on(D(2026, 4, 11)).state.value == "suspended"  # type: ignore[union-attr]
    assert billing.payments.dunning(on=D(2026, 4, 10)).written_off == []  # once
    with pytest.raises(ValidationError, match="was written off"):  # no credit for unpaid money
        billing.invoices.credit(invoice_id, reason="goodwill", positions=[1])
    assert_books_balance(billing)


def test_an_account_on_two_plans_follows_the_one_that_suspends_first(
    billing: Billing, tmp_path: Path
) -> None:
    catalog = _catalog(
        tmp_path,
        {"mobile-s": _steps("3:remind,40:suspend"), "roaming-eu": _steps("6:remind,12:suspend")},
    )
    _setup(billing, catalog, "mobile-s", "roaming-eu")
    assert billing.payments.dunning(on=D(2026, 4, 3)).actions == {}  # not mobile-s's day 3
    assert dict(billing.payments.dunning(on=D(2026, 4, 6)).actions) == {"remind": 1}
    report = billing.payments.dunning(on=D(2026, 4, 12))
    assert dict(report.actions) == {"suspend": 1}
    assert len(report.suspended) == 2  # both subscriptions
    assert_books_balance(billing)


def test_without_a_plan_schedule_the_installation_default_applies(
    billing: Billing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(billing, _catalog(tmp_path, {"mobile-business": _steps("1:suspend")}), "mobile-s")
    monkeypatch.setenv("TARIFA_DUNNING_SCHEDULE", "4:remind,8:write_off")
    assert billing.payments.dunning(on=D(2026, 4, 3)).actions == {}
    assert dict(billing.payments.dunning(on=D(2026, 4, 4)).actions) == {"remind": 1}
    # A schedule given to the run overrides every other.
    report = billing.payments.dunning(on=D(2026, 4, 6), schedule="5:suspend")
    assert dict(report.actions) == {"suspend": 1}
    assert dict(billing.payments.dunning(on=D(2026, 4, 8)).actions) == {"write_off": 1}
    assert_books_balance(billing)


def test_a_write_off_leaves_an_open_line_dispute_to_its_resolution(
    billing: Billing, tmp_path: Path
) -> None:
    invoice_id = _setup(
        billing, _catalog(tmp_path, {"mobile-s": _steps("3:write_off")}), "mobile-s"
    )
    dispute = billing.disputes.open_line(
        "INV-2026-000001", line=2, amount=Decimal("5.95"), reason="no SIM"
    )
    report = billing.payments.dunning(on=D(2026, 4, 3))
    assert report.written_off == [("INV-2026-000001", Decimal("5.94"))]
    invoice = billing.invoices.get(invoice_id)
    assert (invoice.balance, invoice.disputed, invoice.state) == (
        Decimal("5.95"), Decimal("5.95"), "overdue",
    )  # fmt: skip
    billing.disputes.resolve(dispute.id, accept=True, issue_date=D(2026, 4, 4))
    invoice = billing.invoices.get(invoice_id)
    assert (invoice.balance, invoice.state) == (Decimal(0), "written_off")
    assert_books_balance(billing)
