"""`tarifa bill-run` and `tarifa tax load`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tarifa.bill_runs import RunSummary
from tarifa.cli.output import JsonOption, actor, console, emit, errors
from tarifa.facade import connect

tax_app = typer.Typer(help="VAT rates.", no_args_is_help=True)


def bill_run(
    on: str = typer.Option(..., "--date", help="Invoice billing dates up to this local date."),
    workers: int = typer.Option(1, help="Worker processes."),
    finalize: bool = typer.Option(False, "--finalize", help="Finalize at once (no grace)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be invoiced."),
    grace_days: int = typer.Option(
        None, "--grace-days", help="Days drafts wait for late usage (default 3)."
    ),
    seller: str = typer.Option(None, help="The seller's code (default: the only seller)."),
    batch_size: int = typer.Option(500, "--batch-size", help="Accounts per transaction."),
    as_json: bool = JsonOption,
) -> None:
    """Invoice every account whose billing dates fall on or before --date."""
    bar = Progress(
        TextColumn("invoicing accounts"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=as_json or dry_run,
    )
    task = bar.add_task("accounts", total=None)
    with connect(actor=actor()) as billing, bar:
        summary = billing.bill_runs.run(
            date.fromisoformat(on),
            seller=seller,
            workers=workers,
            finalize=finalize,
            grace_days=grace_days,
            dry_run=dry_run,
            batch_size=batch_size,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    emit(asdict(summary), as_json, lambda: _render(summary))
    if summary.failures:
        raise typer.Exit(2)


@tax_app.command("load")
def load(
    path: Path = typer.Argument(..., help="EU VAT rates in the vat-rates.json format."),
    as_json: bool = JsonOption,
) -> None:
    """Store VAT rates for bill runs (the newest loaded set is used)."""
    with connect(actor=actor()) as billing:
        set_id = billing.taxes.load(path)
        countries = len(billing.taxes.current().periods)
    emit(
        {"id": set_id, "countries": countries},
        as_json,
        lambda: console.print(f"VAT rates #{set_id} loaded: {countries} countries"),
    )


def _render(summary: RunSummary) -> None:
    what = "dry run (nothing written)" if summary.dry_run else f"bill run #{summary.run_id}"
    console.print(
        f"{what} for {summary.as_of} by {summary.seller}: {summary.accounts} accounts, "
        f"{summary.drafted} invoices drafted, {summary.finalized} finalized"
    )
    table = Table("status", "currency", "invoices", "net", "VAT", "total", title_justify="left")
    for t in summary.totals:
        table.add_row(t.status, t.currency, str(t.invoices), f"{t.net}", f"{t.tax}", f"{t.total}")
    console.print(table)
    if summary.failures:
        failed = Table("account", "reason", title="accounts that failed", title_justify="left")
        for f in summary.failures:
            failed.add_row(f.external_id, f.reason)
        console.print(failed)
