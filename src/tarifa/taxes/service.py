"""The VAT rates bill runs use (`tarifa.connect().taxes`): vat-rates.json documents as
loaded, the newest in force. A document is checked whole before it is stored
(:func:`tarifa.billing.taxes.read_vat_rates`), so a bad file changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tarifa.audit import record
from tarifa.billing.taxes import TaxRates, read_vat_rates
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import NotFoundError

_SQL = queries.load("taxes")


class TaxRatesStore:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def load(self, path: Path) -> int:
        """Store the rates of a vat-rates.json file; returns the stored set's id."""
        text = path.read_text(encoding="utf-8")
        rates = read_vat_rates(text)  # refuses a bad document before anything is stored
        with self.db.transaction() as conn:
            row = queries.one(
                conn,
                _SQL["insert_tax_rates"],
                {
                    "source": path.name,
                    "document": text,
                    "actor": self.actor,
                },
            )
            record(
                conn,
                actor=self.actor,
                action="tax_rates.loaded",
                entity_type="tax_rate_set",
                entity_id=int(row["id"]),
                data={"source": path.name, "countries": len(rates.periods)},
            )
        return int(row["id"])

    def current(self) -> TaxRates:
        with self.db.transaction() as conn:
            return current_rates(conn)


def current_rates(conn: Connection) -> TaxRates:
    """The newest stored rates; NotFoundError when none were loaded."""
    row: dict[str, Any] | None = conn.execute(_SQL["latest_tax_rates"]).fetchone()
    if row is None:
        raise NotFoundError("no VAT rates are loaded: run `tarifa tax load vat-rates.json`")
    # Read back as text, parsed with exact decimals (jsonb keeps numbers as numeric).
    return read_vat_rates(str(row["document"]))


__all__ = ["TaxRatesStore", "current_rates"]
