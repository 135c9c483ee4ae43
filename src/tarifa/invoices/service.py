"""The invoices service (`tarifa.connect().invoices`): draft an account's invoices, finalize
them, read them.

An account has one invoice per billing date (a unique key): the lines the generator made for
its subscriptions (:mod:`tarifa.billing.schedule`) with the VAT category and rate that the
rules give for the account and the seller at the tax point (the last day the invoice covers),
and EN 16931 totals. Drafting again replaces a draft's lines (a draft is recomputable).
Drafting is the bill run's code for one account (:mod:`tarifa.bill_runs.batch`).

Finalizing, in one transaction: the seller's next number (gapless, :mod:`tarifa.sellers`),
the ISO 11649 creditor reference made from it, the issue date and the due date (the account's
payment terms). From then on the database refuses any change to the invoice and its lines.
Finalizing a finalized invoice returns it unchanged.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tarifa.audit import record
from tarifa.bill_runs.batch import RunContext, bill_batch, settle_credit
from tarifa.billing.taxes import TaxCategory, TaxedLine, tax_totals
from tarifa.catalog import store as catalog_store
from tarifa.customers.model import Customer
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.ledger import post
from tarifa.money import Money
from tarifa.payments.cards import contains_card_number
from tarifa.payments.methods import CARD_NUMBER_REASON
from tarifa.sellers.model import creditor_reference
from tarifa.sellers.service import Sellers, next_invoice_number
from tarifa.taxes.service import current_rates

_SQL = queries.load("invoices")


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceLine:
    position: int
    subscription_id: int | None
    kind: str
    key: str
    description: str
    service_start: dt.date
    service_end: dt.date
    quantity: Decimal | None
    amount: Decimal
    net: Decimal
    tax_category: str
    tax_percent: Decimal
    tax_note: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Invoice:
    id: int
    seller_id: int
    account_id: int
    currency: str
    billing_date: dt.date
    period_start: dt.date
    period_end: dt.date
    status: str
    number: str | None
    creditor_reference: str | None
    issue_date: dt.date | None
    due_date: dt.date | None
    net: Decimal
    tax: Decimal
    total: Decimal
    lines: tuple[InvoiceLine, ...]
    #: Derived from credit notes and allocations (the `invoice_balances` view): what was
    #: credited, what was paid, what is left, and the state (draft, open, partially_paid,
    #: paid, overdue, void, written_off).
    credited: Decimal = Decimal(0)
    allocated: Decimal = Decimal(0)
    #: The customer credit applied to it when it was finalized (EN 16931 BT-113).
    prepaid: Decimal = Decimal(0)
    balance: Decimal = Decimal(0)
    state: str = "draft"
    #: Written off by dunning (bad debt), and held back by open disputes of its lines.
    written_off: Decimal = Decimal(0)
    disputed: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditNoteLine:
    position: int
    invoice_position: int | None
    description: str
    quantity: Decimal | None
    amount: Decimal
    net: Decimal
    tax_category: str
    tax_percent: Decimal
    tax_note: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditNote:
    """A correction of a finalized invoice (EN 16931 document type 381): positive amounts
    that the invoice's total is reduced by."""

    id: int
    invoice_id: int
    seller_id: int
    account_id: int
    currency: str
    number: str
    issue_date: dt.date
    reason: str
    net: Decimal
    tax: Decimal
    total: Decimal
    lines: tuple[CreditNoteLine, ...]


