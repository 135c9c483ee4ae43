"""`tarifa refunds create|export`."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import typer

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.cli.payments import GatewayOption, SandboxUrl, gateway_for
from tarifa.facade import connect

app = typer.Typer(help="Refunds: by card gateway or SEPA credit transfer.", no_args_is_help=True)


@app.command("create")
def create(
    payment_id: int = typer.Argument(..., help="The payment to refund against."),
    reason: str = typer.Option(..., help="Why (kept with the refund and in the ledger)."),
    amount: str = typer.Option(None, help="Default: what the customer's credit covers."),
    iban: str = typer.Option(None, help="Transfer refunds: the payer's IBAN."),
    gateway_name: str = GatewayOption,
    gateway_url: str = SandboxUrl,
    as_json: bool = JsonOption,
) -> None:
    """Refund a payment from the customer's credit."""
    with connect(actor=actor()) as billing:
        payments = {p.id: p for p in billing.payments.of_payment_ids([payment_id])}
        by_card = payments.get(payment_id) is not None and payments[payment_id].kind == "card"
        refund = billing.refunds.refund(
            payment_id,
            reason=reason,
            amount=None if amount is None else Decimal(amount),
            gateway=gateway_for(gateway_name, gateway_url, 10.0) if by_card else None,
            iban=iban,
        )
    emit(
        asdict(refund),
        as_json,
        lambda: console.print(
            f"refund #{refund.id} of {refund.amount} {refund.currency} ({refund.method}): "
            f"{refund.status}"
        ),
    )


@app.command("export")
def export(
    output: Path = typer.Option(..., "-o", "--output", help="The pain.001 file to write."),
    seller: str = typer.Option(None, help="The seller paying them (default: the only one)."),
    as_json: bool = JsonOption,
) -> None:
    """Write the pending transfer refunds as a SEPA credit-transfer file (pain.001)."""
    with connect(actor=actor()) as billing:
        made = billing.refunds.export_transfers(output, seller=seller)
    emit(
        asdict(made),
        as_json,
        lambda: console.print(f"{made.refunds} refunds, {made.total} EUR: {made.path}"),
    )
