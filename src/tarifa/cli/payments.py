"""`tarifa payments receive|list|collect|resolve`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.errors import ValidationError
from tarifa.facade import connect
from tarifa.payments import Payment
from tarifa.payments.collection import CollectionReport
from tarifa.payments.configured import configured_gateway
from tarifa.payments.gateway import PaymentGateway

app = typer.Typer(help="Payments.", no_args_is_help=True)


@app.command("receive")
def receive(
    account: str = typer.Argument(None, help="The account's external id."),
    amount: str = typer.Argument(None, help="The amount received, in the account's currency."),
    invoice: str = typer.Option(None, help="The invoice the payer named (number or RF ref)."),
    reference: str = typer.Option(None, help="The payer's reference text."),
    on: str = typer.Option(None, "--date", help="The day it was received (default today)."),
    key: str = typer.Option(None, "--key", help="Idempotency key: the same key pays once."),
    file: Path = typer.Option(
        None, "--file", help="A CSV of payments (account,amount[,invoice,reference,date,key])."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Book money received: the invoice named first, else the oldest; the rest is credit.
    With --file, every line of a CSV, all in one transaction (or none)."""
    if file is not None:
        if account or amount or invoice or reference or on or key:
            raise ValidationError.single("file", "comes alone: the lines give the payments")
        _receive_file(file, as_json)
        return
    if not account or not amount:
        raise ValidationError.single("account", "ACCOUNT and AMOUNT are required (or --file)")
    try:
        money = Decimal(amount)
    except InvalidOperation:
        raise ValidationError.single("amount", "must be a decimal number") from None
    with connect(actor=actor()) as billing:
        payment = billing.payments.receive(
            account,
            money,
            invoice=invoice,
            reference=reference,
            received_on=date.fromisoformat(on) if on else None,
            idempotency_key=key,
        )
    emit(asdict(payment), as_json, lambda: _render([payment]))


def _receive_file(file: Path, as_json: bool) -> None:
    with connect(actor=actor()) as billing:
        payments = billing.payments.receive_file(file)
    zero = Decimal(0)
    summary = {
        "payments": len(payments),
        "amount": sum((p.amount for p in payments), zero),
        "allocated": sum((a for p in payments for _, a in p.allocations), zero),
        "credit": sum((p.credit for p in payments), zero),
    }
    emit(
        summary,
        as_json,
        lambda: console.print(
            f"{summary['payments']} payments booked: {summary['amount']} received,"
            f" {summary['allocated']} to invoices, {summary['credit']} kept as credit"
        ),
    )


@app.command("list")
def list_(
    account: str = typer.Argument(..., help="The account's external id."),
    as_json: bool = JsonOption,
) -> None:
    """An account's payments and what each paid."""
    with connect(actor=actor()) as billing:
        payments = billing.payments.of_account(account)
    emit([asdict(p) for p in payments], as_json, lambda: _render(payments))


SandboxUrl = typer.Option(
    None,
    "--gateway-url",
    envvar="TARIFA_SANDBOX_URL",
    help="The sandbox gateway's URL (tarifa sandbox serve).",
)


GatewayOption = typer.Option(
    "sandbox", "--gateway", help="sandbox (--gateway-url) or stripe (STRIPE_API_KEY)."
)


@app.command("collect")
def collect(
    on: str = typer.Option(None, "--date", help="Collect invoices due by this day (today)."),
    gateway_name: str = GatewayOption,
    gateway_url: str = SandboxUrl,
    timeout: float = typer.Option(10.0, help="Seconds to wait for the gateway's answer."),
    as_json: bool = JsonOption,
) -> None:
    """Charge every due invoice to its account's default card, idempotently."""
    gateway = gateway_for(gateway_name, gateway_url, timeout)
    with connect(actor=actor()) as billing:
        report = billing.payments.collect(gateway, on=date.fromisoformat(on) if on else None)
    emit(asdict(report), as_json, lambda: _render_report("collected", report))


@app.command("resolve")
def resolve(
    gateway_name: str = GatewayOption,
    gateway_url: str = SandboxUrl,
    older_than: float = typer.Option(
        60.0, "--older-than", help="Only attempts pending this many seconds (unknown: all)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Ask the gateway what became of attempts left pending or unknown, and settle them."""
    gateway = gateway_for(gateway_name, gateway_url, 10.0)
    with connect(actor=actor()) as billing:
        report = billing.payments.resolve(gateway, older_than=older_than)
    emit(asdict(report), as_json, lambda: _render_report("resolved", report))


dunning_app = typer.Typer(help="Dunning: reminders, retries, suspension.", no_args_is_help=True)


@dunning_app.command("run")
def dunning_run(
    on: str = typer.Option(None, "--date", help="The day to run for (default today)."),
    schedule: str = typer.Option(
        None,
        help="DAY:ACTION,... for every account (default: its plan's, else "
        "TARIFA_DUNNING_SCHEDULE, else 3:remind,7:retry,14:remind,21:suspend).",
    ),
    gateway_name: str = GatewayOption,
    gateway_url: str = SandboxUrl,
    as_json: bool = JsonOption,
) -> None:
    """Take the dunning steps due: remind, retry the card, suspend, write off; resume once
    paid. Notices go out by e-mail when TARIFA_SMTP_HOST is set (else they wait)."""
    gateway = (
        gateway_for(gateway_name, gateway_url, 10.0)
        if gateway_url or (gateway_name == "stripe")
        else None
    )
    with connect(actor=actor()) as billing:
        report = billing.payments.dunning(
            on=date.fromisoformat(on) if on else None, gateway=gateway, schedule=schedule
        )
    # asdict would rebuild the Counters from their (key, count) pairs: give plain dicts.
    payload = asdict(report) | {"actions": dict(report.actions), "mail": dict(report.mail)}
    emit(
        payload,
        as_json,
        lambda: console.print(
            f"{report.overdue} overdue invoices; "
            + ", ".join(f"{n} {a}" for a, n in sorted(report.actions.items()))
            + f"; {len(report.suspended)} subscriptions suspended, "
            f"{len(report.resumed)} resumed; notices: "
            + (", ".join(f"{n} {k}" for k, n in sorted(report.mail.items())) or "none")
        ),
    )


def gateway_for(name: str, url: str | None, timeout: float) -> PaymentGateway:
    if name not in ("sandbox", "stripe"):
        raise ValidationError.single("--gateway", "must be sandbox or stripe")
    if name == "sandbox" and not url:
        raise ValidationError.single(
            "--gateway-url", "is required (or TARIFA_SANDBOX_URL): tarifa sandbox serve"
        )
    return configured_gateway(name, url, timeout)


def _render_report(what: str, report: CollectionReport) -> None:
    console.print(
        f"{what}: {report.attempted} attempts, {report.succeeded} succeeded, "
        f"{report.failed} failed, {report.unknown} unknown"
    )
    for number, code in report.declined:
        console.print(f"  {number}: {code}")


def _render(payments: list[Payment]) -> None:
    table = Table("id", "received", "amount", "status", "paid invoices", "credit")
    for p in payments:
        paid = ", ".join(f"#{i}: {a}" for i, a in p.allocations) or "-"
        table.add_row(
            str(p.id), str(p.received_on), f"{p.amount} {p.currency}", p.status, paid, f"{p.credit}"
        )
    console.print(table)
