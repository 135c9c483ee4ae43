"""One error hierarchy for tarifa.

Every error raised on purpose by tarifa derives from :class:`TarifaError` and carries a
stable ``code`` that the CLI, the REST API (RFC 9457 problem+json) and scripts can rely on.
Validation errors carry *every* problem found, each naming its field and the reason, so a
caller fixes a record in one round trip instead of one error at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class TarifaError(Exception):
    """Base of every error tarifa raises on purpose."""

    code = "tarifa_error"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of an input record."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class ValidationError(TarifaError, ValueError):
    """Input was refused; ``errors`` lists every problem at once."""

    code = "validation_error"

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors) or "invalid input")

    @classmethod
    def single(cls, field: str, reason: str) -> ValidationError:
        return cls([FieldError(field, reason)])


class CurrencyMismatchError(TarifaError, ValueError):
    """Arithmetic or comparison between amounts of different currencies."""

    code = "currency_mismatch"


class UnknownCurrencyError(TarifaError, ValueError):
    """A currency code that is not in the ISO 4217 table."""

    code = "unknown_currency"


class NotFoundError(TarifaError, LookupError):
    """A business entity that does not exist (or is not visible to the caller)."""

    code = "not_found"


class ConflictError(TarifaError):
    """The change clashes with the current state (a duplicate key, an overlap, a stale version)."""

    code = "conflict"


class StaleVersionError(ConflictError):
    """The change names a version of the entity that is no longer current (someone changed it
    since it was read: read it again and retry). HTTP answers it 412 to an If-Match."""

    code = "stale_version"


class OrderIdReusedError(ValidationError):
    """An order id that was used for another order (a different body): refused like an
    Idempotency-Key sent again with another request (HTTP 422)."""

    code = "order_id_reused"


class DatabaseError(TarifaError):
    """The database could not be reached, started or migrated."""

    code = "database_error"


class SignatureError(TarifaError, ValueError):
    """A signed message (a webhook) whose signature or timestamp does not check out."""

    code = "invalid_signature"
