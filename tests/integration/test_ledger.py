"""The double-entry ledger: every finalized invoice, credit note and allocation posts one
balanced entry in the same transaction; balances, the trial balance and the aging are read
from the journal and agree with the invoices' own balances (the oracle)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import yaml

import tarifa
from tarifa.facade import Billing
from tarifa.invoices.service import Invoice

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


def _shop(billing: Billing) -> None:
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")


def _customer(billing: Billing, external_id: str) -> None:
    billing.customers.create(
        {
            "external_id": external_id,
            "kind": "person",
            "legal_name": f"Person {external_id}",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.subscriptions.create(external_id, "mobile-s", D(2026, 3, 1))


@pytest.fixture
def march(billing: Billing) -> Invoice:
    """Mobile S from 1 March: the 1 March invoice, finalized: fee 4.99 (product mobile-line)
    and activation 5.00 (sim-activation), VAT 19 % 1.90, total 11.89, due 31 March."""
    _shop(billing)
    _customer(billing, "LG")
    (draft,) = billing.invoices.bill("LG", on=D(2026, 3, 1))
    return billing.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))


def _accounts(billing: Billing) -> dict[tuple[str, str], Decimal]:
    return {(r.kind, r.subject): r.balance for r in billing.ledger.trial_balance() if r.balance}


def test_a_finalized_invoice_posts_receivable_revenue_per_product_and_vat(
    billing: Billing, march: Invoice
) -> None:
    customer = str(march.account_id)
    assert _accounts(billing) == {
        ("receivable", customer): Decimal("11.89"),
        ("revenue", "mobile-line"): Decimal("-4.99"),
        ("revenue", "sim-activation"): Decimal("-5.00"),
        ("tax_payable", "DE"): Decimal("-1.90"),
    }
    (balance,) = billing.ledger.balance("LG")
    assert (balance.currency, balance.receivable, balance.credit, balance.owed) == (
        "EUR",
        Decimal("11.89"),
        Decimal(0),
        Decimal("11.89"),
    )


def test_credit_notes_and_payments_post_and_the_balance_follows_the_invoice(
    billing: Billing, march: Invoice
) -> None:
    """Crediting the activation (5.00 + 0.95) leaves 5.94 receivable; a payment of 5.94
    moves it to the bank; the ledger's balance is the invoice's own balance throughout."""
    billing.invoices.credit(march.id, positions=[2], reason="activation waived")
    (balance,) = billing.ledger.balance("LG")
    assert balance.receivable == billing.invoices.get(march.id).balance == Decimal("5.94")
    billing.invoices.allocate(march.id, Decimal("5.94"), reference="transfer")
    (balance,) = billing.ledger.balance("LG")
    assert balance.receivable == billing.invoices.get(march.id).balance == Decimal(0)
    accounts = _accounts(billing)
    assert accounts[("cash", "bank")] == Decimal("5.94")
    assert accounts[("revenue", "mobile-line")] == Decimal("-4.99")
    assert ("revenue", "sim-activation") not in accounts  # credited back to zero
    assert accounts[("tax_payable", "DE")] == Decimal("-0.95")


def test_customer_credit_is_a_liability_until_an_invoice_uses_it(
    billing: Billing, march: Invoice
) -> None:
    """Paid 11.89, then the activation credited (5.95): 5.95 of customer credit, owed -5.95
    (tarifa owes it). The 1 April invoice (5.94) uses 5.94 of it: 0.01 left."""
    billing.invoices.allocate(march.id, Decimal("11.89"))
    billing.invoices.credit(march.id, positions=[2], reason="activation waived")
    (balance,) = billing.ledger.balance("LG")
    assert (balance.receivable, balance.credit, balance.owed) == (
        Decimal(0),
        Decimal("5.95"),
        Decimal("-5.95"),
    )
    (april,) = [i for i in billing.invoices.bill("LG", on=D(2026, 4, 1)) if i.status == "draft"]
    billing.invoices.finalize(april.id, issue_date=D(2026, 4, 1))
    (balance,) = billing.ledger.balance("LG")
    assert (balance.receivable, balance.credit) == (Decimal(0), Decimal("0.01"))


def test_the_database_refuses_an_unbalanced_entry_and_any_change_to_a_posted_one(
    billing: Billing, march: Invoice
) -> None:
    with billing.db.transaction() as conn:
        account = conn.execute("SELECT min(id) AS id FROM ledger_accounts").fetchone()
    assert account is not None
    with pytest.raises(psycopg.errors.CheckViolation), billing.db.transaction() as conn:
        _one_sided_entry(conn, account["id"])
    with pytest.raises(psycopg.errors.RestrictViolation), billing.db.transaction() as conn:
        conn.execute("UPDATE journal_lines SET debit = debit + 1 WHERE debit > 0")
    with pytest.raises(psycopg.errors.RestrictViolation), billing.db.transaction() as conn:
        conn.execute("DELETE FROM journal_entries")


def _one_sided_entry(conn: psycopg.Connection[dict[str, object]], account: object) -> None:
    conn.execute(
        "WITH e AS (INSERT INTO journal_entries (kind, effective_date, description, actor)"
        " VALUES ('write_off', '2026-04-01', 'one-sided', 'test') RETURNING id)"
        " INSERT INTO journal_lines (entry_id, position, ledger_account_id, debit)"
        " SELECT e.id, 1, %s, 10 FROM e",
        (account,),
    )
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would check


def test_aging_puts_what_is_owed_in_buckets_by_days_past_due(
    billing: Billing, march: Invoice
) -> None:
    """Due 31 March: current on 31 March, 1-30 days on 15 April, 31-60 on 15 May, 90+ in
    July; paid, it leaves the report."""
    owed = Decimal("11.89")
    buckets = {
        D(2026, 3, 31): "current",
        D(2026, 4, 15): "days_1_30",
        D(2026, 5, 15): "days_31_60",
        D(2026, 6, 20): "days_61_90",
        D(2026, 7, 15): "days_over_90",
    }
    for day, bucket in buckets.items():
        (row,) = billing.ledger.aging(day)
        assert (row.external_id, getattr(row, bucket), row.total) == ("LG", owed, owed)
    billing.invoices.allocate(march.id, owed)
    assert billing.ledger.aging(D(2026, 7, 15)) == []


def test_a_bill_run_posts_every_invoice_and_the_trial_balance_adds_up(fresh_db: str) -> None:
    """Twelve accounts billed on 1 March and 1 April (finalized): the receivables equal the
    invoices' totals, and debits equal credits."""
    with tarifa.connect(fresh_db, actor="test:ledger") as billing:
        _shop(billing)
        for n in range(12):
            _customer(billing, f"R{n:02d}")
        summary = billing.bill_runs.run(D(2026, 4, 1), finalize=True, batch_size=5)
        rows = billing.ledger.trial_balance()
        with billing.db.transaction() as conn:
            totals = conn.execute("SELECT sum(total) AS total FROM invoices").fetchone()
    assert summary.finalized == 24
    assert totals is not None
    assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
    assert sum(r.balance for r in rows if r.kind == "receivable") == totals["total"]
