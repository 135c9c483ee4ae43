"""Customers (accounts), their usage identifiers, and the bulk CSV import.

The package's top level exports the pure model only, so importing it never pulls in the
database driver; the service is `tarifa.customers.service.Customers` (also reachable as
`Billing.customers`).
"""

from tarifa.customers.model import (
    Address,
    Customer,
    CustomerDraft,
    CustomerKind,
    CustomerStatus,
    IdentifierDraft,
    IdentifierKind,
    UsageIdentifier,
    normalize_identifier,
    validate_customer,
    validate_identifier,
)

__all__ = [
    "Address",
    "Customer",
    "CustomerDraft",
    "CustomerKind",
    "CustomerStatus",
    "IdentifierDraft",
    "IdentifierKind",
    "UsageIdentifier",
    "normalize_identifier",
    "validate_customer",
    "validate_identifier",
]
