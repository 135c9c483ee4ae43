"""Allowances over rated usage: the I/O edge of sql/functions/billing.sql.

A plan's allowance (200 included minutes, 5 GB) over usage rated by a tariff is consumed in
event-time order by a stored procedure (a running sum by window function over the month's
rated records): the records inside it cost nothing, the one that crosses its end is charged
for the part beyond it, in proportion, the rest as rated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tarifa.db.connection import Connection


@dataclass(frozen=True, slots=True, kw_only=True)
class Allowance:
    """`included` units of `unit` usage units each (60 for minutes of seconds, 1000000 for
    MB of bytes) for `category` (call, data, sms...) of `account_id`'s rated usage."""

    account_id: int
    category: str
    included: Decimal
    unit: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Consumption:
    usage_id: int
    started_at: dt.datetime
    account_id: int
    category: str
    billed: Decimal
    covered: Decimal
    cost: Decimal
    charged_cost: Decimal


def consume(
    conn: Connection, allowances: Sequence[Allowance], start: dt.datetime, end: dt.datetime
) -> list[Consumption]:
    """How the `allowances` cover the rated usage of events in [start, end), per record, in
    the caller's transaction."""
    conn.execute("DROP TABLE IF EXISTS pg_temp.billing_allowances")
    conn.execute(
        "CREATE TEMPORARY TABLE billing_allowances (account_id bigint NOT NULL, "
        "category text NOT NULL, included numeric NOT NULL, unit numeric NOT NULL, "
        "PRIMARY KEY (account_id, category)) ON COMMIT DROP"
    )
    with conn.cursor().copy(
        "COPY billing_allowances (account_id, category, included, unit) FROM STDIN"
    ) as copy:
        for a in allowances:
            copy.write_row((a.account_id, a.category, a.included, a.unit))
    rows: list[dict[str, Any]] = conn.execute(
        "SELECT * FROM billing_consume_allowances(%(start)s, %(end)s) "
        "ORDER BY account_id, category, started_at, usage_id",
        {"start": start, "end": end},
    ).fetchall()
    return [
        Consumption(
            usage_id=int(r["usage_id"]),
            started_at=r["started_at"],
            account_id=int(r["account_id"]),
            category=str(r["category"]),
            billed=Decimal(r["billed"]),
            covered=Decimal(r["covered"]),
            cost=Decimal(r["cost"]),
            charged_cost=Decimal(r["charged_cost"]),
        )
        for r in rows
    ]


__all__ = ["Allowance", "Consumption", "consume"]
