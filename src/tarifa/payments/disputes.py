"""Disputes (DOMAIN.md "Payments"), of two kinds, each `open` → `won` | `lost`:

- a **chargeback**: a payer's bank claims a card payment back. It opens on the payment, with
  the gateway's deadline for evidence (Stripe's `evidence_details.due_by`; the sandbox gives
  none: :data:`DEFAULT_EVIDENCE_DAYS` after opening), keeps its invoice out of dunning, and
  ends `won` (the money stays) or `lost` (the money goes back: the invoice owes it again,
  posted as a chargeback). Opened and closed from the gateway's events: Stripe's
  `charge.dispute.created` and `charge.dispute.closed` webhooks (verified by the adapter), or
  the sandbox's event list (a charge with `pm_card_createDispute` is disputed). Each is
  applied once (keyed by the gateway's dispute id).
- a **line dispute**: a customer disputes part of one invoice line
  (:mod:`tarifa.payments.line_disputes`).

People add **evidence notes** to an open dispute (appended, never changed, audit-logged).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.money import Money
from tarifa.payments.cards import contains_card_number
from tarifa.payments.methods import CARD_NUMBER_REASON

_SQL = queries.load("payments")
#: Days to answer a chargeback when the gateway names no deadline (the sandbox's disputes).
DEFAULT_EVIDENCE_DAYS = 7
MAX_NOTE = 4000


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceNote:
    id: int
    note: str
    created_at: dt.datetime
    actor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Dispute:
    id: int
    kind: str  # chargeback | line
    payment_id: int | None
    invoice_id: int | None
    account_id: int
    amount: Decimal
    currency: str
    status: str
    reason: str
    gateway_reference: str | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    #: A chargeback's deadline for evidence (line disputes have none).
    evidence_due_by: dt.datetime | None
    #: A line dispute's line, the net amount it would credit, and its credit note once won.
    line_position: int | None
    net: Decimal | None
    credit_note_id: int | None
    notes: tuple[EvidenceNote, ...] = ()


def open_dispute(
    db: Database,
    *,
    charge_reference: str,
    dispute_reference: str,
    amount: Decimal,
    reason: str,
    actor: str,
    evidence_due_by: dt.datetime | None = None,
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
                "due_by": evidence_due_by,
                "days": DEFAULT_EVIDENCE_DAYS,
                "actor": actor,
            },
        ).fetchone()
        if made is None:  # seen before: the same dispute
            return load(conn, queries.one(conn, _SQL["dispute_by_reference"],
                                          {"reference": dispute_reference}))  # fmt: skip
        audit(conn, actor, "dispute.opened", made)
        return load(conn, made)


def close_dispute(db: Database, dispute_reference: str, *, won: bool, actor: str) -> Dispute:
    """End a chargeback; lost, its amount is charged back (the invoice owes it again)."""
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
            return load(conn, found)  # closed before
        if not won:
            conn.execute(_SQL["post_chargeback"], {"id": closed["id"], "actor": actor})
        audit(conn, actor, f"dispute.{closed['status']}", closed)
        return load(conn, closed)


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
            evidence_due_by=_due_by(dispute),
        )
    return close_dispute(db, str(dispute["id"]), won=dispute["status"] == "won", actor=actor)


def _due_by(dispute: Any) -> dt.datetime | None:
    """Stripe's deadline for evidence (`evidence_details.due_by`, a Unix time), if given."""
    details = dispute.get("evidence_details") or {}
    due = details.get("due_by")
    return None if due is None else dt.datetime.fromtimestamp(int(due), tz=dt.UTC)


def add_evidence(db: Database, dispute: int | str, note: str, *, actor: str) -> Dispute:
    """Append an evidence note to an open dispute (by id or gateway reference)."""
    text = (note or "").strip()
    if not text:
        raise ValidationError.single("note", "is required")
    if len(text) > MAX_NOTE:
        raise ValidationError.single("note", f"must be at most {MAX_NOTE} characters")
    if contains_card_number(text):
        raise ValidationError.single("note", CARD_NUMBER_REASON)
    with db.transaction() as conn:
        row = locked(conn, dispute)
        if row["status"] != "open":
            raise ConflictError(f"dispute {row['id']} is {row['status']}: notes go on open ones")
        made = queries.one(
            conn, _SQL["insert_dispute_note"], {"id": row["id"], "note": text, "actor": actor}
        )
        record(
            conn,
            actor=actor,
            action="dispute.evidence_added",
            entity_type="dispute",
            entity_id=int(row["id"]),
            data={"note_id": made["id"], "note": text},
        )
        return load(conn, row)


def find(db: Database, dispute: int | str) -> Dispute:
    with db.transaction() as conn:
        return load(conn, locked(conn, dispute, lock=False))


def listed(
    db: Database, *, status: str | None = None, account_id: int | None = None
) -> list[Dispute]:
    """Disputes, the open ones' nearest deadline first, then by id."""
    if status is not None and status not in ("open", "won", "lost"):
        raise ValidationError.single("status", "must be open, won or lost")
    with db.transaction() as conn:
        rows = queries.rows(
            conn, _SQL["disputes_listed"], {"status": status, "account_id": account_id}
        )
        return [load(conn, r, with_notes=False) for r in rows]


def locked(conn: Connection, dispute: int | str, *, lock: bool = True) -> dict[str, Any]:
    """A dispute's row by id (or digits) or gateway reference, locked for update."""
    text = str(dispute).strip()
    row: dict[str, Any] | None = conn.execute(
        _SQL["lock_dispute" if lock else "dispute_by_id_or_reference"],
        {"id": int(text) if text.isdigit() else None, "reference": text},
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no dispute {text!r}")
    return row


def load(conn: Connection, row: dict[str, Any], *, with_notes: bool = True) -> Dispute:
    notes: tuple[EvidenceNote, ...] = ()
    if with_notes:
        notes = tuple(
            EvidenceNote(id=int(n["id"]), note=str(n["note"]), created_at=n["created_at"],
                         actor=str(n["actor"]))
            for n in queries.rows(conn, _SQL["dispute_notes"], {"id": row["id"]})
        )  # fmt: skip
    fields = {f: row[f] for f in Dispute.__dataclass_fields__ if f != "notes"}
    return Dispute(**fields, notes=notes)


def audit(conn: Connection, actor: str, action: str, row: dict[str, Any]) -> None:
    record(
        conn,
        actor=actor,
        action=action,
        entity_type="dispute",
        entity_id=int(row["id"]),
        data={"kind": row["kind"], "payment_id": row["payment_id"],
              "invoice_id": row["invoice_id"], "line": row["line_position"],
              "amount": row["amount"], "reference": row["gateway_reference"]},
    )  # fmt: skip


__all__ = [
    "DEFAULT_EVIDENCE_DAYS",
    "Dispute",
    "EvidenceNote",
    "add_evidence",
    "apply_stripe_event",
    "close_dispute",
    "find",
    "listed",
    "open_dispute",
]
