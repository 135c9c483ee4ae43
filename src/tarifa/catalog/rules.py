"""Reading a catalog file: YAML → shape (pydantic) → meaning (the rules below) → a
:class:`~tarifa.catalog.model.Catalog`, or one ValidationError listing every problem with its
path in the document.

The rules, each named where it is checked:

- codes are unique: products, plans, coupons, and charges within a version; a plan's versions
  have distinct `effective_from` dates, listed in ascending order;
- a catalog file is complete: every product, plan or charge it names is in it;
- every priced charge has a price in each of its version's currencies and in no other: one
  `pricing` when the version has a single currency, else `prices` keyed by currency;
- recurring and one-time fees are priced over the subscription's quantity (seats, 1 unless
  the subscription says otherwise): `flat` for a plain fee, or a quantity model for per-seat
  prices; never over transactions. A usage charge is either priced over a `metric` in a
  `unit`, or rated by a `tariff`; percentage models price transaction amounts (`unit: amount`),
  the others quantities; usage is billed in arrears, so it takes no `timing`;
- a promotion names a priced charge of its version and prices it the same way;
- a coupon is a percentage (0 < p ≤ 100) or a fixed amount per currency, repeating coupons say
  for how many periods, and a plan or charge scope names its target.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import yaml

from tarifa import pricing
from tarifa.catalog import document as doc
from tarifa.catalog.dunning import Step, schedule_problems
from tarifa.catalog.model import (
    TRANSACTION_MODELS,
    Allowance,
    Amount,
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
    Scope,
    Timing,
    Unit,
)
from tarifa.errors import FieldError, UnknownCurrencyError, ValidationError
from tarifa.money import currency as iso_currency

_FEES = (ChargeKind.RECURRING, ChargeKind.ONE_TIME)


def read_catalog(source: str | Path) -> Catalog:
    """Read a catalog from YAML text or a file path; ValidationError lists every problem."""
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as err:
            raise ValidationError.single("file", f"cannot read {source}: {err.strerror}") from err
    else:
        text = source
    return parse_catalog(load_yaml(text))


def load_yaml(text: str) -> Any:
    """Parse YAML, refusing a key given twice in one mapping (PyYAML would keep the last)."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 — a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ValidationError.single("file", f"not valid YAML{where}: {problem}") from err


def parse_catalog(data: Any) -> Catalog:
    """Check a parsed document (the mapping a YAML file holds) and build the catalog."""
    if data is None:
        data = {}
    try:
        shaped = doc.CatalogFile.model_validate(data)
    except pydantic.ValidationError as err:
        raise ValidationError(_shape_errors(err)) from None
    checker = _Checker()
    catalog = checker.catalog(shaped)
    if checker.errors:
        raise ValidationError(checker.errors)
    return catalog


# -- shape errors ------------------------------------------------------------------------


def _shape_errors(err: pydantic.ValidationError) -> list[FieldError]:
    found: list[FieldError] = []
    for problem in err.errors(include_url=False):
        loc = tuple(problem["loc"])
        kind = problem["type"]
        if kind == "union_tag_invalid" or kind == "union_tag_not_found":
            field = _path((*_without_tags(loc), "model"))
            reason = "must be one of " + ", ".join(sorted(doc.MODEL_NAMES))
            if kind == "union_tag_not_found":
                reason = "required: " + reason
        else:
            field = _path(_without_tags(loc))
            reason = _reason(kind, problem["msg"])
        found.append(FieldError(field or "catalog", reason))
    return found


def _reason(kind: str, message: str) -> str:
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    return message[0].lower() + message[1:] if message else kind


