"""The invoice for spreadsheets: its lines, and the itemized usage of its period (CSV).

Numbers are written plain (``1234.5``, a point, no grouping, no currency sign) whatever the
customer's locale: a formatted amount read back by a spreadsheet in another locale is how
1,000.00 becomes 1 (PITFALLS.md, "money as text"). Dates and instants are ISO 8601, instants
with their UTC offset. UTF-8 with a header row; ``\\r\\n`` line ends, as RFC 4180 has them.
Pure: no I/O.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tarifa.documents.model import InvoiceDocument

LINE_COLUMNS = (
    "invoice",
    "type",
    "line",
    "kind",
    "description",
    "service_start",
    "service_end",
    "quantity",
    "unit_code",
    "unit_price",
    "net",
    "tax_category",
    "tax_percent",
    "currency",
)
USAGE_COLUMNS = (
    "invoice",
    "subscription_id",
    "source",
    "record_id",
    "service",
    "started_at",
    "destination",
    "usage",
    "unit",
    "status",
    "disposition",
    "cost",
    "currency",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageItem:
    """One usage record of an invoice's period, as its itemized export lists it; `cost` is
    its rated cost (None when it was not rated, or is not billable)."""

    subscription_id: int
    source: str
    record_id: str
    service: str
    started_at: dt.datetime
    destination: str
    usage: Decimal
    unit: str
    status: str
    disposition: str | None
    cost: Decimal | None
    currency: str | None


def lines_csv(document: InvoiceDocument) -> bytes:
    """One row per printed line; the nets add up to the invoice's net."""
    rows = (
        (
            document.number,
            document.type_code.value,
            line.line_id,
            line.kind,
            line.description,
            line.service_start.isoformat(),
            line.service_end.isoformat(),
            _plain(line.quantity),
            line.unit_code,
            _plain(line.unit_price),
            format(line.net, "f"),
            line.tax_category.value,
            _plain(line.tax_percent),
            document.currency,
        )
        for line in document.lines
    )
    return _csv(LINE_COLUMNS, rows)


def usage_csv(number: str, items: Iterable[UsageItem]) -> bytes:
    """One row per usage record (billable and filtered alike: it is the itemized history)."""
    rows = (
        (
            number,
            str(item.subscription_id),
            item.source,
            item.record_id,
            item.service,
            item.started_at.isoformat(),
            item.destination,
            _plain(item.usage),
            item.unit,
            item.status,
            item.disposition or "",
            "" if item.cost is None else _plain(item.cost),
            item.currency or "",
        )
        for item in items
    )
    return _csv(USAGE_COLUMNS, rows)


def _csv(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0E0") else text


__all__ = ["LINE_COLUMNS", "USAGE_COLUMNS", "UsageItem", "lines_csv", "usage_csv"]
