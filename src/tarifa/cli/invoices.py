"""`tarifa invoices list|show|finalize`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from tarifa.billing.taxes import read_vat_rates
from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.documents.service import Format
from tarifa.errors import ValidationError
from tarifa.facade import connect
from tarifa.invoices.service import Invoice

app = typer.Typer(help="Invoices: drafts, finalized invoices.", no_args_is_help=True)
IdArgument = typer.Argument(..., help="The invoice's id.")


@app.command("list")
def list_(
    account: str = typer.Option(..., help="The account's external id."), as_json: bool = JsonOption
) -> None:
    """An account's invoices."""
    with connect(actor=actor()) as billing:
        invoices = billing.invoices.of_account(account)
    emit([asdict(i) for i in invoices], as_json, lambda: _render_list(invoices))


@app.command("show")
def show(invoice_id: int = IdArgument, as_json: bool = JsonOption) -> None:
    """An invoice with its lines."""
    with connect(actor=actor()) as billing:
        invoice = billing.invoices.get(invoice_id)
    emit(asdict(invoice), as_json, lambda: _render(invoice))


@app.command("draft")
def draft(
    account: str = typer.Argument(..., help="The account's external id."),
    on: str = typer.Option(..., "--on", help="A local date in the billing period (YYYY-MM-DD)."),
    seller: str = typer.Option(..., help="The seller's code."),
    vat_rates: Path = typer.Option(..., "--vat-rates", help="EU VAT rates (vat-rates.json)."),
    as_json: bool = JsonOption,
) -> None:
    """Draft (or recompute) the invoice of the account's billing period holding a date."""
    rates = read_vat_rates(vat_rates)
    with connect(actor=actor()) as billing:
        drafted = billing.invoices.draft_period(
            account, on=date.fromisoformat(on), seller=seller, rates=rates
        )
    emit([asdict(i) for i in drafted], as_json, lambda: _render_all(drafted))


@app.command("finalize")
def finalize(
    invoice_id: int = IdArgument,
    issue_date: str = typer.Option(None, "--issue-date", help="Default: today."),
    as_json: bool = JsonOption,
) -> None:
    """Number and freeze a draft (a finalized invoice is shown as it is)."""
    with connect(actor=actor()) as billing:
        invoice = billing.invoices.finalize(
            invoice_id, issue_date=None if issue_date is None else date.fromisoformat(issue_date)
        )
    emit(asdict(invoice), as_json, lambda: _render(invoice))


def _render_all(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        _render(invoice)


def _render_list(invoices: list[Invoice]) -> None:
    table = Table("id", "number", "period", "status", "total")
    for i in invoices:
        period = f"{i.period_start} .. {i.period_end}"
        table.add_row(str(i.id), i.number or "(draft)", period, i.status, f"{i.total} {i.currency}")
    console.print(table)


def _render(invoice: Invoice) -> None:
    title = (
        f"invoice {invoice.number or '(draft)'} · {invoice.period_start} .. {invoice.period_end}"
    )
    table = Table("line", "service period", "VAT", "net", title=title, title_justify="left")
    for line in invoice.lines:
        vat = f"{line.tax_category} {line.tax_percent:g} %"
        table.add_row(
            line.description, f"{line.service_start} .. {line.service_end}", vat, f"{line.net}"
        )
    console.print(table)
    console.print(
        f"net {invoice.net} + VAT {invoice.tax} = [bold]{invoice.total} {invoice.currency}[/]"
    )
    if invoice.creditor_reference:
        console.print(f"pay by {invoice.due_date} with reference {invoice.creditor_reference}")


# -- documents (tarifa.documents) ------------------------------------------------------------

NumberArgument = typer.Argument(..., help="The invoice's number (or its id).")


@app.command("render")
def render(
    invoice: str = NumberArgument,
    fmt: Format = typer.Option(
        Format.PDF, "--format", help="pdf, csv (lines), facturx, usage (itemized usage CSV)."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="The file to write."),
) -> None:
    """Write one document of a finalized invoice."""
    with connect(actor=actor()) as billing:
        data = billing.documents.render(invoice, fmt)
    output.write_bytes(data)
    console.print(f"wrote {output} ({len(data):,} bytes)")


@app.command("render-all")
def render_all(
    account: str = typer.Option(None, help="Every finalized invoice of this account."),
    ids: list[int] = typer.Option(None, "--id", help="An invoice id (repeatable)."),
    formats: list[Format] = typer.Option(None, "--format", help="Repeatable; default pdf."),
    output: Path = typer.Option(..., "-o", "--output", help="The folder to write into."),
    as_json: bool = JsonOption,
) -> None:
    """Write the documents of many invoices: NUMBER.pdf, NUMBER.csv, NUMBER-facturx.pdf..."""
    if (account is None) == (not ids):
        raise ValidationError.single("--account", "give --account or --id, not both")
    with connect(actor=actor()) as billing:
        chosen = billing.documents.finalized_of_account(account) if account else ids
        written = billing.documents.render_many(chosen, output, formats or [Format.PDF])
    emit(
        [str(p) for p in written],
        as_json,
        lambda: console.print(f"wrote {len(written)} files for {len(chosen)} invoices to {output}"),
    )


@app.command("send")
def send(invoice: str = NumberArgument) -> None:
    """E-mail the PDF and the Factur-X file to the customer (TARIFA_SMTP_HOST, _PORT, _FROM)."""
    with connect(actor=actor()) as billing:
        recipients = billing.documents.send(invoice)
    console.print(f"sent {invoice} to {', '.join(recipients)}")
