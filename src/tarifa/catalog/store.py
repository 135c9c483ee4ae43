"""Reading the stored catalog and writing what a load adds (the I/O edge of the catalog).

A load runs in one transaction under an advisory lock: read what is stored, work out the
changes (:func:`tarifa.catalog.changes.changes`, pure), write them with one audit row
(`catalog.loaded`). A file whose canonical content was loaded before is recognized by its hash
and creates nothing, not even a load row.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from tarifa.audit import record
from tarifa.catalog.changes import Changes, NewVersion, changes
from tarifa.catalog.dunning import format_schedule, parse_schedule
from tarifa.catalog.export import to_document
from tarifa.catalog.model import (
    Allowance,
    Amount,
    BillingPeriod,
    Catalog,
    Charge,
    ChargeKind,
    Coupon,
    Duration,
    Plan,
    PlanVersion,
    Price,
    Product,
    Promotion,
    Proration,
    Scope,
    ServiceType,
    Timing,
    Unit,
)
from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.pricing import parse_spec, spec_to_mapping

_SQL = queries.load("catalog")


def _rows(
    conn: Connection, query: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    return conn.execute(_SQL[query], params).fetchall()


def _one(conn: Connection, query: str, params: dict[str, Any]) -> dict[str, Any]:
    (row,) = _rows(conn, query, params)
    return row


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadReport:
    """What a load stored. `load_id` is None when it stored nothing."""

    source: str
    content_hash: str
    load_id: int | None
    created: dict[str, list[str]]

    @property
    def changed(self) -> bool:
        return self.load_id is not None


def content_hash(catalog: Catalog) -> str:
    """SHA-256 over the catalog's canonical form: the same catalog written with other
    spacing, comments or key order hashes the same."""
    canonical = json.dumps(to_document(catalog), sort_keys=True, default=_canonical)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def load(conn: Connection, catalog: Catalog, *, source: str, actor: str) -> LoadReport:
    """Store what `catalog` adds to the stored catalog; ValidationError if it would change
    what must not change. Runs in the caller's transaction."""
    digest = content_hash(catalog)
    conn.execute(_SQL["lock"])
    if _rows(conn, "load_by_hash", {"content_hash": digest}):
        return LoadReport(source=source, content_hash=digest, load_id=None, created={})
    found = changes(stored_catalog(conn), catalog)
    if found.empty:
        return LoadReport(source=source, content_hash=digest, load_id=None, created={})
    summary = found.summary()
    row = _one(
        conn,
        "insert_load",
        {"content_hash": digest, "source": source, "loaded_by": actor, "created": Jsonb(summary)},
    )
    load_id: int = row["id"]
    _write(conn, found, load_id)
    record(
        conn,
        actor=actor,
        action="catalog.loaded",
        entity_type="catalog_load",
        entity_id=load_id,
        data={"source": source, "content_hash": digest, **summary},
    )
    return LoadReport(source=source, content_hash=digest, load_id=load_id, created=summary)


def _write(conn: Connection, found: Changes, load_id: int) -> None:
    for product in found.new_products:
        conn.execute(
            _SQL["insert_product"],
            {
                "code": product.code,
                "name": product.name,
                "service": product.service.value,
                "load_id": load_id,
            },
        )
    for product in found.renamed_products:
        conn.execute(_SQL["rename_product"], {"code": product.code, "name": product.name})
    for plan in found.new_plans:
        conn.execute(
            _SQL["insert_plan"],
            {
                "code": plan.code,
                "name": plan.name,
                "description": plan.description,
                "dunning": _dunning(plan),
                "load_id": load_id,
            },
        )
    for plan in found.described_plans:
        conn.execute(
            _SQL["describe_plan"],
            {
                "code": plan.code,
                "name": plan.name,
                "description": plan.description,
                "dunning": _dunning(plan),
            },
        )
    if found.new_versions:
        products = {row["code"]: row["id"] for row in _rows(conn, "product_ids")}
        for new in found.new_versions:
            _write_version(conn, new, products, load_id)
    for coupon in found.new_coupons:
        _write_coupon(conn, coupon, load_id)


def _write_version(
    conn: Connection, new: NewVersion, products: dict[str, int], load_id: int
) -> None:
    plan = _one(conn, "plan_id", {"code": new.plan})
    version = new.version
    row = _one(
        conn,
        "insert_version",
        {
            "plan_id": plan["id"],
            "number": new.number,
            "effective_from": version.effective_from,
            "currencies": list(version.currencies),
            "billing_period": version.billing_period.value,
            "proration": version.proration.value,
            "trial_days": version.trial_days,
            "load_id": load_id,
        },
    )
    version_id = row["id"]
    for minimum in version.minimum_commitment:
        conn.execute(
            _SQL["insert_minimum"],
            {"plan_version_id": version_id, "currency": minimum.currency, "amount": minimum.amount},
        )
    charge_ids: dict[str, int] = {}
    for position, charge in enumerate(version.charges):
        allowance = charge.allowance
        row = _one(
            conn,
            "insert_charge",
            {
                "plan_version_id": version_id,
                "position": position,
                "code": charge.code,
                "name": charge.name,
                "kind": charge.kind.value,
                "product_id": products[charge.product],
                "timing": charge.timing.value if charge.timing else None,
                "metric": charge.metric,
                "unit": charge.unit.value if charge.unit else None,
                "tariff": charge.tariff,
                "allowance_quantity": allowance.quantity if allowance else None,
                "allowance_prorate": allowance.prorate if allowance else None,
                "allowance_destinations": list(allowance.destinations) if allowance else None,
                "periods": charge.periods,
            },
        )
        charge_ids[charge.code] = row["id"]
        _write_prices(conn, "insert_charge_price", row["id"], charge.prices)
    for position, promotion in enumerate(version.promotions):
        row = _one(
            conn,
            "insert_promotion",
            {
                "plan_version_id": version_id,
                "position": position,
                "charge_id": charge_ids[promotion.charge],
                "periods": promotion.periods,
            },
        )
        _write_prices(conn, "insert_promotion_price", row["id"], promotion.prices)


