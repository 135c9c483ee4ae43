"""Writing a catalog back as a file that loads to the same catalog (`tarifa catalog export`).

Defaults are left out so the file stays as short as one written by hand: a recurring fee
billed in advance, proration `actual_days`, no trial, a prorated allowance, a one-off
invoice-wide coupon. A version with one currency gets `pricing`, several get `prices`.
"""

from __future__ import annotations

from typing import Any

import yaml

from tarifa.catalog.model import (
    Catalog,
    Charge,
    ChargeKind,
    Coupon,
    Duration,
    Plan,
    PlanVersion,
    Price,
    Proration,
    Scope,
    Timing,
)
from tarifa.pricing import spec_to_mapping


def to_document(catalog: Catalog) -> dict[str, Any]:
    """The catalog as the mapping a catalog file holds."""
    return {
        "products": [
            {"code": p.code, "name": p.name, "service": p.service.value} for p in catalog.products
        ],
        "plans": [_plan(plan) for plan in catalog.plans],
        "coupons": [_coupon(coupon) for coupon in catalog.coupons],
    }


def to_yaml(catalog: Catalog) -> str:
    header = "# tarifa catalog — written by `tarifa catalog export`\n"
    return header + yaml.safe_dump(
        to_document(catalog), sort_keys=False, allow_unicode=True, default_flow_style=False
    )


def _plan(plan: Plan) -> dict[str, Any]:
    out: dict[str, Any] = {"code": plan.code, "name": plan.name}
    if plan.description:
        out["description"] = plan.description
    out["versions"] = [_version(v) for v in plan.versions]
    if plan.dunning is not None:
        out["dunning"] = [{"day": s.day, "action": s.action.value} for s in plan.dunning]
    return out


def _version(version: PlanVersion) -> dict[str, Any]:
    out: dict[str, Any] = {
        "effective_from": version.effective_from,
        "currencies": list(version.currencies),
        "billing_period": version.billing_period.value,
    }
    if version.proration is not Proration.ACTUAL_DAYS:
        out["proration"] = version.proration.value
    if version.trial_days:
        out["trial_days"] = version.trial_days
    if version.minimum_commitment:
        out["minimum_commitment"] = {m.currency: str(m.amount) for m in version.minimum_commitment}
    out["charges"] = [_charge(c) for c in version.charges]
    if version.promotions:
        out["promotions"] = [
            {"charge": p.charge, "periods": p.periods, **_prices(p.prices)}
            for p in version.promotions
        ]
    return out


def _charge(charge: Charge) -> dict[str, Any]:
    out: dict[str, Any] = {"code": charge.code}
    if charge.name != charge.code:
        out["name"] = charge.name
    out["kind"] = charge.kind.value
    out["product"] = charge.product
    if charge.kind is ChargeKind.RECURRING and charge.timing is not Timing.IN_ADVANCE:
        out["timing"] = charge.timing.value if charge.timing else None
    for name in ("metric", "tariff"):
        if getattr(charge, name) is not None:
            out[name] = getattr(charge, name)
    if charge.unit is not None:
        out["unit"] = charge.unit.value
    if charge.periods is not None:
        out["periods"] = charge.periods
    out.update(_prices(charge.prices))
    if charge.allowance is not None:
        allowance: dict[str, Any] = {"quantity": str(charge.allowance.quantity)}
        if not charge.allowance.prorate:
            allowance["prorate"] = False
        if charge.allowance.destinations:
            allowance["destinations"] = list(charge.allowance.destinations)
        out["allowance"] = allowance
    return out


def _prices(prices: tuple[Price, ...]) -> dict[str, Any]:
    if not prices:
        return {}
    if len(prices) == 1:
        return {"pricing": spec_to_mapping(prices[0].spec)}
    return {"prices": {p.currency: spec_to_mapping(p.spec) for p in prices}}


def _coupon(coupon: Coupon) -> dict[str, Any]:
    out: dict[str, Any] = {"code": coupon.code, "name": coupon.name}
    if coupon.percentage is not None:
        out["percentage"] = str(coupon.percentage)
    else:
        out["amount"] = {a.currency: str(a.amount) for a in coupon.amounts}
    if coupon.duration is not Duration.ONCE:
        out["duration"] = coupon.duration.value
    if coupon.periods is not None:
        out["periods"] = coupon.periods
    if coupon.scope is not Scope.INVOICE:
        out["scope"] = coupon.scope.value
        out["target"] = coupon.target
    for name in ("valid_from", "valid_until", "max_redemptions"):
        if getattr(coupon, name) is not None:
            out[name] = getattr(coupon, name)
    return out
