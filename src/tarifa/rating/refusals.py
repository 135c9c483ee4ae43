"""Records the batch rater refused (the table `rating_errors`), listed with the record each
belongs to and counted per code, so that an operator sees what a tariff does not price (a
destination without a rate, a subject without a profile, an account in another currency
than its tariff), fixes it, and rates them again with `rerate`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tarifa.db import queries
from tarifa.db.connection import Database
from tarifa.errors import FieldError, ValidationError

_SQL = queries.load("rating")
#: What the batch rater writes (the reference rater knows the first two; the third is the
#: batch's check of an account's currency against its tariff's).
CODES = ("unauthorized_destination", "no_rating_profile", "currency_mismatch")
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingRefusal:
    """One refused record: its usage id, where it came from, and why it was refused."""

    usage_id: int
    source: str
    record_id: str | None
    account: str  # the account's external id
    started_at: datetime
    category: str
    destination: str
    usage: Decimal
    unit: str
    code: str
    message: str
    run_id: int
    failed_at: datetime


def list_refusals(
    db: Database,
    *,
    code: str | None = None,
    account_id: int | None = None,
    limit: int = 100,
    after_id: int | None = None,
) -> list[RatingRefusal]:
    """Refused records in usage id order, `limit` at a time (pass the last usage id as
    `after_id` for the next page), of one code and one account or all."""
    problems = []
    if code is not None and code not in CODES:
        problems.append(FieldError("code", f"must be one of {', '.join(CODES)}"))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        problems.append(FieldError("limit", f"must be a whole number from 1 to {MAX_PAGE}"))
    if problems:
        raise ValidationError(problems)
    params = {"code": code, "account_id": account_id, "limit": limit, "after_id": after_id or 0}
    with db.transaction() as conn:
        rows = conn.execute(_SQL["refusals"], params).fetchall()
    return [RatingRefusal(**row) for row in rows]  # type: ignore[arg-type]


def count_by_code(db: Database, *, account_id: int | None = None) -> dict[str, int]:
    """How many records are refused, per code (codes with none left out)."""
    with db.transaction() as conn:
        rows = conn.execute(_SQL["refusal_counts"], {"account_id": account_id}).fetchall()
    return {str(row["code"]): int(str(row["records"])) for row in rows}
