"""`tarifa customers import|list`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, ProgressBar, actor, console, emit
from tarifa.customers import Customer
from tarifa.customers.importer import ImportReport, bulk_mode
from tarifa.customers.model import customer_to_raw
from tarifa.customers.service import MAX_PAGE
from tarifa.errors import ValidationError
from tarifa.facade import connect

app = typer.Typer(help="Customers (accounts): import, list.", no_args_is_help=True)


@app.command("import")
def import_(
    # Not checked by Typer (which would exit 2): a file that cannot be read is the
    # importer's ValidationError, exit 1, like a file whose header is unusable.
    file: Path = typer.Argument(..., help="A UTF-8 CSV with a header row (docs/customers.md)."),
    identifiers_from: str = typer.Option(
        None,
        help="Usage identifiers of new accounts are valid from this instant (ISO 8601 with "
        "offset, e.g. 2026-01-01T00:00:00+01:00) instead of now: for accounts moving over "
        "with their usage history.",
    ),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Import customers from CSV: good rows load, bad rows are reported with every reason.

    Accounts already present (same external_id) are left unchanged, so importing the same
    file again changes nothing. Exits 0 even when rows were rejected; 1 when the file
    cannot be read.
    """
    with (
        connect(actor=actor()) as billing,
        ProgressBar(quiet=as_json) as advance,
        bulk_mode(),  # this process does nothing else meanwhile
    ):
        report = billing.customers.import_csv(
            file, progress=advance, identifiers_from=_instant(identifiers_from)
        )
    emit(_report_payload(report), as_json, lambda: _render_report(report))


@app.command("list")
def list_(
    search: str = typer.Option(None, help="Part of the legal name, external id or an email."),
    status: str = typer.Option(None, help="active, suspended or closed."),
    country: str = typer.Option(None, help="ISO 3166-1 alpha-2 country code."),
    limit: int = typer.Option(50, min=1, max=MAX_PAGE, help="At most this many customers."),
    after_id: int = typer.Option(None, help="Continue after this customer id (paging)."),
    as_json: bool = JsonOption,
) -> None:
    """List customers in id order."""
    with connect(actor=actor()) as billing:
        customers = billing.customers.list(
            search, status=status, country=country, limit=limit, after_id=after_id
        )
    emit([_customer_payload(c) for c in customers], as_json, lambda: _render_list(customers))


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError.single(
            "identifiers_from", f"{text!r} is not an ISO 8601 instant"
        ) from None


def _report_payload(report: ImportReport) -> dict[str, Any]:
    return {
        "file": report.file,
        "received": report.received,
        "accepted": report.accepted,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "rejections": [
            {
                "line": r.line,
                "external_id": r.external_id,
                "errors": [{"field": e.field, "reason": e.reason} for e in r.errors],
            }
            for r in report.rejections
        ],
        "audit_id": report.audit_id,
    }


def _render_report(report: ImportReport) -> None:
    summary = Table(title=f"import of {report.file}", show_header=False, title_justify="left")
    summary.add_row("received", str(report.received))
    summary.add_row("[green]accepted (new)[/]", str(report.accepted))
    summary.add_row("unchanged (already there)", str(report.unchanged))
    summary.add_row("[red]rejected[/]", str(report.rejected))
    console.print(summary)
    if report.rejections:
        console.print(rejections_table(report))


def rejections_table(report: ImportReport, title: str = "rejected rows") -> Table:
    """One row per problem: line, external id, field and reason."""
    table = Table(title=title, title_justify="left")
    for column in ("line", "external id", "field", "reason"):
        table.add_column(column)
    for rejection in report.rejections:
        for problem in rejection.errors:
            table.add_row(
                str(rejection.line), rejection.external_id or "", problem.field, problem.reason
            )
    return table


def _customer_payload(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, **customer_to_raw(customer), "version": customer.version}


def _render_list(customers: list[Customer]) -> None:
    table = Table()
    for column in ("id", "external id", "legal name", "kind", "status", "country", "currency",
                   "time zone", "BCD"):  # fmt: skip
        table.add_column(column)
    for c in customers:
        table.add_row(
            str(c.id), c.external_id, c.legal_name, c.kind.value, c.status.value, c.country,
            c.currency, c.time_zone, str(c.billing_cycle_day),
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(customers)} customers")
