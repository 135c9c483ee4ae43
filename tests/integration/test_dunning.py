"""Dunning: each step once per overdue invoice, a late run passes over the earlier steps,
suspension of the account's subscriptions, and their resumption once nothing is overdue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tarifa.facade import Billing

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


@pytest.fixture
def late(billing: Billing) -> Billing:
    """Mobile S from 1 March; the 1 March invoice (11.89) finalized, due 31 March, unpaid."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "DUN",
            "kind": "person",
            "legal_name": "Dora Un",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.subscriptions.create("DUN", "mobile-s", D(2026, 3, 1))
    (draft,) = billing.invoices.bill("DUN", on=D(2026, 3, 1))
    billing.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))
    return billing


def test_each_step_is_taken_once_on_its_day(late: Billing) -> None:
    """Due 31 March: day 3 is 3 April (a reminder), day 7 is 7 April (a retry)."""
    assert late.payments.dunning(on=D(2026, 4, 2)).actions == {}
    first = late.payments.dunning(on=D(2026, 4, 3))
    assert (first.overdue, dict(first.actions)) == (1, {"remind": 1})
    assert late.payments.dunning(on=D(2026, 4, 3)).actions == {}  # the same day again
    assert dict(late.payments.dunning(on=D(2026, 4, 7)).actions) == {"retry": 1}


def test_a_late_run_suspends_and_payment_resumes(late: Billing) -> None:
    """First run on 22 April (day 22): only the suspension is taken, the three earlier steps
    are passed over; the subscription is suspended from 22 April. Paid on 25 April, the next
    run resumes it from that day."""
    report = late.payments.dunning(on=D(2026, 4, 22))
    assert (dict(report.actions), report.passed_over) == ({"suspend": 1}, 3)
    (sub,) = late.subscriptions.of_account("DUN")
    assert [s.state.value for s in late.subscriptions.get(sub.id).timeline.segments][-1] == (
        "suspended"
    )
    assert report.suspended == [sub.id]
    late.payments.receive("DUN", Decimal("11.89"))
    after = late.payments.dunning(on=D(2026, 4, 25))
    assert after.resumed == [sub.id]
    timeline = late.subscriptions.get(sub.id).timeline
    assert timeline.on(D(2026, 4, 25)).state.value == "active"  # type: ignore[union-attr]
    assert late.payments.dunning(on=D(2026, 4, 26)).resumed == []
