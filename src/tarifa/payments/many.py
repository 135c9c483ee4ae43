"""Many payments received at once (`Payments.receive_many`): each booked exactly as
`Payments.receive` books it, in the order given, in a few set-based statements for the
whole list (the accounts and named invoices resolved at once, the accounts locked in id
order, the open invoices read once into an :class:`OpenBook` and spent payment by payment,
then everything written by :func:`tarifa.payments.batch.book`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.errors import ConflictError, FieldError, NotFoundError, ValidationError
from tarifa.payments.batch import (
    PaymentIn,
    Planned,
    audit_batch,
    book,
    lock_accounts,
    open_book,
    plan,
)
from tarifa.payments.payment import Payment, check_payment, load_payments

_SQL = queries.load("payments")


def receive_many(conn: Connection, payments: Sequence[PaymentIn], *, actor: str) -> list[Payment]:
    """Book `payments` in the caller's transaction (see `Payments.receive_many`)."""
    accounts = _accounts(conn, payments)
    _check_many(payments, accounts)
    keys = [p.idempotency_key or f"received:{uuid.uuid4()}" for p in payments]
    lock_accounts(conn, (a for a, _ in accounts))
    named = _named_many(conn, payments, accounts)
    stored = {
        str(r["idempotency_key"]): r for r in queries.rows(conn, _SQL["by_keys"], {"keys": keys})
    }
    new_accounts = {a for (a, _), k in zip(accounts, keys, strict=True) if k not in stored}
    opened = open_book(conn, new_accounts)
    planned: dict[str, Planned] = {}
    for p, (account_id, currency), key, invoice_id in zip(
        payments, accounts, keys, named, strict=True
    ):
        asked = (account_id, p.amount, invoice_id)
        earlier = stored.get(key)
        if earlier is not None:
            same = (earlier["account_id"], earlier["amount"], earlier["invoice_id"])
        elif key in planned:
            same = (planned[key].account_id, planned[key].amount, planned[key].invoice_id)
        else:
            planned[key] = plan(opened, Planned(
                account_id=account_id, currency=currency, amount=p.amount,
                invoice_id=invoice_id, reference=p.reference,
                received_on=p.received_on or dt.datetime.now(dt.UTC).date(),
                kind=p.kind, key=key,
            ))  # fmt: skip
            continue
        if same != asked:
            raise ConflictError(f"idempotency key {key!r} names another payment")
    ids = dict(zip(planned, book(conn, list(planned.values()), actor=actor), strict=True))
    made = {key: _planned_payment(ids[key], p) for key, p in planned.items()}
    made |= {p.idempotency_key: p for p in load_payments(conn, list(stored.values()))}
    audit_batch(conn, actor=actor, asked=len(payments), planned=list(planned.values()),
                ids=list(ids.values()))  # fmt: skip
    return [made[key] for key in keys]


def _accounts(conn: Connection, payments: Sequence[PaymentIn]) -> list[tuple[int, str]]:
    """(id, currency) of each payment's account, named by id or external id."""
    ids = sorted({p.account for p in payments if isinstance(p.account, int)})
    external = sorted({p.account for p in payments if isinstance(p.account, str)})
    by_id: dict[int | str, tuple[int, str]] = {}
    for r in queries.rows(conn, _SQL["accounts_named"], {"ids": ids, "external_ids": external}):
        found = (int(r["id"]), str(r["currency"]))
        by_id[int(r["id"])] = by_id[str(r["external_id"])] = found
    missing = [p.account for p in payments if p.account not in by_id]
    if missing:
        what = "customer" if isinstance(missing[0], int) else "customer with external id"
        raise NotFoundError(f"no {what} {missing[0]}")
    return [by_id[p.account] for p in payments]


def _check_many(payments: Sequence[PaymentIn], accounts: Sequence[tuple[int, str]]) -> None:
    problems = []
    for position, (p, (_, currency)) in enumerate(zip(payments, accounts, strict=True)):
        try:
            check_payment(p.amount, currency, p.reference, p.kind)
        except ValidationError as err:
            problems += [
                FieldError(f"payments[{position}].{e.field}", e.reason) for e in err.errors
            ]
    if problems:
        raise ValidationError(problems)


def _named_many(
    conn: Connection, payments: Sequence[PaymentIn], accounts: Sequence[tuple[int, str]]
) -> list[int | None]:
    """The invoice each payment names (by number or RF reference, of its account), as
    `_named` finds it; NotFoundError for the first that names none."""
    texts = sorted({p.invoice.strip() for p in payments if p.invoice})
    if not texts:
        return [None] * len(payments)
    rows = queries.rows(
        conn,
        _SQL["named_invoices"],
        {
            "account_ids": sorted({a for a, _ in accounts}),
            "texts": texts,
            "references": sorted({_compact(t) for t in texts}),
        },
    )
    by_number = {(int(r["account_id"]), str(r["number"])): int(r["id"]) for r in rows}
    by_reference = {
        (int(r["account_id"]), str(r["creditor_reference"])): int(r["id"])
        for r in rows
        if r["creditor_reference"]
    }
    found: list[int | None] = []
    for p, (account_id, _) in zip(payments, accounts, strict=True):
        if not p.invoice:
            found.append(None)
            continue
        text = p.invoice.strip()
        invoice = by_number.get((account_id, text)) or by_reference.get(
            (account_id, _compact(text))
        )
        if invoice is None:
            raise NotFoundError(f"no finalized invoice {text!r} of this account")
        found.append(invoice)
    return found


def _compact(text: str) -> str:
    """An RF reference as stored: without spaces, upper case (as the SQL compares them)."""
    return text.replace(" ", "").upper()


def _planned_payment(payment_id: int, p: Planned) -> Payment:
    return Payment(
        id=payment_id,
        account_id=p.account_id,
        kind=p.kind,
        amount=p.amount,
        currency=p.currency,
        status="succeeded",
        idempotency_key=p.key,
        invoice_id=p.invoice_id,
        reference=p.reference,
        received_on=p.received_on,
        allocations=tuple((a.invoice_id, a.amount) for a in p.allocations),
        credit=p.credit,
    )


__all__ = ["receive_many"]
