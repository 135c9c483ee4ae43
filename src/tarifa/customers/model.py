"""Customers (accounts) and their usage identifiers, as pure values.

A customer is the party that is billed: a person or a business, with the legal name, billing
address and tax id its invoices carry, the currency and time zone its billing periods are
computed in (DOMAIN.md, "Subscriptions and billing cycles"), and optionally a *parent*: a
corporate account that pays its children's invoices.

Usage identifiers tie usage records to an account: a phone number in E.164, a SIP user name or
an Asterisk account code, each valid over a half-open period ``[valid_from, valid_to)``.
Numbers are recycled and ported, so a record is resolved by its *event time*, never by who
holds the number today.

Everything here is pure: no database, no clock. :func:`validate_customer` turns a raw mapping
(a CSV row, an API body, a Python dict) into a typed :class:`CustomerDraft`, or raises one
:class:`~tarifa.errors.ValidationError` listing *every* problem, each with its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from tarifa.customers import checks
from tarifa.errors import FieldError, ValidationError

#: Lengths the database checks as well (sql/migrations/0003_create_customers.sql).
MAX_EXTERNAL_ID = 100
MAX_NAME = 200
MAX_ADDRESS_LINE = 200
MAX_POSTAL_CODE = 20
MAX_CITY = 100
MAX_TAX_ID = 50
MAX_EMAILS = 10
DEFAULT_PAYMENT_TERMS_DAYS = 30


class CustomerKind(StrEnum):
    """A person (a consumer: taxed where they live) or a business (may be reverse-charged)."""

    PERSON = "person"
    BUSINESS = "business"


class CustomerStatus(StrEnum):
    """Active accounts are billed; suspended ones keep their data but stop recurring fees;
    closed ones are final (their identifiers end at the close time)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class IdentifierKind(StrEnum):
    """What a usage record names its account by."""

    E164 = "e164"  # a phone number, +CC followed by the national number
    SIP = "sip"  # a SIP user name, lowercased: user@domain or a bare user
    ACCOUNT_CODE = "account_code"  # an Asterisk accountcode, as given (trimmed)


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """The billing address printed on invoices. EN 16931 requires only the buyer's country
    (BT-55); the other parts are optional because some customers are billed by email only."""

    line1: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerFields:
    """The fields a provider sets on an account (everything except identity and history)."""

    external_id: str
    kind: CustomerKind
    status: CustomerStatus = CustomerStatus.ACTIVE
    legal_name: str
    emails: tuple[str, ...] = ()
    address: Address
    currency: str
    time_zone: str
    billing_cycle_day: int
    locale: str
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    tax_id: str | None = None
    tax_exempt_reason: str | None = None
    parent_id: int | None = None

    @property
    def country(self) -> str:
        """The country of the billing address, which decides the customer's tax treatment."""
        return self.address.country


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerDraft(CustomerFields):
    """A validated customer not yet stored. The parent may be named by its external id
    (from the CRM); the service resolves it to `parent_id`."""

    parent_external_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer(CustomerFields):
    """A stored customer. `version` grows by one with every change (optimistic concurrency:
    an update may name the version it was based on and is refused if another came first)."""

    id: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    version: int = 1

    def __eq__(self, other: object) -> bool:  # entities compare by id (STYLE.md 4)
        return isinstance(other, Customer) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("customer", self.id))


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifierDraft:
    """A validated usage identifier not yet stored: valid over ``[valid_from, valid_to)``."""

    kind: IdentifierKind
    value: str
    valid_from: datetime
    valid_to: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageIdentifier(IdentifierDraft):
    """A stored usage identifier of an account (and later, optionally, of one subscription)."""

    id: int
    account_id: int
    subscription_id: int | None = None

    def active_at(self, at: datetime) -> bool:
        """Whether a usage record at `at` belongs to this identifier's account (half-open)."""
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


#: The raw keys a customer record may carry (the CSV columns of the customer itself).
CUSTOMER_FIELDS = (
    "external_id",
    "kind",
    "status",
    "legal_name",
    "emails",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "region",
    "country",
    "currency",
    "time_zone",
    "billing_cycle_day",
    "locale",
    "payment_terms_days",
    "tax_id",
    "tax_exempt_reason",
    "parent_id",
    "parent_external_id",
)
_KNOWN = frozenset(CUSTOMER_FIELDS)
_T = TypeVar("_T")


