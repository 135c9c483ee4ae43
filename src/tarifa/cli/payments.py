"""`tarifa payments receive|list`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation

import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.errors import ValidationError
from tarifa.facade import connect
from tarifa.payments import Payment

app = typer.Typer(help="Payments.", no_args_is_help=True)


@app.command("receive")
def receive(
    account: str = typer.Argument(..., help="The account's external id."),
    amount: str = typer.Argument(..., help="The amount received, in the account's currency."),
    invoice: str = typer.Option(None, help="The invoice the payer named (number or RF ref)."),
    reference: str = typer.Option(None, help="The payer's reference text."),
    on: str = typer.Option(None, "--date", help="The day it was received (default today)."),
    key: str = typer.Option(None, "--key", help="Idempotency key: the same key pays once."),
    as_json: bool = JsonOption,
) -> None:
    """Book money received: the invoice named first, else the oldest; the rest is credit."""
    try:
        money = Decimal(amount)
    except InvalidOperation:
        raise ValidationError.single("amount", "must be a decimal number") from None
    with connect(actor=actor()) as billing:
        payment = billing.payments.receive(
            account,
            money,
            invoice=invoice,
            reference=reference,
            received_on=date.fromisoformat(on) if on else None,
            idempotency_key=key,
        )
    emit(asdict(payment), as_json, lambda: _render([payment]))


@app.command("list")
def list_(
    account: str = typer.Argument(..., help="The account's external id."),
    as_json: bool = JsonOption,
) -> None:
    """An account's payments and what each paid."""
    with connect(actor=actor()) as billing:
        payments = billing.payments.of_account(account)
    emit([asdict(p) for p in payments], as_json, lambda: _render(payments))


def _render(payments: list[Payment]) -> None:
    table = Table("id", "received", "amount", "status", "paid invoices", "credit")
    for p in payments:
        paid = ", ".join(f"#{i}: {a}" for i, a in p.allocations) or "-"
        table.add_row(
            str(p.id), str(p.received_on), f"{p.amount} {p.currency}", p.status, paid, f"{p.credit}"
        )
    console.print(table)