class Invoices:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def bill(self, account: int | str, *, on: dt.date, seller: str | None = None) -> list[Invoice]:
        """Draft (or recompute) `account`'s invoices of its billing dates on or before the
        local date `on` that are not finalized: what a bill run does for one account
        (:mod:`tarifa.bill_runs`), with the stored VAT rates. ValidationError with the reason
        when its invoices cannot be made."""
        customer = _customer(self.db, self.actor, account)
        issuer = Sellers(self.db, actor=self.actor).issuer(seller)
        with self.db.transaction() as conn:
            ctx = RunContext(
                as_of=on,
                seller=issuer,
                catalog=catalog_store.stored_catalog(conn),
                rates=current_rates(conn),
                finalize_through=None,
                actor=self.actor,
            )
            (outcome,) = bill_batch(conn, ctx, [customer.id])
            if outcome.failure is not None:
                raise ValidationError.single("account", outcome.failure)
            return [_load(conn, i) for i in outcome.invoice_ids]

    def finalize(self, invoice_id: int, *, issue_date: dt.date | None = None) -> Invoice:
        """Number and freeze a draft (idempotent: a finalized invoice is returned as it is)."""
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["lock_invoice"], {"id": invoice_id}).fetchone()
            if row is None:
                raise NotFoundError(f"no invoice {invoice_id}")
            if row["status"] == "finalized":
                return _load(conn, invoice_id)
            customer = _customer(self.db, self.actor, int(str(row["account_id"])))
            # The issue date is today in the account's time zone, like its billing periods.
            issued = issue_date or dt.datetime.now(ZoneInfo(customer.time_zone)).date()
            _number, formatted = next_invoice_number(conn, int(str(row["seller_id"])), issued)
            queries.one(
                conn,
                _SQL["finalize"],
                {
                    "id": invoice_id,
                    "number": formatted,
                    "reference": creditor_reference(formatted),
                    "issue_date": issued,
                    "due_date": issued + dt.timedelta(days=customer.payment_terms_days),
                },
            )
            settle_credit(conn, [invoice_id], actor=self.actor)
            record(
                conn,
                actor=self.actor,
                action="invoice.finalized",
                entity_type="invoice",
                entity_id=invoice_id,
                data={"number": formatted, "issue_date": issued},
            )
            return _load(conn, invoice_id)

    def credit(
        self,
        invoice_id: int,
        *,
        reason: str,
        positions: Sequence[int] | None = None,
        amount: Decimal | None = None,
        issue_date: dt.date | None = None,
    ) -> CreditNote:
        """Issue a credit note for a finalized invoice: in full (neither `positions` nor
        `amount`), for some of its lines (their positions, in full), for a net `amount` of an
        invoice taxed at one category and rate, or for a net `amount` of one line (one
        position and an amount: part of that line, at its VAT rate). Numbered in the seller's
        series, final at once; never more than remains creditable (ValidationError); a full
        one voids the invoice."""
        if positions is not None and amount is not None and len(set(positions)) != 1:
            raise ValidationError.single(
                "positions", "an amount credits one line: give one position with it"
            )
        if not reason or not reason.strip():
            raise ValidationError.single("reason", "is required")
        if contains_card_number(reason):
            raise ValidationError.single("reason", CARD_NUMBER_REASON)
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["lock_invoice"], {"id": invoice_id}).fetchone()
            if row is None:
                raise NotFoundError(f"no invoice {invoice_id}")
            invoice = _load(conn, invoice_id)
            if invoice.status != "finalized":
                raise ConflictError(
                    "only a finalized invoice can be credited (a draft is recomputed)"
                )
            if positions is not None and amount is not None:
                credited = queries.rows(conn, _SQL["credited_by_line"], {"id": invoice.id})
                done = {r["invoice_position"]: Decimal(r["net"]) for r in credited}
                credit = [_part_of_line(invoice, positions[0], amount, done)]
            else:
                credit = _credit_lines(invoice, positions, amount)
            totals = tax_totals(
                [TaxedLine(Money.of(c.net, invoice.currency), TaxCategory(c.tax_category),
                           c.tax_percent) for c in credit],
                invoice.currency,
            )  # fmt: skip
            creditable = invoice.total - invoice.credited
            if totals.total.amount > creditable:
                raise ValidationError.single(
                    "amount",
                    f"{totals.total.amount} {invoice.currency} is more than remains creditable"
                    f" on {invoice.number} ({creditable} {invoice.currency})",
                )
            if invoice.written_off > 0 and totals.total.amount > invoice.balance:
                # What was written off was never paid: crediting it must not become credit.
                raise ValidationError.single(
                    "amount",
                    f"{invoice.number} was written off: credit at most what is left of it "
                    f"({invoice.balance} {invoice.currency})",
                )
            customer = _customer(self.db, self.actor, invoice.account_id)
            issued = issue_date or dt.datetime.now(ZoneInfo(customer.time_zone)).date()
            _number, formatted = next_invoice_number(conn, invoice.seller_id, issued)
            note = queries.one(
                conn,
                _SQL["insert_credit_note"],
                {
                    "invoice_id": invoice.id,
                    "seller_id": invoice.seller_id,
                    "account_id": invoice.account_id,
                    "currency": invoice.currency,
                    "number": formatted,
                    "issue_date": issued,
                    "reason": reason.strip(),
                    "net": totals.net.amount,
                    "tax": totals.tax.amount,
                    "total": totals.total.amount,
                    "actor": self.actor,
                },
            )
            note_id = int(str(note["id"]))
            for line in credit:
                conn.execute(
                    _SQL["insert_credit_note_line"],
                    {"credit_note_id": note_id} | asdict(line),
                )
            # What was paid already comes back as customer credit (a refund is issue 6's).
            beyond = totals.total.amount - invoice.balance
            if beyond > 0:
                conn.execute(
                    _SQL["grant_credit_note_credit"],
                    {
                        "account_id": invoice.account_id,
                        "currency": invoice.currency,
                        "amount": beyond,
                        "invoice_id": invoice.id,
                        "credit_note_id": note_id,
                        "actor": self.actor,
                    },
                )
            post(conn, [invoice.id], actor=self.actor)
            record(
                conn,
                actor=self.actor,
                action="credit_note.issued",
                entity_type="invoice",
                entity_id=invoice.id,
                data={"credit_note": formatted, "total": totals.total.amount, "reason": reason},
            )
            return _load_credit_note(conn, note_id)

    def credit_note(self, note_id: int) -> CreditNote:
        with self.db.transaction() as conn:
            if conn.execute(_SQL["credit_note_exists"], {"id": note_id}).fetchone() is None:
                raise NotFoundError(f"no credit note {note_id}")
            return _load_credit_note(conn, note_id)

    def credit_notes(self, invoice_id: int) -> list[CreditNote]:
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(
                _SQL["credit_notes_of_invoice"], {"id": invoice_id}
            ).fetchall()
            return [_load_credit_note(conn, int(r["id"])) for r in rows]

    def available_credit(self, account: int | str) -> Decimal:
        """The account's customer credit not yet used, in its currency."""
        customer = _customer(self.db, self.actor, account)
        with self.db.transaction() as conn:
            row = queries.one(
                conn,
                _SQL["available_credit"],
                {"account_id": customer.id, "currency": customer.currency},
            )
        return Decimal(row["available"])

    def allocate(
        self,
        invoice_id: int,
        amount: Decimal,
        *,
        source: str = "payment",
        reference: str | None = None,
    ) -> Invoice:
        """Apply `amount` (a payment, or the customer's credit) to a finalized invoice; never
        more than its balance. The invoice stays frozen: its state is derived."""
        if source not in ("payment", "customer_credit"):
            raise ValidationError.single("source", "must be payment or customer_credit")
        if reference is not None and contains_card_number(reference):
            raise ValidationError.single("reference", CARD_NUMBER_REASON)
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["lock_invoice"], {"id": invoice_id}).fetchone()
            if row is None:
                raise NotFoundError(f"no invoice {invoice_id}")
            invoice = _load(conn, invoice_id)
            if invoice.status != "finalized":
                raise ConflictError("only a finalized invoice can be paid")
            if not isinstance(amount, Decimal) or not amount > 0:
                raise ValidationError.single("amount", "must be a positive Decimal")
            if amount > invoice.balance:
                raise ValidationError.single(
                    "amount",
                    f"{amount} is more than the balance of {invoice.number} ({invoice.balance})",
                )
            allocation = queries.one(
                conn,
                _SQL["insert_allocation"],
                {
                    "invoice_id": invoice_id,
                    "amount": amount,
                    "source": source,
                    "reference": reference,
                    "actor": self.actor,
                },
            )
            post(conn, [invoice_id], actor=self.actor)
            record(
                conn,
                actor=self.actor,
                action="invoice.allocated",
                entity_type="invoice",
                entity_id=invoice_id,
                data={"allocation": allocation["id"], "amount": amount, "source": source},
            )
            return _load(conn, invoice_id)

    def get(self, invoice_id: int) -> Invoice:
        with self.db.transaction() as conn:
            return _load(conn, invoice_id)

    def list(
        self,
        *,
        account_id: int | None = None,
        status: str | None = None,
        state: str | None = None,
        billed_from: dt.date | None = None,
        billed_to: dt.date | None = None,
        limit: int = 50,
        after_id: int | None = None,
    ) -> builtins.list[Invoice]:
        """Invoices in id order, `limit` at a time (pass the last id as `after_id`), filtered
        by account, status (draft, finalized), state (open, partially_paid, paid, overdue,
        void, written_off) and billing dates (inclusive)."""
        params = {"account_id": account_id, "status": status, "state": state,
                  "billed_from": billed_from, "billed_to": billed_to, "limit": limit,
                  "after_id": after_id or 0}  # fmt: skip
        with self.db.transaction() as conn:
            rows = queries.rows(conn, _SQL["list_invoices"], params)
            return [_load(conn, int(r["id"])) for r in rows]

    def of_account(self, account: int | str) -> builtins.list[Invoice]:
        customer = _customer(self.db, self.actor, account)
        with self.db.transaction() as conn:
            rows: list[dict[str, Any]] = conn.execute(
                _SQL["invoices_of_account"], {"account_id": customer.id}
            ).fetchall()
            return [_load(conn, int(r["id"])) for r in rows]


