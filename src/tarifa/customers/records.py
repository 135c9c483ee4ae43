"""Between stored rows and model values: row mapping, query parameters, audit payloads.

Personal data (names, emails, addresses, tax ids, identifier values such as phone numbers)
goes to the audit log's erasable `personal` part, never to `data` (DOMAIN.md, "Personal
data"): an erasure request can then pseudonymize a person without breaking the hash chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tarifa.customers.model import (
    Address,
    Customer,
    CustomerFields,
    CustomerKind,
    CustomerStatus,
    IdentifierKind,
    UsageIdentifier,
    customer_to_raw,
)

#: Raw customer fields that identify a person; everything else is billing configuration.
PERSONAL_FIELDS = frozenset(
    {"legal_name", "emails", "address_line1", "address_line2", "postal_code", "city", "region",
     "tax_id"}
)  # fmt: skip


def customer_from_row(row: Mapping[str, Any]) -> Customer:
    return Customer(
        id=row["id"],
        external_id=row["external_id"],
        kind=CustomerKind(row["kind"]),
        status=CustomerStatus(row["status"]),
        legal_name=row["legal_name"],
        emails=tuple(row["emails"]),
        address=Address(
            line1=row["address_line1"],
            line2=row["address_line2"],
            postal_code=row["postal_code"],
            city=row["city"],
            region=row["region"],
            country=row["country"],
        ),
        currency=row["currency"],
        time_zone=row["time_zone"],
        billing_cycle_day=row["billing_cycle_day"],
        locale=row["locale"],
        payment_terms_days=row["payment_terms_days"],
        tax_id=row["tax_id"],
        tax_exempt_reason=row["tax_exempt_reason"],
        parent_id=row["parent_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        closed_at=row["closed_at"],
        version=row["version"],
    )


def identifier_from_row(row: Mapping[str, Any]) -> UsageIdentifier:
    return UsageIdentifier(
        id=row["id"],
        account_id=row["account_id"],
        subscription_id=row["subscription_id"],
        kind=IdentifierKind(row["kind"]),
        value=row["value"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
    )


def customer_params(fields: CustomerFields) -> dict[str, Any]:
    """Query parameters of the customer columns an insert or update sets."""
    params = customer_to_raw(fields)
    params["emails"] = list(fields.emails)
    return params


def split_personal(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(data, personal): the audit log's two parts of a set of customer field values."""
    data = {k: v for k, v in values.items() if k not in PERSONAL_FIELDS}
    personal = {k: v for k, v in values.items() if k in PERSONAL_FIELDS}
    return data, personal


def changed_fields(before: CustomerFields, after: CustomerFields) -> dict[str, Any]:
    """The raw fields whose value differs, with the new values."""
    old, new = customer_to_raw(before), customer_to_raw(after)
    return {name: value for name, value in new.items() if old[name] != value}
