"""What a provider sells, as pure frozen values: products, plans with versions, charges,
allowances, promotions and coupons.

A **plan** is what a customer subscribes to; it changes over time through **versions**, each
in force from its `effective_from` date until the next version's. A subscription stays on the
version it started on until it is moved, so a stored version never changes: a new price is a
new version (see :mod:`tarifa.catalog.store`).

A version's **charges** are of three kinds (DOMAIN.md, "Pricing models"):

- ``recurring``: a fee per billing period, billed in advance or in arrears;
- ``usage``: either a pricing model over an aggregated metric of the period (`pricing`), or
  the sum of the rated costs of the period's usage records under a rating plan (`tariff`);
- ``one_time``: charged once, on the first invoice of a subscription.

Every priced charge has a price in each of the version's currencies: a pricing spec
(:mod:`tarifa.pricing`) per currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tarifa.catalog.dunning import Step
from tarifa.errors import NotFoundError
from tarifa.pricing import PricingModel, Spec


class ServiceType(StrEnum):
    """What a product is, for reports, tax rules and the usage it is matched with."""

    VOICE = "voice"
    DATA = "data"
    SMS = "sms"
    MMS = "mms"
    VIDEO = "video"
    RECURRING = "recurring"
    ONE_TIME = "one_time"
    OTHER = "other"


class ChargeKind(StrEnum):
    RECURRING = "recurring"
    USAGE = "usage"
    ONE_TIME = "one_time"


class BillingPeriod(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        """Length in months (0 for weekly, which is counted in days)."""
        return {"weekly": 0, "monthly": 1, "quarterly": 3, "yearly": 12}[self.value]


class Timing(StrEnum):
    """When a recurring fee is billed: at the start of its period or at its end."""

    IN_ADVANCE = "in_advance"
    IN_ARREARS = "in_arrears"


class Proration(StrEnum):
    """How a partial period is priced (DOMAIN.md, "Subscriptions and billing cycles")."""

    ACTUAL_DAYS = "actual_days"
    THIRTY_360 = "thirty_360"
    INCLUSIVE_DAYS = "inclusive_days"
    SECONDS = "seconds"


class Unit(StrEnum):
    """The unit a usage charge is priced in. Data units are decimal (MB = 10^6 bytes) unless
    the charge says MiB/GiB (DOMAIN.md); `amount` is a transaction amount in the plan's
    currency (percentage pricing)."""

    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    BYTES = "bytes"
    KB = "KB"
    MB = "MB"
    GB = "GB"
    KIB = "KiB"
    MIB = "MiB"
    GIB = "GiB"
    EVENTS = "events"
    AMOUNT = "amount"

    @property
    def base(self) -> tuple[str, int]:
        """The base unit this unit counts (seconds, bytes, events or amount) and how many of
        them one unit is."""
        return _BASE[self.value]


_BASE = {
    "seconds": ("seconds", 1),
    "minutes": ("seconds", 60),
    "hours": ("seconds", 3600),
    "bytes": ("bytes", 1),
    "KB": ("bytes", 10**3),
    "MB": ("bytes", 10**6),
    "GB": ("bytes", 10**9),
    "KiB": ("bytes", 2**10),
    "MiB": ("bytes", 2**20),
    "GiB": ("bytes", 2**30),
    "events": ("events", 1),
    "amount": ("amount", 1),
}
#: Models priced over a list of transaction amounts rather than a quantity.
TRANSACTION_MODELS = frozenset({PricingModel.PERCENTAGE, PricingModel.GRADUATED_PERCENTAGE})


class Duration(StrEnum):
    """How long a coupon keeps discounting a subscription, from the period it is redeemed in."""

    ONCE = "once"
    REPEATING = "repeating"
    FOREVER = "forever"


class Scope(StrEnum):
    """What a coupon discounts: the whole invoice, one plan's lines, or one charge's lines."""

    INVOICE = "invoice"
    PLAN = "plan"
    CHARGE = "charge"


@dataclass(frozen=True, slots=True, kw_only=True)
class Product:
    code: str
    name: str
    service: ServiceType


@dataclass(frozen=True, slots=True, kw_only=True)
class Price:
    """One charge's price in one currency."""

    currency: str
    spec: Spec