def _customer(db: Database, actor: str, account: int | str) -> Customer:
    return Customers(db, actor=actor).account(account)


def _credit_lines(
    invoice: Invoice, positions: Sequence[int] | None, amount: Decimal | None
) -> list[CreditNoteLine]:
    if amount is not None:
        rates = {(line.tax_category, line.tax_percent, line.tax_note) for line in invoice.lines}
        if len(rates) != 1:
            raise ValidationError.single(
                "amount", "the invoice has several VAT rates: credit some of its lines instead"
            )
        if amount <= 0 or amount != amount.quantize(Money.of(1, invoice.currency).currency.quantum):
            raise ValidationError.single(
                "amount", f"must be positive and in whole {invoice.currency} minor units"
            )
        ((category, percent, note),) = rates
        return [
            CreditNoteLine(
                position=1,
                invoice_position=None,
                description=f"credit on invoice {invoice.number}",
                quantity=None,
                amount=amount,
                net=amount,
                tax_category=category,
                tax_percent=percent,
                tax_note=note,
            )
        ]
    by_position = {line.position: line for line in invoice.lines}
    chosen = list(by_position) if positions is None else list(dict.fromkeys(positions))
    unknown = [p for p in chosen if p not in by_position]
    if unknown or not chosen:
        raise ValidationError.single(
            "positions", f"no such line on {invoice.number}: {unknown or 'none given'}"
        )
    credited = [by_position[p] for p in chosen if by_position[p].net > 0]
    if not credited:
        raise ValidationError.single("positions", "nothing to credit on those lines")
    return [
        CreditNoteLine(
            position=n,
            invoice_position=line.position,
            description=line.description,
            quantity=line.quantity,
            amount=line.amount,
            net=line.net,
            tax_category=line.tax_category,
            tax_percent=line.tax_percent,
            tax_note=line.tax_note,
        )
        for n, line in enumerate(credited, start=1)
    ]


