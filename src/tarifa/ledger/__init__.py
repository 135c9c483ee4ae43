"""The double-entry ledger (issue 6): postings, balances, trial balance and aging."""

from tarifa.ledger.service import AgingRow, Balance, Ledger, TrialBalanceRow, post

__all__ = ["AgingRow", "Balance", "Ledger", "TrialBalanceRow", "post"]
