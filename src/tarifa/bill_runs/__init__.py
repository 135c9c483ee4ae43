"""Bill runs: every account invoiced for its billing dates up to a date (issue 5)."""

from tarifa.bill_runs.service import AccountFailure, BillRuns, CurrencyTotal, RunSummary

__all__ = ["AccountFailure", "BillRuns", "CurrencyTotal", "RunSummary"]
