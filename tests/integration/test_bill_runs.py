"""Bill runs: every account's billing dates invoiced once, drafts finalized after the grace
period, a dry run that writes nothing, a bad account that fails alone, and two runs at once
that never bill anyone twice."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

import tarifa
from tarifa.facade import Billing

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date
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


def _setup(billing: Billing, accounts: int) -> None:
    """`accounts` consumers in Germany (A000, A001...), each on a 10.00 monthly line from 1
    March 2026, billing day 1: invoices on 1 March (March in advance) and 1 April (April in
    advance), 10.00 + 19 % = 11.90 each."""
    billing.catalog.load_text(CATALOG, name="line.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    for n in range(accounts):
        billing.customers.create(
            {
                "external_id": f"A{n:03d}",
                "kind": "person",
                "legal_name": f"Person {n}",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "de-DE",
            }
        )
        billing.subscriptions.create(f"A{n:03d}", "line", D(2026, 3, 1))


def _invoices(billing: Billing) -> list[tuple[int, dt.date, str, str | None]]:
    with billing.db.transaction() as conn:
        rows = conn.execute(
            "SELECT account_id, billing_date, status, number FROM invoices"
            " ORDER BY account_id, billing_date"
        ).fetchall()
    return [(r["account_id"], r["billing_date"], r["status"], r["number"]) for r in rows]  # type: ignore[misc]


def test_a_run_invoices_every_account_once_and_a_second_run_changes_nothing(
    billing: Billing,
) -> None:
    _setup(billing, 3)
    """On 1 April with the default 3 days of grace, the 1 March invoices are finalized and
    the 1 April ones stay drafts: 3 x 11.90 = 35.70 each."""
    first = billing.bill_runs.run(D(2026, 4, 1), batch_size=2)
    assert (first.accounts, first.drafted, first.finalized, first.completed) == (3, 6, 3, True)
    assert [(t.status, t.currency, t.invoices, t.total) for t in first.totals] == [
        ("draft", "EUR", 3, Decimal("35.70")),
        ("finalized", "EUR", 3, Decimal("35.70")),
    ]
    made = _invoices(billing)
    again = billing.bill_runs.run(D(2026, 4, 1))
    assert (again.drafted, again.finalized) == (0, 0)
    assert _invoices(billing) == made
    assert len(made) == 6


def test_drafts_are_finalized_once_their_billing_date_is_past_the_grace_period(
    billing: Billing,
) -> None:
    """On 2 April with 3 days of grace, drafts up to 30 March are final: the 1 March ones;
    the 1 April ones wait for late usage until the run of 4 April."""
    _setup(billing, 2)
    early = billing.bill_runs.run(D(2026, 4, 2), grace_days=3)
    assert (early.drafted, early.finalized) == (4, 2)
    assert [(day, status) for _, day, status, _ in _invoices(billing)] == [
        (D(2026, 3, 1), "finalized"),
        (D(2026, 4, 1), "draft"),
    ] * 2
    later = billing.bill_runs.run(D(2026, 4, 4), grace_days=3)
    assert (later.drafted, later.finalized) == (0, 2)
    numbers = sorted(str(n) for *_, n in _invoices(billing))
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 5)]


def test_finalize_numbers_every_invoice_at_once_without_a_gap(billing: Billing) -> None:
    _setup(billing, 3)
    summary = billing.bill_runs.run(D(2026, 4, 1), finalize=True)
    assert (summary.drafted, summary.finalized) == (6, 6)
    invoices = _invoices(billing)
    assert {status for _, _, status, _ in invoices} == {"finalized"}
    assert sorted(str(n) for *_, n in invoices) == [f"INV-2026-{n:06d}" for n in range(1, 7)]
    issued = billing.invoices.of_account("A000")[0]
    assert (issued.issue_date, issued.due_date) == (D(2026, 4, 1), D(2026, 5, 1))


def test_a_dry_run_shows_the_invoices_and_writes_nothing(billing: Billing) -> None:
    _setup(billing, 2)
    with billing.db.transaction() as conn:
        before = conn.execute(
            "SELECT (SELECT count(*) FROM audit_log) AS audit,"
            " (SELECT count(*) FROM bill_runs) AS runs, (SELECT count(*) FROM invoices) AS inv"
        ).fetchone()
    summary = billing.bill_runs.run(D(2026, 4, 1), dry_run=True, finalize=True)
    assert (summary.run_id, summary.dry_run, summary.accounts) == (None, True, 2)
    assert (summary.drafted, summary.finalized) == (4, 4)
    assert [(t.invoices, t.total) for t in summary.totals] == [(4, Decimal("47.60"))]
    with billing.db.transaction() as conn:
        after = conn.execute(
            "SELECT (SELECT count(*) FROM audit_log) AS audit,"
            " (SELECT count(*) FROM bill_runs) AS runs, (SELECT count(*) FROM invoices) AS inv"
        ).fetchone()
    assert after == before


def test_one_account_that_fails_does_not_stop_the_run(billing: Billing) -> None:
    """A001's currency was changed behind the catalog's back: the plan has no USD price."""
    _setup(billing, 3)
    with billing.db.transaction() as conn:
        conn.execute("UPDATE customers SET currency = 'USD' WHERE external_id = 'A001'")
    summary = billing.bill_runs.run(D(2026, 4, 1), finalize=True)
    assert [f.external_id for f in summary.failures] == ["A001"]
    assert "USD" in summary.failures[0].reason
    assert (summary.drafted, summary.finalized) == (4, 4)
    assert billing.invoices.of_account("A001") == []
    assert len(billing.invoices.of_account("A002")) == 2


def test_two_runs_at_once_never_bill_an_account_twice(fresh_db: str) -> None:
    """Two runs of the same day, one finalizing and one not (so they do not share a queue),
    in threads with connections of their own: each account ends with its two invoices, the
    numbers taken are gapless."""
    with tarifa.connect(fresh_db, actor="test:setup") as billing:
        _setup(billing, 40)
    results = []

    def run(finalize: bool) -> None:
        with tarifa.connect(fresh_db, actor=f"test:run-{finalize}") as billing:
            results.append(billing.bill_runs.run(D(2026, 4, 1), finalize=finalize, batch_size=7))

    threads = [threading.Thread(target=run, args=(f,)) for f in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.failures for r in results] == [(), ()]
    with tarifa.connect(fresh_db, actor="test:check") as billing:
        invoices = _invoices(billing)
    assert len(invoices) == 80
    assert len({(account, day) for account, day, _, _ in invoices}) == 80
    numbers = sorted(str(n) for *_, n in invoices if n is not None)
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, len(numbers) + 1)]
    assert sum(r.drafted for r in results) == 80


def test_the_documents_of_a_run_are_its_finalized_invoices(billing: Billing) -> None:
    _setup(billing, 2)
    summary = billing.bill_runs.run(D(2026, 4, 1), finalize=True)
    assert summary.run_id is not None
    ids = billing.documents.finalized_of_bill_run(summary.run_id)
    assert len(ids) == summary.finalized == 4
    pdfs = [billing.documents.render(i, "pdf") for i in ids]
    assert all(p.startswith(b"%PDF") for p in pdfs)