def validate_customer(raw: Mapping[str, Any]) -> CustomerDraft:
    """Check a raw customer record and return it typed and normalized.

    Raises ValidationError with every problem at once. Text is trimmed and an empty string
    counts as missing (what a CSV cell holds). Numbers are whole numbers given as int or as
    digits; floats are refused everywhere, since a binary float is never what a person meant.
    """
    errors: list[FieldError] = []
    unknown = raw.keys() - _KNOWN
    if unknown:
        errors.extend(FieldError(key, "unknown field") for key in raw if key in unknown)
    c = checks.Collector(raw, errors)
    external_id = c.text("external_id", MAX_EXTERNAL_ID, required=True)
    kind = c.choice("kind", CustomerKind, required=True)
    status = c.choice("status", CustomerStatus) or CustomerStatus.ACTIVE
    if status is CustomerStatus.CLOSED:
        errors.append(FieldError("status", "an account is closed by closing it, not by an edit"))
    legal_name = c.text("legal_name", MAX_NAME, required=True)
    emails = c.emails("emails", MAX_EMAILS)
    country = c.country("country")
    address = Address(
        line1=c.text("address_line1", MAX_ADDRESS_LINE),
        line2=c.text("address_line2", MAX_ADDRESS_LINE),
        postal_code=c.text("postal_code", MAX_POSTAL_CODE),
        city=c.text("city", MAX_CITY),
        region=c.text("region", MAX_CITY),
        country=country or "",
    )
    currency = c.currency("currency")
    time_zone = c.time_zone("time_zone")
    billing_cycle_day = c.integer("billing_cycle_day", 1, 31, required=True)
    locale = c.locale("locale")
    payment_terms = c.integer("payment_terms_days", 0, 365, default=DEFAULT_PAYMENT_TERMS_DAYS)
    tax_id = c.tax_id("tax_id", country, MAX_TAX_ID)
    tax_exempt_reason = c.text("tax_exempt_reason", MAX_NAME)
    parent_id = c.integer("parent_id", 1, 2**63 - 1)
    parent_external_id = c.text("parent_external_id", MAX_EXTERNAL_ID)
    if parent_id is not None and parent_external_id is not None:
        errors.append(FieldError("parent_id", "give parent_id or parent_external_id, not both"))
    if parent_external_id is not None and parent_external_id == external_id:
        errors.append(FieldError("parent_external_id", "an account cannot be its own parent"))
    if errors:
        raise ValidationError(errors)
    return CustomerDraft(
        external_id=_present(external_id),
        kind=_present(kind),
        status=status,
        legal_name=_present(legal_name),
        emails=emails,
        address=address,
        currency=_present(currency),
        time_zone=_present(time_zone),
        billing_cycle_day=_present(billing_cycle_day),
        locale=_present(locale),
        payment_terms_days=_present(payment_terms),
        tax_id=tax_id,
        tax_exempt_reason=tax_exempt_reason,
        parent_id=parent_id,
        parent_external_id=parent_external_id,
    )


def customer_to_raw(customer: CustomerFields) -> dict[str, Any]:
    """The raw mapping that validates back to the same fields (used to merge an update)."""
    address = customer.address
    return {
        "external_id": customer.external_id,
        "kind": customer.kind.value,
        "status": customer.status.value,
        "legal_name": customer.legal_name,
        "emails": customer.emails,
        "address_line1": address.line1,
        "address_line2": address.line2,
        "postal_code": address.postal_code,
        "city": address.city,
        "region": address.region,
        "country": address.country,
        "currency": customer.currency,
        "time_zone": customer.time_zone,
        "billing_cycle_day": customer.billing_cycle_day,
        "locale": customer.locale,
        "payment_terms_days": customer.payment_terms_days,
        "tax_id": customer.tax_id,
        "tax_exempt_reason": customer.tax_exempt_reason,
        "parent_id": customer.parent_id,
    }


def normalize_identifier(kind: IdentifierKind | str, value: object) -> tuple[IdentifierKind, str]:
    """The kind and canonical value of a usage identifier, or ValidationError.

    - e164: must start with "+" (a number without its country code is ambiguous), must be a
      valid number for its country, and is stored as +CCNNN without spaces;
    - sip: lowercased (SIP user names are matched case-insensitively by the usual proxies),
      a "sip:" scheme dropped, ``user@domain`` or a bare ``user``;
    - account_code: as given, trimmed (Asterisk compares account codes exactly).
    """
    errors: list[FieldError] = []
    parsed_kind = checks.Collector({"kind": kind}, errors).choice(
        "kind", IdentifierKind, required=True
    )
    if parsed_kind is None:
        raise ValidationError(errors)
    if not isinstance(value, str):
        raise ValidationError.single("value", "must be text")
    canonical, problem = checks.identifier(parsed_kind.value, value)
    if problem is not None:
        raise ValidationError.single("value", problem)
    return parsed_kind, canonical


def validate_identifier(
    kind: IdentifierKind | str,
    value: object,
    valid_from: object,
    valid_to: object = None,
) -> IdentifierDraft:
    """Check a usage identifier and its validity period; every problem at once."""
    errors: list[FieldError] = []
    canonical: tuple[IdentifierKind, str] | None = None
    try:
        canonical = normalize_identifier(kind, value)
    except ValidationError as err:
        errors.extend(err.errors)
    start = checks.instant(valid_from, "valid_from", errors, required=True)
    end = checks.instant(valid_to, "valid_to", errors)
    if start is not None and end is not None and end <= start:
        errors.append(FieldError("valid_to", "must be after valid_from (periods are half-open)"))
    if errors or canonical is None or start is None:
        raise ValidationError(errors)
    return IdentifierDraft(kind=canonical[0], value=canonical[1], valid_from=start, valid_to=end)


def _present(value: _T | None) -> _T:
    # Only called once no error was collected, so every required value is there.
    if value is None:
        raise ValidationError.single("internal", "a required value went missing")
    return value
