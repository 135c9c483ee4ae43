"""Billing: cycles and proration (pure), to be joined by subscriptions, invoices and bill
runs (issue 5)."""

from tarifa.billing.cycles import Alignment, Cycle, Period, cycle, day_start
from tarifa.billing.proration import prorate, share

__all__ = ["Alignment", "Cycle", "Period", "cycle", "day_start", "prorate", "share"]
