"""`tarifa disputes list|show|evidence|open-line|resolve`."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal, InvalidOperation

import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.errors import ValidationError
from tarifa.facade import connect
from tarifa.payments.disputes import Dispute

app = typer.Typer(help="Disputes: chargebacks and invoice lines.", no_args_is_help=True)
DisputeArgument = typer.Argument(..., help="The dispute's id or gateway reference.")


@app.command("list")
def list_(
    status: str = typer.Option(None, help="open, won or lost (default: all)."),
    account: str = typer.Option(None, help="Only this account's (its external id)."),
    as_json: bool = JsonOption,
) -> None:
    """Disputes, the open ones by nearest evidence deadline first."""
    with connect(actor=actor()) as billing:
        found = billing.disputes.list(status=status, account=account)
    emit([asdict(d) for d in found], as_json, lambda: _table(found))


@app.command("show")
def show(dispute: str = DisputeArgument, as_json: bool = JsonOption) -> None:
    """A dispute with its evidence notes."""
    with connect(actor=actor()) as billing:
        found = billing.disputes.get(dispute)
    emit(asdict(found), as_json, lambda: _show(found))


@app.command("evidence")
def evidence(
    dispute: str = DisputeArgument,
    note: str = typer.Option(..., "--note", help="The evidence note (kept, audit-logged)."),
    as_json: bool = JsonOption,
) -> None:
    """Add an evidence note to an open dispute."""
    with connect(actor=actor()) as billing:
        found = billing.disputes.add_evidence(dispute, note)
    emit(asdict(found), as_json, lambda: _show(found))


@app.command("open-line")
def open_line(
    invoice: str = typer.Argument(..., help="The invoice's number or id."),
    line: int = typer.Option(..., "--line", help="The disputed line's position."),
    amount: str = typer.Option(..., help="The disputed amount, gross (VAT included)."),
    reason: str = typer.Option(..., help="Why the customer disputes it."),
    as_json: bool = JsonOption,
) -> None:
    """A customer disputes (part of) an invoice line: held back from dunning until resolved."""
    with connect(actor=actor()) as billing:
        found = billing.disputes.open_line(
            invoice, line=line, amount=_decimal(amount), reason=reason
        )
    emit(asdict(found), as_json, lambda: _show(found))


@app.command("resolve")
def resolve(
    dispute: str = DisputeArgument,
    accept: bool = typer.Option(
        None, "--accept/--reject", help="Accept (a credit note) or reject (the amount is owed)."
    ),
    issue_date: str = typer.Option(None, "--issue-date", help="The credit note's (today)."),
    as_json: bool = JsonOption,
) -> None:
    """Resolve a line dispute: --accept issues a credit note for its amount, --reject keeps
    it owed (dunning takes it up again)."""
    if accept is None:
        raise ValidationError.single("--accept/--reject", "say which")
    with connect(actor=actor()) as billing:
        found = billing.disputes.resolve(
            dispute,
            accept=accept,
            issue_date=None if issue_date is None else dt.date.fromisoformat(issue_date),
        )
    emit(asdict(found), as_json, lambda: _show(found))


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError.single("amount", "must be a decimal number") from None


def _deadline(d: Dispute) -> str:
    if d.evidence_due_by is None:
        return "-"
    return d.evidence_due_by.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _table(found: list[Dispute]) -> None:
    table = Table("id", "kind", "status", "amount", "invoice", "line", "evidence due", "reason")
    for d in found:
        table.add_row(
            str(d.id), d.kind, d.status, f"{d.amount} {d.currency}", str(d.invoice_id or "-"),
            str(d.line_position or "-"), _deadline(d), d.reason,
        )  # fmt: skip
    console.print(table)


def _show(d: Dispute) -> None:
    _table([d])
    if d.gateway_reference:
        console.print(f"gateway reference {d.gateway_reference}")
    if d.credit_note_id:
        console.print(f"credited by credit note #{d.credit_note_id}")
    for n in d.notes:
        console.print(f"[dim]{n.created_at:%Y-%m-%d %H:%M} {n.actor}[/]: {n.note}")
