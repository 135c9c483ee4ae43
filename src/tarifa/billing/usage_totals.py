"""A subscription's usage of a billing period, in the units its plan prices it in: the I/O
edge between stored usage (usage_records, rated_usage) and :mod:`tarifa.billing.usage_lines`.

A usage charge counts the billable records of its product's service (voice calls, data
sessions, SMS, MMS, video) that name the subscription (their usage identifier was bound to
it at the event time) and started in the period's instants. The records' usage, in seconds,
bytes or events, becomes the charge's unit (minutes, MB = 10^6 bytes, GiB = 2^30 bytes...:
:attr:`tarifa.catalog.model.Unit.base`), exactly. A charge rated by a tariff gets the
rated records' precise cost instead. One statement per kind over all the windows asked for,
so a bill run reads the month once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from tarifa.billing.usage_lines import CATEGORIES, RatedAllowance
from tarifa.catalog.model import Catalog, ChargeKind, PlanVersion
from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.money import ARITHMETIC_PRECISION

_SQL = queries.load("billing")


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    subscription_id: int
    start: dt.datetime
    end: dt.datetime
    #: The invoice's currency: rated costs in another currency are not counted.
    currency: str
    #: Allowances of tariff-rated charges, consumed by the window's rated records.
    allowances: tuple[RatedAllowance, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    """Per (category, unit) the usage in that unit, and per category the rated cost."""

    usage: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    rated: Mapping[str, Decimal] = field(default_factory=dict)

    def for_plan(
        self, catalog: Catalog, version: PlanVersion
    ) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
        """(metric totals, rated costs by charge code) for `version`'s usage charges, as
        :func:`tarifa.billing.usage_lines.usage_lines` takes them."""
        metrics: dict[str, Decimal] = {}
        rated: dict[str, Decimal] = {}
        for charge in version.charges:
            if charge.kind is not ChargeKind.USAGE:
                continue
            category = CATEGORIES.get(catalog.product(charge.product).service)
            if category is None:
                continue
            if charge.tariff is not None and not charge.prices:
                rated[charge.code] = self.rated.get(category, Decimal(0))
                continue
            if charge.unit is None:
                continue
            base, factor = charge.unit.base
            used = self.usage.get((category, base), Decimal(0))
            with localcontext(prec=ARITHMETIC_PRECISION):
                metrics[charge.metric or charge.code] = used / factor
        return metrics, rated


def usage_totals(conn: Connection, windows: Sequence[Window]) -> list[Totals]:
    """The usage and rated cost of each window's subscription in its window, in the order of
    `windows`, in the caller's transaction (empty totals where there was none)."""
    conn.execute("DROP TABLE IF EXISTS pg_temp.billing_windows")
    conn.execute(_SQL["create_windows"])
    with conn.cursor().copy(_SQL["copy_windows"]) as copy:
        for n, w in enumerate(windows):
            copy.write_row((n, w.subscription_id, w.start, w.end, w.currency))
    conn.execute("DROP TABLE IF EXISTS pg_temp.billing_window_allowances")
    conn.execute(_SQL["create_window_allowances"])
    with conn.cursor().copy(_SQL["copy_window_allowances"]) as copy:
        for n, w in enumerate(windows):
            for a in w.allowances:
                copy.write_row((n, a.category, a.included, list(a.destinations) or None))
    usage: list[dict[tuple[str, str], Decimal]] = [{} for _ in windows]
    rated: list[dict[str, Decimal]] = [{} for _ in windows]
    if windows:
        rows: list[dict[str, Any]] = conn.execute(_SQL["usage_in_windows"]).fetchall()
        for row in rows:
            usage[row["n"]][(str(row["category"]), str(row["unit"]))] = Decimal(row["usage"])
        costs: list[dict[str, Any]] = conn.execute(_SQL["rated_in_windows"]).fetchall()
        for row in costs:
            rated[row["n"]][str(row["category"])] = Decimal(row["cost"])
    return [Totals(usage=u, rated=r) for u, r in zip(usage, rated, strict=True)]


__all__ = ["CATEGORIES", "Totals", "Window", "usage_totals"]