def _part_of_line(
    invoice: Invoice, position: int, amount: Decimal, done: dict[int, Decimal]
) -> CreditNoteLine:
    """A credit of `amount` net on one line, never more than is left of the line's net."""
    line = next((x for x in invoice.lines if x.position == position), None)
    if line is None:
        raise ValidationError.single("positions", f"no such line on {invoice.number}: {position}")
    quantum = Money.of(1, invoice.currency).currency.quantum
    if amount <= 0 or amount != amount.quantize(quantum):
        raise ValidationError.single(
            "amount", f"must be positive and in whole {invoice.currency} minor units"
        )
    left = line.net - done.get(position, Decimal(0))
    if amount > left:
        raise ValidationError.single(
            "amount",
            f"{amount} {invoice.currency} is more than remains creditable on line {position} "
            f"of {invoice.number} ({max(left, Decimal(0))} {invoice.currency} net)",
        )
    return CreditNoteLine(
        position=1,
        invoice_position=position,
        description=f"{line.description} (in part)",
        quantity=None,
        amount=amount,
        net=amount,
        tax_category=line.tax_category,
        tax_percent=line.tax_percent,
        tax_note=line.tax_note,
    )


def _load_credit_note(conn: Connection, note_id: int) -> CreditNote:
    row: dict[str, Any] = queries.one(conn, _SQL["credit_note"], {"id": note_id})
    lines: list[dict[str, Any]] = conn.execute(
        _SQL["credit_note_lines"], {"id": note_id}
    ).fetchall()
    return CreditNote(
        id=int(row["id"]),
        invoice_id=int(row["invoice_id"]),
        seller_id=int(row["seller_id"]),
        account_id=int(row["account_id"]),
        currency=str(row["currency"]),
        number=str(row["number"]),
        issue_date=row["issue_date"],
        reason=str(row["reason"]),
        net=row["net"],
        tax=row["tax"],
        total=row["total"],
        lines=tuple(
            CreditNoteLine(
                position=int(r["position"]),
                invoice_position=r["invoice_position"],
                description=str(r["description"]),
                quantity=r["quantity"],
                amount=r["amount"],
                net=r["net"],
                tax_category=str(r["tax_category"]),
                tax_percent=r["tax_percent"],
                tax_note=r["tax_note"],
            )
            for r in lines
        ),
    )


