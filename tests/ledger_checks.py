"""A check the scenario tests end with: the books balance (every currency's debits equal its
credits in the trial balance)."""

from __future__ import annotations

from decimal import Decimal

from tarifa.facade import Billing


def assert_books_balance(billing: Billing) -> None:
    rows = billing.ledger.trial_balance()
    assert rows, "nothing was posted"
    for currency in {r.currency for r in rows}:
        mine = [r for r in rows if r.currency == currency]
        assert sum((r.debit for r in mine), Decimal(0)) == sum((r.credit for r in mine), Decimal(0))
