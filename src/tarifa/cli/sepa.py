"""`tarifa sepa export`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import typer

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.facade import connect

app = typer.Typer(help="SEPA direct debit.", no_args_is_help=True)


@app.command("export")
def export(
    collection_date: str = typer.Option(..., "--collection-date", help="YYYY-MM-DD."),
    output: Path = typer.Option(..., "-o", "--output", help="The pain.008 file to write."),
    seller: str = typer.Option(None, help="The creditor (default: the only seller)."),
    schema: str = typer.Option("pain.008.001.08", help="pain.008.001.08 or pain.008.001.02."),
    as_json: bool = JsonOption,
) -> None:
    """Write the direct debits due by the collection date; their payments stay pending."""
    with connect(actor=actor()) as billing:
        made = billing.payments.export_direct_debits(
            date.fromisoformat(collection_date), output, seller=seller, schema=schema
        )
    emit(
        asdict(made),
        as_json,
        lambda: console.print(
            f"{made.debits} direct debits ({made.first} FRST, {made.recurring} RCUR), "
            f"{made.total} EUR, collected on {made.collection_date}"
            + (f": {made.path}" if made.debits else " (nothing to collect, no file)")
        ),
    )


@app.command("status")
def status(
    path: Path = typer.Argument(..., help="A pain.002 payment status report from the bank."),
    as_json: bool = JsonOption,
) -> None:
    """Fail the direct debits the bank rejected (pain.002), with its reason codes."""
    with connect(actor=actor()) as billing:
        result = billing.payments.apply_status_report(path)
    emit(
        asdict(result),
        as_json,
        lambda: console.print(
            f"{result.transactions} transactions, {result.rejected} rejected: "
            f"{result.applied} debits failed, {result.unknown} not pending here"
        ),
    )
