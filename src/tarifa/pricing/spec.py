"""Price specs: read and check the ``pricing:`` mapping of a catalog file once, price many times.

:func:`parse_spec` turns the file form into a typed spec (one frozen dataclass per model, with
Decimals and tuples of tiers), or raises one :class:`~tarifa.errors.ValidationError` that
lists *every* problem, each at its field path (``model``, ``rate``, ``tiers[1].up_to``), so a
catalog author fixes a file in one round. :func:`spec_to_mapping` writes a spec back in the
file form, every number as text, and ``parse_spec(spec_to_mapping(spec)) == spec``.

The file form follows DOMAIN.md: every number is a string (``"0.05"``), bare whole numbers are
read too (``up_to: 10``), Decimals are accepted from Python; a float is refused wherever it
appears (YAML reads an unquoted ``0.05`` as one), and so are booleans. Unknown keys are
refused rather than ignored: a misspelt ``flat_fees`` silently ignored is a fee never billed.
Without a valid ``model`` nothing else can be judged (the model says which keys belong), so
that problem is reported alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeAlias, assert_never

from tarifa.errors import FieldError, ValidationError
from tarifa.pricing.decimals import ZERO, number_problem, read_count, read_number
from tarifa.pricing.flat import FlatSpec
from tarifa.pricing.graduated import GraduatedSpec
from tarifa.pricing.graduated_percentage import GraduatedPercentageSpec
from tarifa.pricing.package import PackageSpec
from tarifa.pricing.per_unit import PerUnitSpec
from tarifa.pricing.percentage import PercentageSpec, clamp_problem
from tarifa.pricing.result import PricingModel
from tarifa.pricing.tiers import NO_TIERS, RateTier, Tier, UnitTier, bound_problem, order_problems
from tarifa.pricing.volume import VolumeSpec

Spec: TypeAlias = (
    FlatSpec
    | PerUnitSpec
    | GraduatedSpec
    | VolumeSpec
    | PackageSpec
    | PercentageSpec
    | GraduatedPercentageSpec
)

_MODEL_NAMES = frozenset(PricingModel)
_MODELS = ", ".join(PricingModel)
_REQUIRED = "is required"
_Row = tuple[Decimal | None, Decimal, Decimal]


class _Reader:
    """Reads the fields of one mapping, collecting problems instead of stopping at the first.

    Every key read is remembered, so :meth:`finish` can report the keys nobody asked for as
    unknown. A field that cannot be read yields a placeholder; placeholders are never used,
    because a spec is only built when nothing at all was wrong.
    """

    def __init__(self, raw: Mapping[Any, object], errors: list[FieldError], prefix: str = ""):
        self.raw = raw
        self.errors = errors
        self.prefix = prefix
        self.known: list[str] = []

    def problem(self, name: str, reason: str) -> None:
        self.errors.append(FieldError(self.prefix + name, reason))

    def get(self, name: str) -> object:
        self.known.append(name)
        return self.raw.get(name)

    def number(self, name: str, *, positive: bool = False) -> Decimal:
        value = self.optional_number(name, positive=positive)
        if value is None and self.raw.get(name) is None:
            self.problem(name, _REQUIRED)
        return ZERO if value is None else value

    def optional_number(self, name: str, *, positive: bool = False) -> Decimal | None:
        raw = self.get(name)
        if raw is None:
            return None
        value = read_number(raw)
        if isinstance(value, str):
            self.problem(name, value)
            return None
        reason = bound_problem(value) if positive else number_problem(value)
        if reason:
            self.problem(name, reason)
            return None
        return value

    def optional_count(self, name: str) -> int | None:
        raw = self.get(name)
        if raw is None:
            return None
        value = read_count(raw)
        if isinstance(value, str):
            self.problem(name, value)
            return None
        return value

    def tiers(self, price_field: str) -> list[_Row]:
        """Each tier as (up_to, price, flat fee), with the bounds' order checked."""
        raw = self.get("tiers")
        if not isinstance(raw, list | tuple):
            self.problem("tiers", _REQUIRED if raw is None else "must be a list of tiers")
            return []
        entries = list(raw)
        if not entries:
            self.problem("tiers", NO_TIERS)
        rows: list[_Row] = []
        bounds: list[tuple[int, Decimal | None]] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                self.problem(f"tiers[{index}]", "must be a mapping (up_to and the tier's prices)")
                continue
            tier = _Reader(entry, self.errors, f"{self.prefix}tiers[{index}].")
            up_to = tier.optional_number("up_to", positive=True)
            if up_to is not None or entry.get("up_to") is None:
                bounds.append((index, up_to))
            rows.append((up_to, tier.number(price_field), tier.optional_number("flat_fee") or ZERO))
            tier.finish_keys()
        self.errors.extend(_prefixed(order_problems(bounds, len(entries)), self.prefix))
        return rows

    def finish_keys(self) -> None:
        allowed = ("model", *self.known) if not self.prefix else tuple(self.known)
        for key in self.raw:
            if key not in allowed:
                expected = ", ".join(allowed)
                self.problem(str(key), f"unknown key (expected one of {expected})")

    def finish(self) -> None:
        self.finish_keys()
        if self.errors:
            raise ValidationError(self.errors)


