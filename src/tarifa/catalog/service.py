"""The catalog service: validate, load, read, export and quote (`Billing.catalog`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

from tarifa.billing.quote import Quote, UsageValue, quote
from tarifa.catalog import export, store
from tarifa.catalog.model import Catalog, Plan
from tarifa.catalog.rules import read_catalog
from tarifa.db.connection import Database
from tarifa.errors import ValidationError


class CatalogService:
    """Products, plans, versions and coupons; `actor` is who the audit log names."""

    def __init__(self, db: Database, actor: str) -> None:
        self.db = db
        self.actor = actor

    @staticmethod
    def validate(path: Path) -> Catalog:
        """Check a catalog file without storing it; ValidationError lists every problem."""
        return read_catalog(Path(path))

    def load(self, path: Path) -> store.LoadReport:
        """Store what the file at `path` adds to the catalog (nothing if it adds nothing)."""
        path = Path(path)
        return self.load_text(_read(path), name=path.name)

    def load_text(self, text: str, *, name: str = "<text>") -> store.LoadReport:
        catalog = read_catalog(text)
        with self.db.transaction() as conn:
            return store.load(conn, catalog, source=name, actor=self.actor)

    def current(self) -> Catalog:
        """Everything stored: every product, plan version and coupon."""
        with self.db.transaction() as conn:
            return store.stored_catalog(conn)

    def plan(self, code: str) -> Plan:
        return self.current().plan(code)

    def export(self) -> str:
        """The stored catalog as a YAML file that loads back to the same catalog."""
        return export.to_yaml(self.current())

    def quote(
        self,
        plan_code: str,
        usage: Mapping[str, UsageValue] | None = None,
        *,
        period_start: date | None = None,
        currency: str | None = None,
        coupon: str | None = None,
        quantity: int = 1,
        period_index: int = 0,
    ) -> Quote:
        """The pre-tax lines of one billing period of `plan_code` starting on `period_start`
        (default today, UTC), in `currency` (default the version's first); see
        :mod:`tarifa.billing.quote`."""
        catalog = self.current()
        plan = catalog.plan(plan_code)
        start = period_start or datetime.now(UTC).date()
        return quote(
            plan,
            currency=currency or plan.version_on(start).currencies[0],
            period_start=start,
            usage=usage,
            coupon=catalog.coupon(coupon) if coupon else None,
            quantity=quantity,
            period_index=period_index,
        )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValidationError.single("file", f"cannot read {path}: {err.strerror}") from err
