"""`tarifa invoices list|show|finalize`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table

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
    on: str = typer.Option(..., "--on", help="Bill the billing dates up to this local date."),
    seller: str = typer.Option(None, help="The seller's code (default: the only seller)."),
    as_json: bool = JsonOption,
) -> None:
    """Draft (or recompute) an account's invoices of its billing dates up to a date."""
    with connect(actor=actor()) as billing:
        drafted = billing.invoices.bill(account, on=date.fromisoformat(on), seller=seller)
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


@app.command("credit")
def credit(
    invoice_id: int = IdArgument,
    reason: str = typer.Option(..., help="Why the invoice is credited (on the credit note)."),
    line: list[int] = typer.Option(None, "--line", help="Credit this line (its position)."),
    amount: str = typer.Option(
        None,
        help="Credit this net amount: of the invoice (one VAT rate only) or, with one --line, "
        "of that line.",
    ),
    issue_date: str = typer.Option(None, "--issue-date", help="Default: today."),
    as_json: bool = JsonOption,
) -> None:
    """Issue a credit note: in full, for some lines, or for an amount."""
    with connect(actor=actor()) as billing:
        note = billing.invoices.credit(
            invoice_id,
            reason=reason,
            positions=line or None,
            amount=None if amount is None else Decimal(amount),
            issue_date=None if issue_date is None else date.fromisoformat(issue_date),
        )
        invoice = billing.invoices.get(invoice_id)
    emit(
        asdict(note),
        as_json,
        lambda: console.print(
            f"credit note {note.number} of {note.total} {note.currency} on invoice "
            f"{invoice.number}: it is now {invoice.state}, {invoice.balance} left"
        ),
    )


def _render_all(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        _render(invoice)


def _render_list(invoices: list[Invoice]) -> None:
    table = Table("id", "number", "billing date", "period", "state", "total", "balance")
    for i in invoices:
        period = f"{i.period_start} .. {i.period_end}"
        table.add_row(
            str(i.id),
            i.number or "(draft)",
            str(i.billing_date),
            period,
            i.state,
            f"{i.total} {i.currency}",
            f"{i.balance}",
        )
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
    bill_run: int = typer.Option(None, "--bill-run", help="Every finalized invoice of a run."),
    formats: list[Format] = typer.Option(None, "--format", help="Repeatable; default pdf."),
    output: Path = typer.Option(..., "-o", "--output", help="The folder to write into."),
    as_json: bool = JsonOption,
) -> None:
    """Write the documents of many invoices: NUMBER.pdf, NUMBER.csv, NUMBER-facturx.pdf..."""
    if sum((account is not None, bool(ids), bill_run is not None)) != 1:
        raise ValidationError.single("--account", "give one of --account, --id or --bill-run")
    with connect(actor=actor()) as billing:
        if account is not None:
            chosen = billing.documents.finalized_of_account(account)
        elif bill_run is not None:
            chosen = billing.documents.finalized_of_bill_run(bill_run)
        else:
            chosen = ids
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
