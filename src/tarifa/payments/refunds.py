"""Refunds (DOMAIN.md "Payments"; issue 6 point 6): money given back to a customer.

A refund goes back against one payment and never exceeds what that payment brought in, less
what was refunded of it already; and it is paid out of the customer's **credit**: money that
paid an invoice is first given back to the customer by a credit note (which turns it into
credit), so that the books always say why the money left. A card payment is refunded through
its gateway (with an idempotency key of its own, committed `pending` before the call, like a
charge); a transfer or direct-debit payment is refunded by a SEPA credit transfer: the
refunds wait `pending` until `tarifa refunds export` writes them into a pain.001 file. A
refund that went out posts customer credit + / cash −.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.payments.cards import contains_card_number
from tarifa.payments.gateway import ChargeResult, ChargeStatus, PaymentGateway
from tarifa.payments.methods import CARD_NUMBER_REASON
from tarifa.sellers.service import Sellers

_SQL = queries.load("refunds")


@dataclass(frozen=True, slots=True, kw_only=True)
class Refund:
    id: int
    payment_id: int
    account_id: int
    amount: Decimal
    currency: str
    method: str
    status: str
    reason: str
    failure_code: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferExport:
    path: Path
    refunds: int
    total: Decimal


class Refunds:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def refund(
        self,
        payment_id: int,
        *,
        reason: str,
        amount: Decimal | None = None,
        gateway: PaymentGateway | None = None,
        iban: str | None = None,
    ) -> Refund:
        """Refund `amount` of a succeeded payment (default: as much of what is left of it as
        the customer's credit covers).
        A card payment needs its `gateway`; a transfer is refunded to `iban` (default: the
        direct-debit mandate's)."""
        if not reason.strip() or contains_card_number(reason):
            raise ValidationError.single("reason", "is required" if not reason.strip()
                                         else CARD_NUMBER_REASON)  # fmt: skip
        with self.db.transaction() as conn:
            payment: dict[str, Any] | None = conn.execute(
                _SQL["lock_payment"], {"id": payment_id}
            ).fetchone()
            if payment is None:
                raise NotFoundError(f"no payment {payment_id}")
            if payment["status"] != "succeeded":
                raise ConflictError(f"payment {payment_id} is {payment['status']}, not paid in")
            conn.execute(_SQL["lock_account"], {"account_id": payment["account_id"]})
            done: dict[str, Any] = queries.one(conn, _SQL["refunded"], {"payment_id": payment_id})
            left = Decimal(payment["amount"]) - Decimal(done["amount"])
            credit = Decimal(
                queries.one(
                    conn,
                    _SQL["available_credit"],
                    {"account_id": payment["account_id"], "currency": payment["currency"]},
                )["available"]
            )
            no_credit = ValidationError.single(
                "amount",
                f"the customer holds {credit} of credit: credit the invoices it paid "
                "(a credit note) before refunding more",
            )
            if amount is None and left > 0 and credit <= 0:
                raise no_credit
            wanted = min(left, credit) if amount is None else amount
            _check_amount(wanted, left, payment_id)
            if wanted > credit:
                raise no_credit
            by_card = payment["kind"] == "card"
            if by_card and gateway is None:
                raise ValidationError.single("gateway", "a card payment is refunded by its gateway")
            target = None if by_card else _iban(iban or payment["method_iban"])
            row = queries.one(
                conn,
                _SQL["insert"],
                {
                    "payment_id": payment_id,
                    "account_id": payment["account_id"],
                    "amount": wanted,
                    "currency": payment["currency"],
                    "method": "gateway" if by_card else "credit_transfer",
                    "key": f"refund:{payment_id}:{int(done['refunds']) + 1}",
                    "reason": reason.strip(),
                    "iban": target,
                    "bic": None if by_card else payment["method_bic"],
                    "actor": self.actor,
                },
            )
            _audit(conn, self.actor, "refund.requested", row)
        if not by_card:
            return _refund(row)
        assert gateway is not None
        result = gateway.refund(
            reference=str(payment["gateway_reference"]),
            amount=wanted,
            currency=str(payment["currency"]),
            idempotency_key=str(row["idempotency_key"]),
        )
        return self._settle(int(row["id"]), result)

    def export_transfers(self, output: Path, *, seller: str | None = None) -> TransferExport:
        """Write the pending credit-transfer refunds into a pain.001 file (the seller pays
        them from its account) and book them as gone; nothing written when none wait."""
        issuer = Sellers(self.db, actor=self.actor).issuer(seller)
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(_SQL["pending_transfers"]).fetchall()
            total = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
            if rows:
                if not issuer.iban:
                    raise ValidationError.single("seller", "has no IBAN to pay refunds from")
                sepa = SepaTransfer(
                    {"name": issuer.legal_name[:70], "IBAN": issuer.iban,
                     "BIC": issuer.bic or "NOTPROVIDED", "batch": True, "currency": "EUR"},
                    schema="pain.001.001.09",
                )  # fmt: skip
                for r in rows:
                    payment = {
                        "name": str(r["legal_name"]),
                        "IBAN": str(r["iban"]),
                        "amount": int(Decimal(r["amount"]) * 100),
                        "execution_date": dt.datetime.now(dt.UTC).date(),
                        "description": f"Refund {r['id']}: {r['reason']}"[:140],
                        "endtoend_id": f"REFUND-{r['id']}",
                    }
                    if r["bic"]:
                        payment["BIC"] = str(r["bic"])
                    sepa.add_payment(payment)
                xml: bytes = sepa.export(validate=True, pretty_print=True)
                partial = output.with_name(output.name + ".partial")
                partial.write_bytes(xml)
                os.replace(partial, output)
                ids = [int(r["id"]) for r in rows]
                conn.execute(_SQL["mark_exported"], {"ids": ids})
                for refund_id in ids:
                    conn.execute(_SQL["post"], {"id": refund_id, "actor": self.actor})
                record(
                    conn,
                    actor=self.actor,
                    action="refunds.exported",
                    entity_type="seller",
                    entity_id=issuer.id,
                    data={"file": output.name, "refunds": ids, "total": total},
                )
            return TransferExport(path=output, refunds=len(rows), total=total)

    def _settle(self, refund_id: int, result: ChargeResult) -> Refund:
        with self.db.transaction() as conn:
            queries.one(conn, _SQL["lock"], {"id": refund_id})
            row = queries.one(
                conn,
                _SQL["settle"],
                {
                    "id": refund_id,
                    "status": result.status.value,
                    "reference": result.reference,
                    "code": result.failure_code,
                },
            )
            if result.status is ChargeStatus.SUCCEEDED:
                conn.execute(_SQL["post"], {"id": refund_id, "actor": self.actor})
            _audit(conn, self.actor, f"refund.{result.status.value}", row)
            return _refund(row)


def _check_amount(amount: Decimal, left: Decimal, payment_id: int) -> None:
    if not isinstance(amount, Decimal) or amount <= 0:
        raise ValidationError.single(
            "amount", "must be positive: nothing is left to refund, or no credit to refund from"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError.single("amount", "must be in cents")
    if amount > left:
        raise ValidationError.single(
            "amount", f"{amount} is more than is left to refund of payment {payment_id} ({left})"
        )


def _iban(value: str | None) -> str:
    if not value:
        raise ValidationError.single("iban", "a transfer refund needs the payer's IBAN")
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as err:
        raise ValidationError.single("iban", f"is not a valid IBAN: {err}") from None


def _refund(row: dict[str, Any]) -> Refund:
    return Refund(**{f: row[f] for f in Refund.__dataclass_fields__})


def _audit(conn: Connection, actor: str, action: str, row: dict[str, Any]) -> None:
    record(
        conn,
        actor=actor,
        action=action,
        entity_type="refund",
        entity_id=int(row["id"]),
        data={"payment_id": row["payment_id"], "amount": row["amount"], "method": row["method"]},
    )


__all__ = ["Refund", "Refunds", "TransferExport"]
