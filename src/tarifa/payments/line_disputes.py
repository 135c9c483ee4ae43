"""A customer disputes an invoice line (DOMAIN.md "Payments": customers can dispute an
invoice line; disputed amounts are left out of dunning until resolved).

The customer, or support on their behalf, disputes an amount of one line of a finalized
invoice: at most what is left of the line's gross amount (its net plus its VAT, less what
credit notes took of it and what open disputes of it claim), an amount a credit note can
total exactly at the line's VAT rate. While the dispute is open its amount is held back from
collection and dunning (the `disputed` column of `invoice_balances`). It is resolved:

- **accepted** (`won` by the customer): a credit note for that amount on that line, in the
  same transaction (:meth:`tarifa.invoices.service.Invoices.credit`, which posts its own
  ledger entry: what was still owed leaves the receivable, what was paid becomes credit);
- **rejected** (`lost`): nothing changes; the amount is owed and dunning takes it up again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tarifa.billing.taxes import gross_of, net_of_gross
from tarifa.db import queries
from tarifa.db.connection import Connection, ConnectionDatabase, Database
from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.invoices.service import Invoice, Invoices
from tarifa.money import Money
from tarifa.payments.cards import contains_card_number
from tarifa.payments.disputes import Dispute, audit, load, locked
from tarifa.payments.methods import CARD_NUMBER_REASON

_SQL = queries.load("payments")
_INVOICE_SQL = queries.load("invoices")


def open_line_dispute(
    db: Database,
    invoice: int | str,
    *,
    line: int,
    amount: Decimal,
    reason: str,
    actor: str,
) -> Dispute:
    """Dispute `amount` (gross) of line `line` of a finalized invoice (its id or number)."""
    if not reason or not reason.strip():
        raise ValidationError.single("reason", "is required")
    if contains_card_number(reason):
        raise ValidationError.single("reason", CARD_NUMBER_REASON)
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ValidationError.single("amount", "must be a positive Decimal")
    with db.transaction() as conn:
        invoice_id = _invoice_id(conn, invoice)
        conn.execute(_INVOICE_SQL["lock_invoice"], {"id": invoice_id})
        found = Invoices(ConnectionDatabase(conn), actor=actor).get(invoice_id)
        net = _check(conn, found, line, amount)
        made = queries.one(
            conn,
            _SQL["open_line_dispute"],
            {
                "invoice_id": found.id,
                "account_id": found.account_id,
                "amount": amount,
                "currency": found.currency,
                "reason": reason.strip(),
                "position": line,
                "net": net,
                "actor": actor,
            },
        )
        audit(conn, actor, "dispute.opened", made)
        return load(conn, made)


def resolve_line_dispute(
    db: Database,
    dispute: int | str,
    *,
    accept: bool,
    actor: str,
    issue_date: dt.date | None = None,
) -> Dispute:
    """Accept (a credit note for the amount on the line) or reject (owed) a line dispute.
    Resolving again the same way returns it as it is; the other way is a conflict."""
    status = "won" if accept else "lost"
    with db.transaction() as conn:
        row = locked(conn, dispute)
        if row["kind"] != "line":
            raise ConflictError(
                f"dispute {row['id']} is a chargeback: the gateway's events resolve it"
            )
        if row["status"] != "open":
            if row["status"] == status:
                return load(conn, row)
            raise ConflictError(f"dispute {row['id']} was resolved {row['status']} already")
        note_id = None
        if accept:
            note = Invoices(ConnectionDatabase(conn), actor=actor).credit(
                int(row["invoice_id"]),
                reason=f"dispute {row['id']} accepted: {row['reason']}",
                positions=[int(row["line_position"])],
                amount=Decimal(row["net"]),
                issue_date=issue_date,
            )
            if note.total != row["amount"]:  # the net was chosen so that it totals the amount
                raise ConflictError(
                    f"credit note {note.number} totals {note.total}, not {row['amount']}"
                )
            note_id = note.id
        settled = queries.one(
            conn,
            _SQL["settle_line_dispute"],
            {"id": row["id"], "status": status, "credit_note_id": note_id},
        )
        audit(conn, actor, f"dispute.{status}", settled)
        return load(conn, settled)


def _invoice_id(conn: Connection, invoice: int | str) -> int:
    text = str(invoice).strip()
    row: dict[str, Any] | None = conn.execute(
        _SQL["invoice_of_text"], {"text": text, "id": int(text) if text.isdigit() else None}
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no finalized invoice {text!r}")
    return int(row["id"])


def _check(conn: Connection, invoice: Invoice, position: int, amount: Decimal) -> Decimal:
    """The net amount a dispute of `amount` on the line would credit, or ValidationError."""
    line = next((x for x in invoice.lines if x.position == position), None)
    if line is None:
        raise ValidationError.single("line", f"{invoice.number} has no line {position}")
    if amount != Money.of(amount, invoice.currency).rounded().amount:
        raise ValidationError.single("amount", f"must be in whole {invoice.currency} minor units")
    credited = {
        r["invoice_position"]: Decimal(r["net"])
        for r in queries.rows(conn, _INVOICE_SQL["credited_by_line"], {"id": invoice.id})
    }
    held = queries.one(
        conn, _SQL["disputed_on_line"], {"invoice_id": invoice.id, "position": position}
    )["amount"]
    left_net = Money.of(line.net - credited.get(position, Decimal(0)), invoice.currency)
    left = gross_of(left_net, line.tax_percent).amount - Decimal(held)
    if amount > left:
        raise ValidationError.single(
            "amount",
            f"{amount} {invoice.currency} is more than line {position} of {invoice.number} "
            f"leaves to dispute ({max(left, Decimal(0))} {invoice.currency} gross)",
        )
    return net_of_gross(Money.of(amount, invoice.currency), line.tax_percent).amount


__all__ = ["open_line_dispute", "resolve_line_dispute"]
