"""`tarifa reconcile import|queue|match`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit, errors
from tarifa.facade import connect
from tarifa.reconciliation.service import BankTransaction

app = typer.Typer(help="Bank-statement reconciliation.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A camt.053/camt.054 or MT940 statement file."),
    as_json: bool = JsonOption,
) -> None:
    """Apply a bank statement: matched credits pay their invoices, the rest is queued."""
    with connect(actor=actor()) as billing:
        report = billing.reconciliation.import_file(file)
    for problem in report.problems:
        # Entries skipped stay visible without breaking the JSON on stdout.
        errors.print(f"skipped: {problem}", markup=False, highlight=False)
    counts = report.counts()
    emit(counts, as_json, lambda: _render_counts(counts))


@app.command("queue")
def queue(as_json: bool = JsonOption) -> None:
    """Bank transactions waiting for review."""
    with connect(actor=actor()) as billing:
        waiting = billing.reconciliation.queue()
    emit([asdict(t) for t in waiting], as_json, lambda: _render(waiting))


@app.command("match")
def match(
    transaction_id: int = typer.Argument(..., help="The queued transaction's id."),
    invoice: str = typer.Argument(..., help="The invoice it pays: number or RF reference."),
    as_json: bool = JsonOption,
) -> None:
    """Apply a queued credit to an invoice by hand."""
    with connect(actor=actor()) as billing:
        done = billing.reconciliation.match(transaction_id, invoice)
    emit(asdict(done), as_json, lambda: _render([done]))


def _render_counts(counts: dict[str, int]) -> None:
    table = Table("", "count")
    for name, value in counts.items():
        table.add_row(name.replace("_", " "), str(value))
    console.print(table)


def _render(transactions: list[BankTransaction]) -> None:
    table = Table("id", "booked", "amount", "payer", "text", "status", "why")
    for t in transactions:
        sign = "-" if t.direction == "debit" else ""
        table.add_row(
            str(t.id),
            str(t.booking_date),
            f"{sign}{t.amount} {t.currency}",
            t.payer_name or t.payer_iban or "",
            t.remittance[:40],
            t.status,
            t.reason,
        )
    console.print(table)