def _load(conn: Connection, invoice_id: int) -> Invoice:
    row: dict[str, Any] | None = conn.execute(
        _SQL["invoice_with_balance"], {"id": invoice_id}
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no invoice {invoice_id}")
    balance = row
    lines: list[dict[str, Any]] = conn.execute(_SQL["lines"], {"id": invoice_id}).fetchall()
    return Invoice(
        id=int(row["id"]),
        seller_id=int(row["seller_id"]),
        account_id=int(row["account_id"]),
        currency=str(row["currency"]),
        billing_date=row["billing_date"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        status=str(row["status"]),
        number=row["number"],
        creditor_reference=row["creditor_reference"],
        issue_date=row["issue_date"],
        due_date=row["due_date"],
        net=row["net"],
        tax=row["tax"],
        total=row["total"],
        credited=balance["credited"],
        allocated=balance["allocated"],
        prepaid=balance["prepaid"],
        balance=balance["balance"],
        state=str(balance["state"]),
        written_off=balance["written_off"],
        disputed=balance["disputed"],
        lines=tuple(
            InvoiceLine(
                position=int(r["position"]),
                subscription_id=r["subscription_id"],
                kind=str(r["kind"]),
                key=str(r["key"]),
                description=str(r["description"]),
                service_start=r["service_start"],
                service_end=r["service_end"],
                quantity=r["quantity"],
                amount=r["amount"],
                net=r["net"],
                tax_category=str(r["tax_category"]),
                tax_percent=r["tax_percent"],
                tax_note=r["tax_note"],
            )
            for r in lines
        ),
    )


__all__ = ["CreditNote", "CreditNoteLine", "Invoice", "InvoiceLine", "Invoices"]