@dataclass(frozen=True, slots=True, kw_only=True)
class Amount:
    """A plain amount in one currency (a minimum commitment, a fixed coupon)."""

    currency: str
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Allowance:
    """Units included in every period before the charge starts counting. `prorate`: a partial
    first or last period gets the same share of the allowance as of the recurring fee.
    `destinations`: only usage to these destination groups consumes it (empty = all)."""

    quantity: Decimal
    prorate: bool = True
    destinations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Charge:
    code: str
    name: str
    kind: ChargeKind
    product: str
    prices: tuple[Price, ...] = ()
    timing: Timing | None = None  # recurring only
    metric: str | None = None  # usage with pricing only
    unit: Unit | None = None  # usage with pricing only
    tariff: str | None = None  # usage rated by a rating plan instead of priced
    allowance: Allowance | None = None
    #: Recurring only: billed for the first `periods` periods of a subscription, then no more
    #: (a device paid in instalments). None: for as long as the subscription runs.
    periods: int | None = None

    def price_in(self, currency: str) -> Spec:
        for price in self.prices:
            if price.currency == currency:
                return price.spec
        raise NotFoundError(f"charge {self.code!r} has no price in {currency}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Promotion:
    """A promotional price for one charge over the first `periods` periods of a subscription."""

    charge: str
    periods: int
    prices: tuple[Price, ...]

    def price_in(self, currency: str) -> Spec | None:
        return next((p.spec for p in self.prices if p.currency == currency), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanVersion:
    effective_from: date
    currencies: tuple[str, ...]
    billing_period: BillingPeriod
    proration: Proration = Proration.ACTUAL_DAYS
    trial_days: int = 0
    minimum_commitment: tuple[Amount, ...] = ()
    charges: tuple[Charge, ...] = ()
    promotions: tuple[Promotion, ...] = ()

    def charge(self, code: str) -> Charge:
        for charge in self.charges:
            if charge.code == code:
                return charge
        raise NotFoundError(f"no charge {code!r}")

    def minimum_in(self, currency: str) -> Decimal | None:
        return next((m.amount for m in self.minimum_commitment if m.currency == currency), None)

    def promotion_for(self, charge: str, period_index: int) -> Promotion | None:
        """The promotion priced for `charge` in the subscription's period `period_index`
        (0 = first), if any."""
        return next(
            (p for p in self.promotions if p.charge == charge and period_index < p.periods), None
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    code: str
    name: str
    description: str | None = None
    versions: tuple[PlanVersion, ...] = ()  # by effective_from, ascending
    #: Its dunning schedule (:mod:`tarifa.catalog.dunning`); None: the installation's.
    #: Collection policy, not a price: it may change, and applies from the next dunning run.
    dunning: tuple[Step, ...] | None = None

    def version_on(self, day: date) -> PlanVersion:
        """The version in force on `day`: the latest one effective on or before it."""
        in_force = [v for v in self.versions if v.effective_from <= day]
        if not in_force:
            raise NotFoundError(f"plan {self.code!r} has no version in force on {day.isoformat()}")
        return in_force[-1]

    def number_of(self, version: PlanVersion) -> int:
        """A version's number: 1 for the first, in effective order."""
        return self.versions.index(version) + 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Coupon:
    """A discount a customer redeems with a code (DOMAIN.md: discounts apply after pricing).

    Exactly one of `percentage` (a percent, 0 < p ≤ 100) or `amounts` (a fixed amount per
    currency). `valid_from`/`valid_until` bound when it can be redeemed (both days included);
    `max_redemptions` how often, over all customers.
    """

    code: str
    name: str
    percentage: Decimal | None = None
    amounts: tuple[Amount, ...] = ()
    duration: Duration = Duration.ONCE
    periods: int | None = None  # how many periods a repeating coupon lasts
    scope: Scope = Scope.INVOICE
    target: str | None = None  # a plan code (PLAN) or a charge code (CHARGE)
    valid_from: date | None = None
    valid_until: date | None = None
    max_redemptions: int | None = None

    def amount_in(self, currency: str) -> Decimal | None:
        return next((a.amount for a in self.amounts if a.currency == currency), None)

    def redeemable(self, on: date, redeemed: int = 0) -> str | None:
        """Why the coupon cannot be redeemed on `on` after `redeemed` redemptions, or None."""
        if self.valid_from is not None and on < self.valid_from:
            return f"coupon {self.code} is valid from {self.valid_from.isoformat()}"
        if self.valid_until is not None and on > self.valid_until:
            return f"coupon {self.code} expired on {self.valid_until.isoformat()}"
        if self.max_redemptions is not None and redeemed >= self.max_redemptions:
            return f"coupon {self.code} was redeemed {self.max_redemptions} times, its maximum"
        return None

    def applies_in_period(self, period_index: int) -> bool:
        """Whether it still discounts a subscription's period `period_index`, counted from the
        period it was redeemed in (0)."""
        if self.duration is Duration.ONCE:
            return period_index == 0
        if self.duration is Duration.REPEATING:
            return period_index < (self.periods or 0)
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalog:
    products: tuple[Product, ...] = ()
    plans: tuple[Plan, ...] = ()
    coupons: tuple[Coupon, ...] = ()

    def plan(self, code: str) -> Plan:
        for plan in self.plans:
            if plan.code == code:
                return plan
        raise NotFoundError(f"no plan {code!r} in the catalog")

    def coupon(self, code: str) -> Coupon:
        for coupon in self.coupons:
            if coupon.code == code:
                return coupon
        raise NotFoundError(f"no coupon {code!r} in the catalog")

    def product(self, code: str) -> Product:
        for product in self.products:
            if product.code == code:
                return product
        raise NotFoundError(f"no product {code!r} in the catalog")
