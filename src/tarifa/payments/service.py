"""Payment methods of an account (`tarifa.connect().payment_methods`): add, list, choose the
default, revoke. Each change writes an audit row naming the method by its kind and, for a
card, brand and last four digits (never a token or an IBAN in the log)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from tarifa.audit import record
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import ConflictError, NotFoundError
from tarifa.payments.methods import MethodDraft, check_method

_SQL = queries.load("payment_methods")


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentMethod:
    id: int
    account_id: int
    kind: str
    is_default: bool
    status: str
    gateway: str | None
    token: str | None
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    iban: str | None
    bic: str | None
    mandate_id: str | None
    mandate_signed_on: dt.date | None
    sequence: str | None
    label: str | None

    @property
    def display(self) -> str:
        """How a person recognises it: "visa •••• 4242 (12/2030)", "SEPA DE89…3000"."""
        if self.kind == "card":
            return f"{self.brand} •••• {self.last4} ({self.exp_month:02d}/{self.exp_year})"
        if self.kind == "sepa_debit" and self.iban:
            return f"SEPA direct debit {self.iban[:4]}…{self.iban[-4:]} ({self.mandate_id})"
        return "bank transfer"


class PaymentMethods:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def add(
        self, account: int | str, raw: Mapping[str, Any], *, today: dt.date | None = None
    ) -> PaymentMethod:
        """Add a checked method (ValidationError naming every problem). The first method of
        an account, or one marked `default`, becomes its default."""
        customer = Customers(self.db, actor=self.actor).account(account)
        draft = check_method(raw, today=today or dt.datetime.now(dt.UTC).date())
        with self.db.transaction() as conn:
            first = not conn.execute(_SQL["of_account"], {"account_id": customer.id}).fetchall()
            default = draft.is_default or first
            if default:
                conn.execute(_SQL["clear_default"], {"account_id": customer.id})
            params = asdict(draft) | {"account_id": customer.id, "is_default": default}
            params["kind"] = draft.kind.value
            try:
                with conn.transaction():
                    row = queries.one(conn, _SQL["insert"], params)
            except psycopg.errors.UniqueViolation:
                raise ConflictError(f"mandate {draft.mandate_id!r} is stored already") from None
            method = _method(row)
            _audit(conn, self.actor, "payment_method.added", method)
            return method

    def of_account(self, account: int | str) -> list[PaymentMethod]:
        customer = Customers(self.db, actor=self.actor).account(account)
        with self.db.transaction() as conn:
            rows = conn.execute(_SQL["of_account"], {"account_id": customer.id}).fetchall()
        return [_method(r) for r in rows]

    def default_of(self, account: int | str) -> PaymentMethod | None:
        customer = Customers(self.db, actor=self.actor).account(account)
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["default_of"], {"account_id": customer.id}).fetchone()
        return None if row is None else _method(row)

    def make_default(self, method_id: int) -> PaymentMethod:
        with self.db.transaction() as conn:
            current = _locked(conn, method_id)
            if current.status != "active":
                raise ConflictError(f"payment method {method_id} is revoked")
            conn.execute(_SQL["clear_default"], {"account_id": current.account_id})
            method = _method(queries.one(conn, _SQL["make_default"], {"id": method_id}))
            _audit(conn, self.actor, "payment_method.made_default", method)
            return method

    def revoke(self, method_id: int) -> PaymentMethod:
        """Revoke a method (kept for the payments that name it); revoking twice is a no-op."""
        with self.db.transaction() as conn:
            current = _locked(conn, method_id)
            row = conn.execute(_SQL["revoke"], {"id": method_id}).fetchone()
            if row is None:
                return current
            method = _method(row)
            _audit(conn, self.actor, "payment_method.revoked", method)
            return method


def _locked(conn: Connection, method_id: int) -> PaymentMethod:
    row = conn.execute(_SQL["lock"], {"id": method_id}).fetchone()
    if row is None:
        raise NotFoundError(f"no payment method {method_id}")
    return _method(row)


def _method(row: Mapping[str, Any]) -> PaymentMethod:
    return PaymentMethod(**{f: row[f] for f in PaymentMethod.__dataclass_fields__})


def _audit(conn: Connection, actor: str, action: str, method: PaymentMethod) -> None:
    record(
        conn,
        actor=actor,
        action=action,
        entity_type="payment_method",
        entity_id=method.id,
        data={
            "account_id": method.account_id,
            "kind": method.kind,
            "brand": method.brand,
            "last4": method.last4,
            "default": method.is_default,
        },
    )


__all__ = ["MethodDraft", "PaymentMethod", "PaymentMethods"]
