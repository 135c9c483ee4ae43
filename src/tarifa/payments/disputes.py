"""Disputes (DOMAIN.md "Payments"): a payer's bank claims a card payment back (a chargeback).
A dispute opens on the payment (`open`), keeps its invoice out of dunning, and ends `won` (the
money stays) or `lost` (the money goes back: the invoice owes it again, posted as a
chargeback). Opened and closed from the gateway's events: Stripe's `charge.dispute.created`
and `charge.dispute.closed` webhooks (verified by the adapter), or the sandbox's event list
(a charge with `pm_card_createDispute` is disputed). Each is applied once (keyed by the
gateway's dispute id)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import NotFoundError, ValidationError
from tarifa.money import Money

_SQL = queries.load("payments")


@dataclass(frozen=True, slots=True, kw_only=True)
class Dispute:
    id: int
    payment_id: int
    invoice_id: int | None
    account_id: int
    amount: Decimal
    currency: str
    status: str
    reason: str
    gateway_reference: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None


def open_dispute(
    db: Database,
    *,
    charge_reference: str,
    dispute_reference: str,
    amount: Decimal,
    reason: str,
    actor: str,
) -> Dispute:
    """Open a dispute on the payment charged as `charge_reference` (once per dispute id)."""
    with db.transaction() as conn:
        payment: dict[str, Any] | None = conn.execute(
            _SQL["payment_by_reference"], {"reference": charge_reference}
        ).fetchone()
        if payment is None:
            raise NotFoundError(f"no payment charged as {charge_reference!r}")
        if not 0 < amount <= Decimal(payment["amount"]):
            raise ValidationError.single("amount", "must be positive and at most the payment")
        made: dict[str, Any] | None = conn.execute(
            _SQL["open_dispute"],
            {
                "payment_id": payment["id"],
                "invoice_id": payment["invoice_id"],
                "account_id": payment["account_id"],
                "amount": amount,
                "currency": payment["currency"],
                "reason": reason or "unspecified",
                "reference": dispute_reference,
                "actor": actor,
            },
        ).fetchone()
        if made is None:  # seen before: the same dispute
            return _dispute(queries.one(conn, _SQL["dispute_by_reference"],
                                        {"reference": dispute_reference}))  # fmt: skip
        _audit(conn, actor, "dispute.opened", made)
        return _dispute(made)


def close_dispute(db: Database, dispute_reference: str, *, won: bool, actor: str) -> Dispute:
    """End a dispute; lost, its amount is charged back (the invoice owes it again)."""
    with db.transaction() as conn:
        found: dict[str, Any] | None = conn.execute(
            _SQL["dispute_by_reference"], {"reference": dispute_reference}
        ).fetchone()
        if found is None:
            raise NotFoundError(f"no dispute {dispute_reference!r}")
        closed: dict[str, Any] | None = conn.execute(
            _SQL["close_dispute"], {"id": found["id"], "status": "won" if won else "lost"}
        ).fetchone()
        if closed is None:
            return _dispute(found)  # closed before
        if not won:
            conn.execute(_SQL["post_chargeback"], {"id": closed["id"], "actor": actor})
        _audit(conn, actor, f"dispute.{closed['status']}", closed)
        return _dispute(closed)


def apply_stripe_event(db: Database, event: Any, *, actor: str) -> Dispute | None:
    """Open or close a dispute from a verified Stripe event (other events: None)."""
    kind = str(event["type"])
    if kind not in ("charge.dispute.created", "charge.dispute.closed"):
        return None
    dispute = event["data"]["object"]
    if kind == "charge.dispute.created":
        currency = str(dispute["currency"]).upper()
        return open_dispute(
            db,
            charge_reference=str(dispute["payment_intent"]),
            dispute_reference=str(dispute["id"]),
            amount=Money.of(dispute["amount"], currency).amount.scaleb(
                -Money.of(0, currency).currency.minor_unit
            ),
            reason=str(dispute.get("reason") or "unspecified"),
            actor=actor,
        )
    return close_dispute(db, str(dispute["id"]), won=dispute["status"] == "won", actor=actor)


def _dispute(row: dict[str, Any]) -> Dispute:
    return Dispute(**{f: row[f] for f in Dispute.__dataclass_fields__})


def _audit(conn: Connection, actor: str, action: str, row: dict[str, Any]) -> None:
    record(
        conn,
        actor=actor,
        action=action,
        entity_type="dispute",
        entity_id=int(row["id"]),
        data={"payment_id": row["payment_id"], "amount": row["amount"],
              "reference": row["gateway_reference"]},
    )  # fmt: skip


__all__ = ["Dispute", "apply_stripe_event", "close_dispute", "open_dispute"]