def _write_prices(conn: Connection, query: str, owner_id: int, prices: tuple[Price, ...]) -> None:
    for price in prices:
        spec = spec_to_mapping(price.spec)
        conn.execute(
            _SQL[query],
            {
                "owner_id": owner_id,
                "currency": price.currency,
                "model": spec["model"],
                "spec": Jsonb(spec),
            },
        )


def _write_coupon(conn: Connection, coupon: Coupon, load_id: int) -> None:
    row = _one(
        conn,
        "insert_coupon",
        {
            "code": coupon.code,
            "name": coupon.name,
            "percentage": coupon.percentage,
            "duration": coupon.duration.value,
            "periods": coupon.periods,
            "scope": coupon.scope.value,
            "target": coupon.target,
            "valid_from": coupon.valid_from,
            "valid_until": coupon.valid_until,
            "max_redemptions": coupon.max_redemptions,
            "load_id": load_id,
        },
    )
    for amount in coupon.amounts:
        conn.execute(
            _SQL["insert_coupon_amount"],
            {"coupon_id": row["id"], "currency": amount.currency, "amount": amount.amount},
        )


# -- reading -----------------------------------------------------------------------------


def stored_catalog(conn: Connection) -> Catalog:
    """Everything stored, as one Catalog (plans and versions in their stored order)."""
    products = tuple(
        Product(code=r["code"], name=r["name"], service=ServiceType(r["service"]))
        for r in _rows(conn, "products")
    )
    charges: dict[int, list[Charge]] = defaultdict(list)
    for r in _rows(conn, "charges"):
        charges[r["plan_version_id"]].append(_charge(r))
    promotions: dict[int, list[Promotion]] = defaultdict(list)
    for r in _rows(conn, "promotions"):
        promotions[r["plan_version_id"]].append(
            Promotion(charge=r["charge"], periods=r["periods"], prices=_prices(r["prices"]))
        )
    versions: dict[int, list[PlanVersion]] = defaultdict(list)
    for r in _rows(conn, "versions"):
        versions[r["plan_id"]].append(
            PlanVersion(
                effective_from=r["effective_from"],
                currencies=tuple(r["currencies"]),
                billing_period=BillingPeriod(r["billing_period"]),
                proration=Proration(r["proration"]),
                trial_days=r["trial_days"],
                minimum_commitment=_amounts(r["minimum_commitment"]),
                charges=tuple(charges[r["id"]]),
                promotions=tuple(promotions[r["id"]]),
            )
        )
    plans = tuple(
        Plan(
            code=r["code"],
            name=r["name"],
            description=r["description"],
            versions=tuple(versions[r["id"]]),
            dunning=None if r["dunning"] is None else parse_schedule(r["dunning"]),
        )
        for r in _rows(conn, "plans")
    )
    coupons = tuple(_coupon(r) for r in _rows(conn, "coupons"))
    return Catalog(products=products, plans=plans, coupons=coupons)


def _dunning(plan: Plan) -> str | None:
    return None if plan.dunning is None else format_schedule(plan.dunning)


def _charge(r: dict[str, Any]) -> Charge:
    allowance = None
    if r["allowance_quantity"] is not None:
        allowance = Allowance(
            quantity=_plain(r["allowance_quantity"]),
            prorate=r["allowance_prorate"],
            destinations=tuple(r["allowance_destinations"]),
        )
    return Charge(
        code=r["code"],
        name=r["name"],
        kind=ChargeKind(r["kind"]),
        product=r["product"],
        prices=_prices(r["prices"]),
        timing=Timing(r["timing"]) if r["timing"] else None,
        metric=r["metric"],
        unit=Unit(r["unit"]) if r["unit"] else None,
        tariff=r["tariff"],
        allowance=allowance,
        periods=r["periods"],
    )


def _coupon(r: dict[str, Any]) -> Coupon:
    return Coupon(
        code=r["code"],
        name=r["name"],
        percentage=_plain(r["percentage"]) if r["percentage"] is not None else None,
        amounts=_amounts(r["amounts"]),
        duration=Duration(r["duration"]),
        periods=r["periods"],
        scope=Scope(r["scope"]),
        target=r["target"],
        valid_from=r["valid_from"],
        valid_until=r["valid_until"],
        max_redemptions=r["max_redemptions"],
    )


def _prices(pairs: list[list[Any]]) -> tuple[Price, ...]:
    return tuple(Price(currency=currency, spec=parse_spec(spec)) for currency, spec in pairs)


def _amounts(by_currency: dict[str, str]) -> tuple[Amount, ...]:
    return tuple(
        Amount(currency=code, amount=_plain(Decimal(value)))
        for code, value in sorted(by_currency.items())
    )


def _plain(value: Decimal) -> Decimal:
    """numeric(30,10) comes back with ten decimals; drop the trailing zeros the file never
    had (the value is the same, the export stays as written)."""
    normalized = value.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized
