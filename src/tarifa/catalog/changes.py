"""What loading a catalog file changes, worked out before anything is written (pure).

Catalog history is append-only where billing depends on it:

- a plan version, once stored, never changes (subscriptions stay on it until moved, and their
  invoices must be reproducible). A file's version whose `effective_from` is stored already
  must be identical to it; a new version must be effective *after* every stored version of
  its plan, so what was in force on a past date never changes either;
- a coupon never changes once stored (its redemptions were promised on its terms);
- a product keeps its service type; its name may change, as may a plan's name and description
  (labels, not prices) and its dunning schedule (collection policy, applied from the next
  dunning run);
- stored versions, plans, products and coupons that a file leaves out stay stored: a file adds
  to the catalog, it never deletes from it. `tarifa catalog export` writes everything stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tarifa.catalog.model import Catalog, Coupon, Plan, PlanVersion, Product
from tarifa.errors import FieldError, ValidationError


@dataclass(frozen=True, slots=True, kw_only=True)
class NewVersion:
    plan: str
    number: int
    version: PlanVersion


@dataclass(frozen=True, slots=True, kw_only=True)
class Changes:
    new_products: tuple[Product, ...] = ()
    renamed_products: tuple[Product, ...] = ()
    new_plans: tuple[Plan, ...] = ()  # without versions: those are in new_versions
    described_plans: tuple[Plan, ...] = ()
    new_versions: tuple[NewVersion, ...] = ()
    new_coupons: tuple[Coupon, ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.new_products
            or self.renamed_products
            or self.new_plans
            or self.described_plans
            or self.new_versions
            or self.new_coupons
        )

    def summary(self) -> dict[str, list[str]]:
        """Codes per kind of change, for reports and the audit log."""
        return {
            "products": [p.code for p in self.new_products],
            "products_renamed": [p.code for p in self.renamed_products],
            "plans": [p.code for p in self.new_plans],
            "plans_described": [p.code for p in self.described_plans],
            "versions": [f"{v.plan}@{v.number}" for v in self.new_versions],
            "coupons": [c.code for c in self.new_coupons],
        }


@dataclass(slots=True)
class _Collect:
    errors: list[FieldError] = field(default_factory=list)
    new_products: list[Product] = field(default_factory=list)
    renamed_products: list[Product] = field(default_factory=list)
    new_plans: list[Plan] = field(default_factory=list)
    described_plans: list[Plan] = field(default_factory=list)
    new_versions: list[NewVersion] = field(default_factory=list)
    new_coupons: list[Coupon] = field(default_factory=list)


def changes(stored: Catalog, incoming: Catalog) -> Changes:
    """What storing `incoming` over `stored` adds; ValidationError (with each problem's path
    in the file) if it would change what must not change."""
    found = _Collect()
    _products(stored, incoming, found)
    _plans(stored, incoming, found)
    _coupons(stored, incoming, found)
    if found.errors:
        raise ValidationError(found.errors)
    return Changes(
        new_products=tuple(found.new_products),
        renamed_products=tuple(found.renamed_products),
        new_plans=tuple(found.new_plans),
        described_plans=tuple(found.described_plans),
        new_versions=tuple(found.new_versions),
        new_coupons=tuple(found.new_coupons),
    )


def _products(stored: Catalog, incoming: Catalog, found: _Collect) -> None:
    known = {p.code: p for p in stored.products}
    for i, product in enumerate(incoming.products):
        old = known.get(product.code)
        if old is None:
            found.new_products.append(product)
        elif old.service is not product.service:
            found.errors.append(
                FieldError(
                    f"products[{i}].service",
                    f"product {product.code} is stored as {old.service.value}; a product keeps "
                    "its service type (add a product with a new code instead)",
                )
            )
        elif old.name != product.name:
            found.renamed_products.append(product)


def _plans(stored: Catalog, incoming: Catalog, found: _Collect) -> None:
    known = {p.code: p for p in stored.plans}
    for i, plan in enumerate(incoming.plans):
        old = known.get(plan.code)
        if old is None:
            found.new_plans.append(plan)
            found.new_versions.extend(
                NewVersion(plan=plan.code, number=n, version=v)
                for n, v in enumerate(plan.versions, start=1)
            )
            continue
        if (old.name, old.description, old.dunning) != (plan.name, plan.description, plan.dunning):
            found.described_plans.append(plan)
        _versions(old, plan, f"plans[{i}]", found)


def _versions(old: Plan, plan: Plan, at: str, found: _Collect) -> None:
    by_date = {v.effective_from: v for v in old.versions}
    latest = old.versions[-1].effective_from if old.versions else None
    number = len(old.versions)
    for j, version in enumerate(plan.versions):
        where = f"{at}.versions[{j}]"
        stored = by_date.get(version.effective_from)
        if stored is not None:
            if stored != version:
                found.errors.append(
                    FieldError(
                        where,
                        f"version {old.number_of(stored)} of plan {plan.code} (effective "
                        f"{version.effective_from.isoformat()}) is stored with other content; "
                        "a stored version never changes: add a version with a later "
                        "effective_from",
                    )
                )
        elif latest is not None and version.effective_from < latest:
            found.errors.append(
                FieldError(
                    f"{where}.effective_from",
                    f"plan {plan.code} has a stored version effective {latest.isoformat()}; a "
                    "new version takes effect after it (the past is not rewritten)",
                )
            )
        else:
            number += 1
            found.new_versions.append(NewVersion(plan=plan.code, number=number, version=version))


def _coupons(stored: Catalog, incoming: Catalog, found: _Collect) -> None:
    known = {c.code: c for c in stored.coupons}
    for i, coupon in enumerate(incoming.coupons):
        old = known.get(coupon.code)
        if old is None:
            found.new_coupons.append(coupon)
        elif old != coupon:
            found.errors.append(
                FieldError(
                    f"coupons[{i}]",
                    f"coupon {coupon.code} is stored with other terms; a coupon never changes "
                    "(add one with a new code)",
                )
            )
