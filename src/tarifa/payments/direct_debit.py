"""SEPA direct-debit collection (`tarifa sepa export`; DOMAIN.md "Payments", issue 6 point 5).

One transaction: every finalized EUR invoice of the seller due on or before the collection
day whose account pays by direct debit by default (and has no attempt open) gets a payment
attempt `pending` (key ``sepa:INVOICE:N``) for what it still owes; the mandates' sequence is
used (``FRST`` for a mandate's first collection, ``RCUR`` afterwards, and a mandate becomes
``RCUR`` once collected); the pain.008 file is written. The payments stay pending until the
bank statement books the collection (reconciliation), or a return or reject fails them.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.payments.booking import spread
from tarifa.payments.sepa import Debit, direct_debit_file
from tarifa.payments.status_report import parse_status_report
from tarifa.sellers.service import Sellers

_SQL = queries.load("payments")


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectDebitExport:
    path: Path
    collection_date: dt.date
    debits: int
    total: Decimal
    first: int
    recurring: int
    payment_ids: tuple[int, ...]


def export_direct_debits(
    db: Database,
    *,
    collection_date: dt.date,
    output: Path,
    actor: str,
    seller: str | None = None,
    schema: str = "pain.008.001.08",
) -> DirectDebitExport:
    """Write the pain.008 file of the day's debits to `output` (nothing is written and no
    payment is made when there is nothing to collect)."""
    issuer = Sellers(db, actor=actor).issuer(seller)
    with db.transaction() as conn:
        rows: list[dict[str, Any]] = conn.execute(
            _SQL["due_for_direct_debit"], {"seller_id": issuer.id, "on": collection_date}
        ).fetchall()
        debits = [
            Debit(
                debtor=str(r["legal_name"]),
                iban=str(r["iban"]),
                bic=r["bic"],
                amount=Decimal(r["balance"]),
                sequence=str(r["sequence"]),
                mandate_id=str(r["mandate_id"]),
                mandate_signed_on=r["mandate_signed_on"],
                invoice_number=str(r["number"]),
                reference=str(r["creditor_reference"]),
            )
            for r in rows
        ]
        ids = []
        for r, debit in zip(rows, debits, strict=True):
            made = queries.one(
                conn,
                _SQL["insert_debit"],
                {
                    "account_id": r["account_id"],
                    "method_id": r["method_id"],
                    "amount": debit.amount,
                    "invoice_id": r["id"],
                    "reference": debit.reference,
                    "on": collection_date,
                    "actor": actor,
                },
            )
            ids.append(int(str(made["id"])))
        if debits:
            conn.execute(_SQL["mandates_used"], {"ids": sorted({r["method_id"] for r in rows})})
            xml = direct_debit_file(issuer, debits, collection_date=collection_date, schema=schema)
            # Written before the commit (a failed write rolls the payments back); renamed
            # into place so a reader never sees half a file.
            partial = output.with_name(output.name + ".partial")
            partial.write_bytes(xml)
            os.replace(partial, output)
        export = DirectDebitExport(
            path=output,
            collection_date=collection_date,
            debits=len(debits),
            total=sum((d.amount for d in debits), Decimal(0)),
            first=sum(d.sequence == "FRST" for d in debits),
            recurring=sum(d.sequence == "RCUR" for d in debits),
            payment_ids=tuple(ids),
        )
        record(
            conn,
            actor=actor,
            action="sepa.exported",
            entity_type="seller",
            entity_id=issuer.id,
            data={
                "collection_date": collection_date,
                "file": output.name,
                "payments": ids,
                "total": export.total,
            },
        )
        return export


def settle_booked_debit(
    conn: Connection, *, invoice_id: int, amount: Decimal, booked_on: dt.date, actor: str
) -> int | None:
    """A direct debit of `amount` for the invoice that the bank booked: its pending payment
    succeeds and pays the invoice (the rest kept as credit), in the caller's transaction;
    None when no such debit waits."""
    row: dict[str, Any] | None = conn.execute(
        _SQL["pending_debit"], {"invoice_id": invoice_id, "amount": amount}
    ).fetchone()
    if row is None:
        return None
    queries.one(
        conn,
        _SQL["settle_attempt"],
        {"id": row["id"], "status": "succeeded", "reference": f"booked {booked_on}",
         "code": None, "message": None},
    )  # fmt: skip
    conn.execute(_SQL["lock_account"], {"account_id": row["account_id"]})
    spread(conn, int(row["id"]), int(row["account_id"]), str(row["currency"]), amount,
           invoice_id, reference=row["reference"], actor=actor)  # fmt: skip
    record(
        conn,
        actor=actor,
        action="payment.succeeded",
        entity_type="payment",
        entity_id=int(row["id"]),
        data={"invoice_id": invoice_id, "amount": amount, "booked_on": booked_on},
    )
    return int(row["id"])


def return_debit(
    conn: Connection,
    *,
    invoice_id: int,
    amount: Decimal,
    reason: str,
    returned_on: dt.date,
    actor: str,
) -> int | None:
    """A direct debit the payer's bank sent back (reason code AC04, AC06, MD06, AM04...):
    not booked yet, its payment fails; booked, it is `returned`, what it paid is owed again
    (posted to the ledger) and dunning takes the invoice up. None when no such debit."""
    row: dict[str, Any] | None = conn.execute(
        _SQL["debit_to_return"], {"invoice_id": invoice_id, "amount": amount}
    ).fetchone()
    if row is None:
        return None
    status = "failed" if row["status"] == "pending" else "returned"
    queries.one(
        conn,
        _SQL["settle_attempt"],
        {"id": row["id"], "status": status, "reference": row["gateway_reference"],
         "code": reason, "message": f"returned by the bank on {returned_on}"},
    )  # fmt: skip
    if status == "returned":
        conn.execute(_SQL["post_return"], {"id": row["id"], "actor": actor})
    record(
        conn,
        actor=actor,
        action=f"payment.{status}",
        entity_type="payment",
        entity_id=int(row["id"]),
        data={"invoice_id": invoice_id, "amount": amount, "reason": reason},
    )
    return int(row["id"])


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusReportResult:
    transactions: int
    rejected: int
    #: Rejected debits whose pending payment failed now.
    applied: int
    #: Rejections naming no pending debit of ours (settled before, or not ours).
    unknown: int


def apply_status_report(db: Database, path: Path, *, actor: str) -> StatusReportResult:
    """Fail the pending direct debits a pain.002 report rejects (by end-to-end id: the
    invoice number), with the bank's reason; reading it again changes nothing."""
    report = parse_status_report(path.read_bytes())
    rejected = [t for t in report.transactions if t.status == "RJCT"]
    applied = 0
    with db.transaction() as conn:
        for tx in rejected:
            row: dict[str, Any] | None = conn.execute(
                _SQL["pending_debit_of_number"], {"number": tx.end_to_end_id}
            ).fetchone()
            if row is None:
                continue
            queries.one(
                conn,
                _SQL["settle_attempt"],
                {"id": row["id"], "status": "failed", "reference": None,
                 "code": tx.reason or "RJCT", "message": "rejected by the bank (pain.002)"},
            )  # fmt: skip
            record(
                conn,
                actor=actor,
                action="payment.failed",
                entity_type="payment",
                entity_id=int(row["id"]),
                data={"invoice": tx.end_to_end_id, "reason": tx.reason, "file": path.name},
            )
            applied += 1
    return StatusReportResult(
        transactions=len(report.transactions),
        rejected=len(rejected),
        applied=applied,
        unknown=len(rejected) - applied,
    )


__all__ = [
    "DirectDebitExport",
    "StatusReportResult",
    "apply_status_report",
    "export_direct_debits",
    "return_debit",
    "settle_booked_debit",
]
