"""`tarifa ledger balance|trial-balance` and `tarifa reports aging`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime

import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.facade import connect
from tarifa.ledger import AgingRow, Balance, TrialBalanceRow

app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
reports_app = typer.Typer(help="Reports read from the ledger.", no_args_is_help=True)


@app.command("balance")
def balance(
    customer: str = typer.Argument(..., help="The customer's external id."),
    as_json: bool = JsonOption,
) -> None:
    """What a customer owes (or is owed), per currency."""
    with connect(actor=actor()) as billing:
        found = billing.ledger.balance(customer)
    emit(
        [asdict(b) | {"owed": b.owed} for b in found],
        as_json,
        lambda: _render_balance(customer, found),
    )


@app.command("trial-balance")
def trial_balance(as_json: bool = JsonOption) -> None:
    """Every account's debits and credits; per currency the two columns are equal."""
    with connect(actor=actor()) as billing:
        rows = billing.ledger.trial_balance()
    emit(
        [asdict(r) | {"balance": r.balance} for r in rows],
        as_json,
        lambda: _render_trial_balance(rows),
    )


@reports_app.command("aging")
def aging(
    on: str = typer.Option(None, "--date", help="The day to age on (default: today, UTC)."),
    as_json: bool = JsonOption,
) -> None:
    """Accounts-receivable aging: current, 1-30, 31-60, 61-90 and 90+ days past due."""
    day = date.fromisoformat(on) if on else datetime.now(UTC).date()
    with connect(actor=actor()) as billing:
        rows = billing.ledger.aging(day)
    emit([asdict(r) for r in rows], as_json, lambda: _render_aging(day, rows))


def _render_balance(customer: str, found: list[Balance]) -> None:
    table = Table("currency", "receivable", "customer credit", "owed", title=customer)
    for b in found:
        table.add_row(b.currency, f"{b.receivable}", f"{b.credit}", f"[bold]{b.owed}[/]")
    console.print(table)


def _render_trial_balance(rows: list[TrialBalanceRow]) -> None:
    table = Table("currency", "account", "of", "debit", "credit", "balance")
    for r in rows:
        table.add_row(r.currency, r.kind, r.subject, f"{r.debit}", f"{r.credit}", f"{r.balance}")
    for currency in sorted({r.currency for r in rows}):
        debit = sum(r.debit for r in rows if r.currency == currency)
        credit = sum(r.credit for r in rows if r.currency == currency)
        table.add_row(f"[bold]{currency}[/]", "[bold]total[/]", "", f"{debit}", f"{credit}", "")
    console.print(table)


def _render_aging(day: date, rows: list[AgingRow]) -> None:
    table = Table(
        "customer", "currency", "current", "1-30", "31-60", "61-90", "90+", "total",
        title=f"receivables aged on {day}",
    )  # fmt: skip
    for r in rows:
        table.add_row(
            r.external_id, r.currency, f"{r.current}", f"{r.days_1_30}", f"{r.days_31_60}",
            f"{r.days_61_90}", f"{r.days_over_90}", f"[bold]{r.total}[/]",
        )  # fmt: skip
    console.print(table)