def _prefixed(problems: list[FieldError], prefix: str) -> list[FieldError]:
    return [FieldError(prefix + problem.field, problem.reason) for problem in problems]


def parse_spec(source: Spec | Mapping[str, object]) -> Spec:
    """The typed spec of a catalog ``pricing:`` mapping (a typed spec is returned as is)."""
    if isinstance(source, Spec):
        return source
    if not isinstance(source, Mapping):
        raise ValidationError.single("pricing", "must be a mapping with a model and its prices")
    model = _model(source.get("model"))
    reader = _Reader(source, [])
    match model:
        case PricingModel.FLAT:
            return _flat(reader)
        case PricingModel.PER_UNIT:
            return _per_unit(reader)
        case PricingModel.GRADUATED:
            return _graduated(reader)
        case PricingModel.VOLUME:
            return _volume(reader)
        case PricingModel.PACKAGE:
            return _package(reader)
        case PricingModel.PERCENTAGE:
            return _percentage(reader)
        case PricingModel.GRADUATED_PERCENTAGE:
            return _graduated_percentage(reader)
        case _:
            assert_never(model)


def _model(raw: object) -> PricingModel:
    if raw is None:
        raise ValidationError.single("model", f"is required: one of {_MODELS}")
    if isinstance(raw, str) and raw in _MODEL_NAMES:
        return PricingModel(raw)
    raise ValidationError.single(
        "model", f"{raw!r} is not a pricing model; expected one of {_MODELS}"
    )


def _flat(r: _Reader) -> FlatSpec:
    amount = r.number("amount")
    r.finish()
    return FlatSpec(amount=amount)


def _per_unit(r: _Reader) -> PerUnitSpec:
    unit_price = r.number("unit_price")
    r.finish()
    return PerUnitSpec(unit_price=unit_price)


def _unit_tiers(r: _Reader) -> tuple[UnitTier, ...]:
    rows = r.tiers("unit_price")
    r.finish()
    return tuple(
        UnitTier(up_to=up_to, unit_price=price, flat_fee=fee) for up_to, price, fee in rows
    )


def _graduated(r: _Reader) -> GraduatedSpec:
    return GraduatedSpec(tiers=_unit_tiers(r))


def _volume(r: _Reader) -> VolumeSpec:
    return VolumeSpec(tiers=_unit_tiers(r))


def _package(r: _Reader) -> PackageSpec:
    package_size = r.number("package_size", positive=True)
    package_price = r.number("package_price")
    free_units = r.optional_number("free_units") or ZERO
    r.finish()
    return PackageSpec(
        package_size=package_size, package_price=package_price, free_units=free_units
    )


def _percentage(r: _Reader) -> PercentageSpec:
    rate = r.number("rate")
    fixed_fee = r.optional_number("fixed_fee") or ZERO
    free_transactions = r.optional_count("free_transactions")
    free_amount = r.optional_number("free_amount")
    low = r.optional_number("min_per_transaction")
    high = r.optional_number("max_per_transaction")
    reason = clamp_problem(low, high)
    if reason:
        r.problem("max_per_transaction", reason)
    r.finish()
    return PercentageSpec(
        rate=rate,
        fixed_fee=fixed_fee,
        free_transactions=free_transactions,
        free_amount=free_amount,
        min_per_transaction=low,
        max_per_transaction=high,
    )


def _graduated_percentage(r: _Reader) -> GraduatedPercentageSpec:
    rows = r.tiers("rate")
    r.finish()
    tiers = tuple(RateTier(up_to=up_to, rate=rate, flat_fee=fee) for up_to, rate, fee in rows)
    return GraduatedPercentageSpec(tiers=tiers)


def spec_to_mapping(spec: Spec) -> dict[str, object]:
    """The file form of ``spec``: every number as text, optional fields left out when unset."""
    fields: dict[str, object]
    match spec:
        case FlatSpec():
            fields = {"amount": spec.amount}
        case PerUnitSpec():
            fields = {"unit_price": spec.unit_price}
        case GraduatedSpec() | VolumeSpec() | GraduatedPercentageSpec():
            fields = {"tiers": [_tier_mapping(tier) for tier in spec.tiers]}
        case PackageSpec():
            fields = {
                "package_size": spec.package_size,
                "package_price": spec.package_price,
                "free_units": spec.free_units or None,
            }
        case PercentageSpec():
            fields = {
                "rate": spec.rate,
                "fixed_fee": spec.fixed_fee or None,
                "free_transactions": spec.free_transactions,
                "free_amount": spec.free_amount,
                "min_per_transaction": spec.min_per_transaction,
                "max_per_transaction": spec.max_per_transaction,
            }
        case _:
            assert_never(spec)
    return {"model": str(spec.model), **_texts(fields)}


def _tier_mapping(tier: Tier) -> dict[str, object]:
    price = {"unit_price": tier.unit_price} if isinstance(tier, UnitTier) else {"rate": tier.rate}
    return _texts({"up_to": tier.up_to, **price, "flat_fee": tier.flat_fee or None})


def _texts(fields: dict[str, object]) -> dict[str, object]:
    return {name: _text(value) for name, value in fields.items() if value is not None}


def _text(value: object) -> object:
    if isinstance(value, Decimal):
        # Plain notation ("0.0000001", not "1E-7") reads better in a file and parses back equal.
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return value
