"""Collecting due invoices from the customers' cards (DOMAIN.md "Payments"; issue 6 point 4).

For each finalized invoice due on or before the day, with something left to pay, whose
account pays by card by default:

1. in a transaction of its own, under the invoice's lock, a payment attempt is written as
   `pending` with an idempotency key of its own (``collect:<invoice>:<attempt>``) and
   committed, **before** the gateway is called;
2. the gateway is asked to charge the card's token with that key;
3. in a second transaction the attempt becomes `succeeded` (and its money is allocated to
   the invoice, then to the oldest others, the rest kept as credit, with ledger entries),
   `failed` (with the gateway's code), or `unknown` when no answer came.

An invoice with an attempt still `pending` or `unknown` is never charged again:
:func:`resolve` asks the gateway what became of each such attempt (by its key) and settles
it; an attempt the gateway never received fails (`not_received`) and the next collection
tries again with a new key. A collector killed between the gateway's answer and its commit
leaves the attempt pending: resolving it finds the charge. A customer is never charged twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.payments.booking import spread
from tarifa.payments.gateway import ChargeResult, ChargeStatus, PaymentGateway

_SQL = queries.load("payments")
_AS_STATUS = {s.value: s for s in ChargeStatus}
#: A pending attempt younger than this may still be waiting for its answer.
RESOLVE_GRACE_SECONDS = 60


@dataclass(slots=True, kw_only=True)
class CollectionReport:
    attempted: int = 0
    succeeded: int = 0
    failed: int = 0
    unknown: int = 0
    #: (invoice number, failure code) of the declined ones.
    declined: list[tuple[str, str]] = field(default_factory=list)


def collect(db: Database, gateway: PaymentGateway, *, on: dt.date, actor: str) -> CollectionReport:
    report = CollectionReport()
    with db.transaction() as conn:
        due: list[dict[str, Any]] = conn.execute(
            _SQL["due_for_collection"], {"gateway": gateway.name, "on": on}
        ).fetchall()
    for invoice in due:
        attempt = _open_attempt(db, invoice, gateway.name, on=on, actor=actor)
        if attempt is None:
            continue  # paid meanwhile, or another collector has it
        report.attempted += 1
        result = gateway.charge(
            amount=attempt["amount"],
            currency=str(attempt["currency"]),
            token=str(invoice["token"]),
            idempotency_key=str(attempt["idempotency_key"]),
        )
        status = _settle(db, int(attempt["id"]), result, actor=actor)
        if status is ChargeStatus.SUCCEEDED:
            report.succeeded += 1
        elif status is ChargeStatus.FAILED:
            report.failed += 1
            report.declined.append((str(invoice["number"]), str(result.failure_code)))
        else:
            report.unknown += 1
    return report


def resolve(
    db: Database,
    gateway: PaymentGateway,
    *,
    actor: str,
    older_than: float = RESOLVE_GRACE_SECONDS,
) -> CollectionReport:
    """Settle the attempts left pending or unknown by asking the gateway."""
    report = CollectionReport()
    with db.transaction() as conn:
        ids = [
            int(str(r["id"]))
            for r in conn.execute(
                _SQL["to_resolve"], {"gateway": gateway.name, "older_than": older_than}
            )
        ]
    for payment_id in ids:
        with db.transaction() as conn:
            row = queries.one(conn, _SQL["lock_payment"], {"id": payment_id})
        found = gateway.lookup(str(row["idempotency_key"]))
        result = found or ChargeResult(
            status=ChargeStatus.FAILED,
            failure_code="not_received",
            failure_message="the gateway never received this charge",
        )
        report.attempted += 1
        status = _settle(db, payment_id, result, actor=actor, resolving=True)
        if status is ChargeStatus.SUCCEEDED:
            report.succeeded += 1
        elif status is ChargeStatus.FAILED:
            report.failed += 1
        else:
            report.unknown += 1
    return report


def _open_attempt(
    db: Database, invoice: dict[str, Any], gateway: str, *, on: dt.date, actor: str
) -> dict[str, Any] | None:
    """The pending attempt for `invoice`, committed; None when it needs none any more."""
    with db.transaction() as conn:
        claimed: dict[str, Any] | None = conn.execute(
            _SQL["claim_invoice"], {"id": invoice["id"]}
        ).fetchone()
        if claimed is None or claimed["open_attempt"] or not claimed["balance"] > 0:
            return None
        attempt: dict[str, Any] = queries.one(
            conn,
            _SQL["insert_attempt"],
            {
                "account_id": invoice["account_id"],
                "method_id": invoice["method_id"],
                "amount": claimed["balance"],
                "currency": invoice["currency"],
                "key": f"collect:{invoice['id']}:{int(claimed['attempts']) + 1}",
                "invoice_id": invoice["id"],
                "gateway": gateway,
                "on": on,
                "actor": actor,
            },
        )
        _audit(conn, actor, "payment.attempted", attempt)
        return attempt


def _settle(
    db: Database, payment_id: int, result: ChargeResult, *, actor: str, resolving: bool = False
) -> ChargeStatus:
    """Record the gateway's answer on a pending (or, resolving, unknown) attempt; an attempt
    settled meanwhile (resolved by someone else) is left as it is."""
    with db.transaction() as conn:
        row = queries.one(conn, _SQL["lock_payment"], {"id": payment_id})
        settable = ("pending", "unknown") if resolving else ("pending",)
        if row["status"] not in settable:
            return (
                ChargeStatus(str(row["status"]))
                if row["status"] in ChargeStatus
                else (ChargeStatus.UNKNOWN)
            )
        if result.status is ChargeStatus.UNKNOWN and row["status"] == "unknown":
            return ChargeStatus.UNKNOWN
        updated = queries.one(
            conn,
            _SQL["settle_attempt"],
            {
                "id": payment_id,
                "status": result.status.value,
                "reference": result.reference,
                "code": result.failure_code,
                "message": result.failure_message,
            },
        )
        if result.status is ChargeStatus.SUCCEEDED:
            conn.execute(_SQL["lock_account"], {"account_id": updated["account_id"]})
            spread(
                conn,
                payment_id,
                int(str(updated["account_id"])),
                str(updated["currency"]),
                Decimal(str(updated["amount"])),
                int(str(updated["invoice_id"])),
                reference=result.reference,
                actor=actor,
            )
        _audit(conn, actor, f"payment.{result.status.value}", updated)
        return result.status


def _audit(conn: Connection, actor: str, action: str, row: dict[str, Any]) -> None:
    record(
        conn,
        actor=actor,
        action=action,
        entity_type="payment",
        entity_id=int(str(row["id"])),
        data={
            "invoice_id": row["invoice_id"],
            "amount": row["amount"],
            "key": row["idempotency_key"],
            "failure_code": row["failure_code"],
        },
    )


__all__ = ["RESOLVE_GRACE_SECONDS", "CollectionReport", "collect", "resolve"]
