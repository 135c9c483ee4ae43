"""What pricing returns: a precise amount and the breakdown an invoice prints.

A charge's amount alone does not explain itself: "EUR 300" says nothing, "tier 1: 10 units at
10.00, tier 2: 10 units at 5.00, flat fees 2.00 + 3.00" does. Every pricing model returns a
:class:`PriceResult` whose breakdown items add up exactly to its amount, so an invoice can list
the items, a customer can redo the sum, and nothing is hidden in a rounding step: amounts here
are precise and never rounded (rounding happens once, when the invoice line is finalized).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class PricingModel(StrEnum):
    """The pricing models of DOMAIN.md, "Pricing models", as catalog files name them."""

    FLAT = "flat"
    PER_UNIT = "per_unit"
    GRADUATED = "graduated"
    VOLUME = "volume"
    PACKAGE = "package"
    PERCENTAGE = "percentage"
    GRADUATED_PERCENTAGE = "graduated_percentage"


class ItemKind(StrEnum):
    """What one breakdown item stands for, and so how an invoice words it."""

    #: A fixed amount for the period: quantity 1 at ``unit_price``.
    FLAT = "flat"
    #: Units at one unit price (per_unit).
    UNITS = "units"
    #: The part of the usage priced in one tier: units at the tier's ``unit_price``
    #: (graduated, volume) or an amount of money at the tier's ``rate`` (graduated_percentage).
    TIER = "tier"
    #: A tier's flat fee, charged once because usage entered the tier.
    TIER_FLAT_FEE = "tier_flat_fee"
    #: Units given free before packages are counted (package).
    FREE_UNITS = "free_units"
    #: Whole packages started, at ``unit_price`` each (package).
    PACKAGES = "packages"
    #: Transactions inside the free limits: ``transactions`` of them, worth ``quantity``.
    FREE_TRANSACTIONS = "free_transactions"
    #: Transactions charged at ``rate`` plus the fixed fee, within the per-transaction clamp.
    CHARGED_TRANSACTIONS = "charged_transactions"


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakdownItem:
    """One line of explanation under a charge.

    ``quantity`` is what is counted: units, packages, 1 for a fixed fee, or an amount of money
    for the transaction and percentage-tier items. ``unit_price`` is what one of them costs
    and ``rate`` the percent taken of them, whichever applies (the other is None). ``tier``
    numbers tiers from 1, in the order the catalog lists them; ``transactions`` counts the
    transactions an item covers. ``amount`` is precise and never negative.
    """

    kind: ItemKind
    quantity: Decimal
    amount: Decimal
    unit_price: Decimal | None = None
    rate: Decimal | None = None
    tier: int | None = None
    transactions: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceResult:
    """A priced charge: ``amount`` (precise, never rounded) is the sum of the breakdown."""

    model: PricingModel
    amount: Decimal
    breakdown: tuple[BreakdownItem, ...]


# -- building results fast -------------------------------------------------------------------
#
# A frozen dataclass's generated __init__ sets each field through object.__setattr__, which
# costs about 1 µs for a BreakdownItem: as much as all the arithmetic of a price. Pricing makes
# a million of them a second, so the model modules build items and results with the functions
# below, which fill the same slots through their descriptors, twice as fast. The instances are
# the same in every way (same fields, equality, hash, repr; tests compare them with ones built
# by the constructor); only types without __post_init__ checks are built like this.

_new = object.__new__
_set_kind = BreakdownItem.__dict__["kind"].__set__
_set_quantity = BreakdownItem.__dict__["quantity"].__set__
_set_amount = BreakdownItem.__dict__["amount"].__set__
_set_unit_price = BreakdownItem.__dict__["unit_price"].__set__
_set_rate = BreakdownItem.__dict__["rate"].__set__
_set_tier = BreakdownItem.__dict__["tier"].__set__
_set_transactions = BreakdownItem.__dict__["transactions"].__set__
_set_model = PriceResult.__dict__["model"].__set__
_set_total = PriceResult.__dict__["amount"].__set__
_set_breakdown = PriceResult.__dict__["breakdown"].__set__


def item(
    kind: ItemKind,
    quantity: Decimal,
    amount: Decimal,
    unit_price: Decimal | None = None,
    rate: Decimal | None = None,
    tier: int | None = None,
    transactions: int | None = None,
) -> BreakdownItem:
    """``BreakdownItem(kind=..., ...)``, the same fields in the same order, built faster."""
    made = _new(BreakdownItem)
    _set_kind(made, kind)
    _set_quantity(made, quantity)
    _set_amount(made, amount)
    _set_unit_price(made, unit_price)
    _set_rate(made, rate)
    _set_tier(made, tier)
    _set_transactions(made, transactions)
    return made


def result(
    model: PricingModel, amount: Decimal, breakdown: tuple[BreakdownItem, ...]
) -> PriceResult:
    """``PriceResult(model=..., amount=..., breakdown=...)``, built faster."""
    made = _new(PriceResult)
    _set_model(made, model)
    _set_total(made, amount)
    _set_breakdown(made, breakdown)
    return made