def _without_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the discriminator values pydantic puts in a location inside a pricing union."""
    kept: list[Any] = []
    for i, part in enumerate(loc):
        after = loc[i - 1] if i else None
        if part in doc.MODEL_NAMES and (after == "pricing" or _is_currency_key(loc, i - 1)):
            continue
        kept.append(part)
    return tuple(kept)


def _is_currency_key(loc: tuple[Any, ...], i: int) -> bool:
    return i >= 1 and loc[i - 1] == "prices" and isinstance(loc[i], str)


def _path(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# -- meaning -----------------------------------------------------------------------------


class _Checker:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def problem(self, field: str, reason: str) -> None:
        self.errors.append(FieldError(field, reason))

    def unique(self, codes: Sequence[str], where: str, what: str) -> None:
        counts = Counter(codes)
        for i, code in enumerate(codes):
            if counts[code] > 1 and codes.index(code) != i:
                self.problem(f"{where}[{i}].code", f"{what} {code!r} is defined twice")

    def catalog(self, shaped: doc.CatalogFile) -> Catalog:
        self.unique([p.code for p in shaped.products], "products", "product")
        self.unique([p.code for p in shaped.plans], "plans", "plan")
        self.unique([c.code for c in shaped.coupons], "coupons", "coupon")
        products = tuple(
            Product(code=p.code, name=p.name, service=p.service) for p in shaped.products
        )
        known = {p.code for p in products}
        plans = tuple(self.plan(plan, f"plans[{i}]", known) for i, plan in enumerate(shaped.plans))
        coupons = tuple(
            self.coupon(c, f"coupons[{i}]", plans) for i, c in enumerate(shaped.coupons)
        )
        return Catalog(products=products, plans=plans, coupons=coupons)

    def plan(self, plan: doc.PlanFile, at: str, products: set[str]) -> Plan:
        dates = [v.effective_from for v in plan.versions]
        for i in range(1, len(dates)):
            if dates[i] <= dates[i - 1]:
                self.problem(
                    f"{at}.versions[{i}].effective_from",
                    "versions are listed by effective_from, each later than the one before",
                )
        versions = tuple(
            self.version(v, f"{at}.versions[{i}]", products) for i, v in enumerate(plan.versions)
        )
        dunning = None
        if plan.dunning is not None:
            dunning = tuple(Step(s.day, s.action) for s in plan.dunning)
            self.errors.extend(schedule_problems(dunning, f"{at}.dunning"))
        return Plan(
            code=plan.code,
            name=plan.name,
            description=plan.description,
            versions=versions,
            dunning=dunning,
        )

    def version(self, version: doc.VersionFile, at: str, products: set[str]) -> PlanVersion:
        currencies = tuple(version.currencies)
        for i, code in enumerate(currencies):
            self.currency(code, f"{at}.currencies[{i}]")
            if code in currencies[:i]:
                self.problem(f"{at}.currencies[{i}]", f"{code} is listed twice")
        self.unique([c.code for c in version.charges], f"{at}.charges", "charge")
        charges = tuple(
            self.charge(c, f"{at}.charges[{i}]", currencies, products)
            for i, c in enumerate(version.charges)
        )
        by_code = {c.code: c for c in charges}
        promotions = tuple(
            self.promotion(p, f"{at}.promotions[{i}]", currencies, by_code)
            for i, p in enumerate(version.promotions)
        )
        minimum = tuple(
            Amount(currency=code, amount=self.amount(value, f"{at}.minimum_commitment.{code}"))
            for code, value in sorted(version.minimum_commitment.items())
        )
        for code in version.minimum_commitment:
            if code not in currencies:
                self.problem(
                    f"{at}.minimum_commitment.{code}", f"{code} is not a currency of this version"
                )
        return PlanVersion(
            effective_from=version.effective_from,
            currencies=currencies,
            billing_period=version.billing_period,
            proration=version.proration,
            trial_days=version.trial_days,
            minimum_commitment=minimum,
            charges=charges,
            promotions=promotions,
        )

    def charge(
        self, charge: doc.ChargeFile, at: str, currencies: tuple[str, ...], products: set[str]
    ) -> Charge:
        if charge.product not in products:
            self.problem(f"{at}.product", f"no product {charge.product!r} in this catalog")
        priced = charge.pricing is not None or charge.prices is not None
        prices = self.prices(charge, at, currencies) if priced else ()
        models = {price.spec.model for price in prices}
        kind = charge.kind
        if kind in _FEES:
            if not priced:
                self.problem(f"{at}.pricing", f"required: a {kind.value} fee has a price")
            if models & TRANSACTION_MODELS:
                self.problem(
                    f"{at}.pricing",
                    f"a {kind.value} fee is priced over a quantity "
                    "(flat, or per seat), not over transactions",
                )
            for name in ("metric", "unit", "tariff", "allowance"):
                if getattr(charge, name) is not None:
                    self.problem(f"{at}.{name}", f"only usage charges have a {name}")
            if kind is ChargeKind.ONE_TIME and charge.periods is not None:
                self.problem(f"{at}.periods", "a one-time fee is charged once")
            if charge.periods == 0:
                self.problem(f"{at}.periods", "at least 1 (leave it out for no end)")
            if kind is ChargeKind.ONE_TIME and charge.timing is not None:
                self.problem(f"{at}.timing", "a one-time fee is charged once, without timing")
        else:
            self.usage(charge, at, priced, models)
            if charge.periods is not None:
                self.problem(f"{at}.periods", "only recurring fees end after some periods")
        timing = charge.timing or (Timing.IN_ADVANCE if kind is ChargeKind.RECURRING else None)
        allowance = None
        if charge.allowance is not None:
            allowance = Allowance(
                quantity=self.amount(charge.allowance.quantity, f"{at}.allowance.quantity"),
                prorate=charge.allowance.prorate,
                destinations=tuple(charge.allowance.destinations),
            )
        return Charge(
            code=charge.code,
            name=charge.name or charge.code,
            kind=kind,
            product=charge.product,
            prices=prices,
            timing=timing,
            metric=charge.metric,
            unit=charge.unit,
            tariff=charge.tariff,
            allowance=allowance,
            periods=charge.periods,
        )

    def usage(
        self, charge: doc.ChargeFile, at: str, priced: bool, models: set[pricing.PricingModel]
    ) -> None:
        if charge.timing is not None:
            self.problem(f"{at}.timing", "usage is billed in arrears; it takes no timing")
        if charge.tariff is not None:
            if priced:
                self.problem(
                    f"{at}.tariff", "a usage charge is priced or rated by a tariff, not both"
                )
            if charge.allowance is not None and charge.unit is None:
                self.problem(f"{at}.unit", "required: the unit the allowance is counted in")
            return
        if not priced:
            self.problem(f"{at}.pricing", "required: a usage charge has a pricing or a tariff")
            return
        for name in ("metric", "unit"):
            if getattr(charge, name) is None:
                self.problem(f"{at}.{name}", "required for a usage charge with a pricing")
        transactions = bool(models & TRANSACTION_MODELS)
        if transactions and models - TRANSACTION_MODELS:
            self.problem(f"{at}.prices", "every currency is priced with the same kind of model")
        if charge.unit is not None and transactions != (charge.unit is Unit.AMOUNT):
            reason = (
                "percentage models price transaction amounts: unit is amount"
                if transactions
                else "unit amount is for percentage models only"
            )
            self.problem(f"{at}.unit", reason)
        if transactions and charge.allowance is not None:
            self.problem(f"{at}.allowance", "percentage models have free transactions instead")

    def prices(
        self, priced: doc._Priced, at: str, currencies: tuple[str, ...]
    ) -> tuple[Price, ...]:
        if priced.pricing is not None and priced.prices is not None:
            self.problem(f"{at}.prices", "give pricing or prices, not both")
            return ()
        if priced.pricing is not None:
            if len(currencies) != 1:
                self.problem(
                    f"{at}.pricing",
                    "the version has several currencies: give prices with one pricing per currency",
                )
                return ()
            specs = {currencies[0]: (priced.pricing, f"{at}.pricing")}
        else:
            given = priced.prices or {}
            specs = {code: (spec, f"{at}.prices.{code}") for code, spec in given.items()}
            for code in currencies:
                if code not in given:
                    self.problem(f"{at}.prices", f"no price in {code}, a currency of the version")
            for code in given:
                if code not in currencies:
                    self.problem(f"{at}.prices.{code}", f"{code} is not a currency of the version")
        found = []
        for code, (spec, path) in specs.items():
            parsed = self.spec(spec, path)
            if parsed is not None and code in currencies:
                found.append(Price(currency=code, spec=parsed))
        return tuple(sorted(found, key=lambda p: p.currency))  # as stored: by currency

    def spec(self, shaped: pydantic.BaseModel, at: str) -> pricing.Spec | None:
        try:
            return pricing.parse_spec(shaped.model_dump(exclude_none=True))
        except ValidationError as err:
            self.errors.extend(FieldError(f"{at}.{e.field}", e.reason) for e in err.errors)
            return None

    def promotion(
        self,
        promotion: doc.PromotionFile,
        at: str,
        currencies: tuple[str, ...],
        charges: Mapping[str, Charge],
    ) -> Promotion:
        if promotion.periods < 1:
            self.problem(f"{at}.periods", "at least 1")
        prices = self.prices(promotion, at, currencies)
        charge = charges.get(promotion.charge)
        if charge is None:
            self.problem(f"{at}.charge", f"no charge {promotion.charge!r} in this version")
        elif not charge.prices:
            self.problem(f"{at}.charge", "a promotion prices a priced charge, not a tariff")
        elif any(
            (p.spec.model in TRANSACTION_MODELS)
            != (charge.prices[0].spec.model in TRANSACTION_MODELS)
            for p in prices
        ):
            self.problem(
                f"{at}.pricing",
                "a promotion prices its charge the same way (quantities or transaction amounts)",
            )
        return Promotion(charge=promotion.charge, periods=promotion.periods, prices=prices)

    def coupon(self, coupon: doc.CouponFile, at: str, plans: Sequence[Plan]) -> Coupon:
        percentage = None
        if (coupon.percentage is None) == (coupon.amount is None):
            self.problem(f"{at}.percentage", "give a percentage or an amount, exactly one")
        if coupon.percentage is not None:
            percentage = self.amount(coupon.percentage, f"{at}.percentage")
            if not Decimal(0) < percentage <= Decimal(100):
                self.problem(f"{at}.percentage", "a percent above 0 and at most 100")
        amounts = []
        for code, value in sorted((coupon.amount or {}).items()):
            self.currency(code, f"{at}.amount.{code}")
            amount = self.amount(value, f"{at}.amount.{code}")
            if amount == 0:
                self.problem(f"{at}.amount.{code}", "must be above 0")
            amounts.append(Amount(currency=code, amount=amount))
        if coupon.duration is Duration.REPEATING:
            if not coupon.periods:
                self.problem(f"{at}.periods", "required: how many periods a repeating coupon lasts")
        elif coupon.periods is not None:
            self.problem(
                f"{at}.periods", f"only repeating coupons have periods, not {coupon.duration.value}"
            )
        self.scope(coupon, at, plans)
        if coupon.valid_from and coupon.valid_until and coupon.valid_until < coupon.valid_from:
            self.problem(f"{at}.valid_until", "must not be before valid_from")
        if coupon.max_redemptions == 0:
            self.problem(f"{at}.max_redemptions", "at least 1 (leave it out for no limit)")
        return Coupon(
            code=coupon.code,
            name=coupon.name,
            percentage=percentage,
            amounts=tuple(amounts),
            duration=coupon.duration,
            periods=coupon.periods,
            scope=coupon.scope,
            target=coupon.target,
            valid_from=coupon.valid_from,
            valid_until=coupon.valid_until,
            max_redemptions=coupon.max_redemptions,
        )

    def scope(self, coupon: doc.CouponFile, at: str, plans: Sequence[Plan]) -> None:
        if coupon.scope is Scope.INVOICE:
            if coupon.target is not None:
                self.problem(f"{at}.target", "an invoice-wide coupon has no target")
            return
        if coupon.target is None:
            self.problem(f"{at}.target", f"required: the {coupon.scope.value} it discounts")
            return
        if coupon.scope is Scope.PLAN:
            known = {plan.code for plan in plans}
        else:
            known = {c.code for plan in plans for v in plan.versions for c in v.charges}
        if coupon.target not in known:
            self.problem(
                f"{at}.target", f"no {coupon.scope.value} {coupon.target!r} in this catalog"
            )

    def currency(self, code: str, at: str) -> None:
        try:
            iso_currency(code)
        except UnknownCurrencyError:
            self.problem(at, f"{code} is not an ISO 4217 currency")

    def amount(self, value: str, at: str) -> Decimal:
        number = Decimal(value)
        if number < 0:
            self.problem(at, "must not be negative")
        return number


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys instead of silently keeping the last."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} is given twice", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
