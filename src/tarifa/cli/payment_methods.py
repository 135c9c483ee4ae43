"""`tarifa payment-methods add|list|default|revoke`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.facade import connect
from tarifa.payments import PaymentMethod

app = typer.Typer(
    help="Payment methods: card tokens, SEPA mandates, bank transfer.", no_args_is_help=True
)


@app.command("add")
def add(
    account: str = typer.Argument(..., help="The account's external id."),
    kind: str = typer.Option(..., help="card, sepa_debit or bank_transfer."),
    gateway: str = typer.Option(None, help="card: the gateway holding the token."),
    token: str = typer.Option(None, help="card: the gateway's token (never the number)."),
    brand: str = typer.Option(None, help="card: visa, mastercard, amex..."),
    last4: str = typer.Option(None, help="card: the last four digits."),
    expiry: str = typer.Option(None, "--exp", help="card: MM/YYYY."),
    iban: str = typer.Option(None, help="sepa_debit: the debtor's IBAN."),
    bic: str = typer.Option(None, help="sepa_debit: the BIC (derived from the IBAN if known)."),
    mandate_id: str = typer.Option(None, "--mandate-id", help="sepa_debit: the mandate."),
    signed_on: str = typer.Option(None, "--signed-on", help="sepa_debit: YYYY-MM-DD."),
    label: str = typer.Option(None, help="A name for people."),
    default: bool = typer.Option(False, "--default", help="Make it the account's default."),
    as_json: bool = JsonOption,
) -> None:
    """Add a payment method; every problem is reported with its field."""
    raw: dict[str, Any] = {"kind": kind, "default": default}
    if expiry:
        month, _, year = expiry.partition("/")
        raw |= {"exp_month": month, "exp_year": year}
    given = {
        "gateway": gateway, "token": token, "brand": brand, "last4": last4, "iban": iban,
        "bic": bic, "mandate_id": mandate_id, "mandate_signed_on": signed_on, "label": label,
    }  # fmt: skip
    raw |= {k: v for k, v in given.items() if v is not None}
    with connect(actor=actor()) as billing:
        method = billing.payment_methods.add(account, raw)
    emit(_public(method), as_json, lambda: console.print(f"added #{method.id}: {method.display}"))


@app.command("list")
def list_(
    account: str = typer.Argument(..., help="The account's external id."),
    as_json: bool = JsonOption,
) -> None:
    """An account's payment methods."""
    with connect(actor=actor()) as billing:
        methods = billing.payment_methods.of_account(account)
    emit([_public(m) for m in methods], as_json, lambda: _render(methods))


@app.command("default")
def make_default(method_id: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Make a method its account's default."""
    with connect(actor=actor()) as billing:
        method = billing.payment_methods.make_default(method_id)
    emit(_public(method), as_json, lambda: console.print(f"default: {method.display}"))


@app.command("revoke")
def revoke(method_id: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Revoke a method (kept for the payments that name it)."""
    with connect(actor=actor()) as billing:
        method = billing.payment_methods.revoke(method_id)
    emit(_public(method), as_json, lambda: console.print(f"revoked: {method.display}"))


def _public(method: PaymentMethod) -> dict[str, Any]:
    return asdict(method) | {"display": method.display}


def _render(methods: list[PaymentMethod]) -> None:
    table = Table("id", "method", "status", "default")
    for m in methods:
        table.add_row(str(m.id), m.display, m.status, "yes" if m.is_default else "")
    console.print(table)
