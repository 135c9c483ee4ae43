"""`tarifa subscriptions create|show|list|change-plan|quantity|suspend|resume|cancel`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.facade import connect
from tarifa.subscriptions.service import Subscription

app = typer.Typer(help="Subscriptions and their history.", no_args_is_help=True)
IdArgument = typer.Argument(..., help="The subscription's id.")
OnOption = typer.Option(None, "--on", help="Local date it takes effect (default: today).")
PeriodEndOption = typer.Option(
    False, "--at-period-end", help="From the end of the billing period holding that day."
)


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@app.command("create")
def create(
    account: str = typer.Option(..., help="The account's external id."),
    plan: str = typer.Option(..., help="The plan's code."),
    start: str = typer.Option(..., help="The first local date (YYYY-MM-DD)."),
    quantity: int = typer.Option(1, help="Seats, lines."),
    alignment: str = typer.Option("billing_cycle_day", help="billing_cycle_day or anniversary."),
    coupon: str = typer.Option(None, help="A coupon code to redeem."),
    external_id: str = typer.Option(None, "--external-id", help="Its id in another system."),
    as_json: bool = JsonOption,
) -> None:
    """Subscribe an account to a plan."""
    with connect(actor=actor()) as billing:
        sub = billing.subscriptions.create(
            account,
            plan,
            date.fromisoformat(start),
            quantity=quantity,
            alignment=alignment,
            coupon=coupon,
            external_id=external_id,
        )
    emit(_public(sub), as_json, lambda: _render(sub))


@app.command("show")
def show(subscription_id: int = IdArgument, as_json: bool = JsonOption) -> None:
    """A subscription with its history and its timeline."""
    with connect(actor=actor()) as billing:
        sub = billing.subscriptions.get(subscription_id)
    emit(_public(sub), as_json, lambda: _render(sub))


@app.command("list")
def list_(
    account: str = typer.Option(..., help="The account's external id."), as_json: bool = JsonOption
) -> None:
    """An account's subscriptions."""
    with connect(actor=actor()) as billing:
        subs = billing.subscriptions.of_account(account)
    emit([_public(s) for s in subs], as_json, lambda: _render_all(subs))


@app.command("change-plan")
def change_plan(
    subscription_id: int = IdArgument,
    plan: str = typer.Option(..., help="The new plan's code."),
    on: str = OnOption,
    at_period_end: bool = PeriodEndOption,
    as_json: bool = JsonOption,
) -> None:
    """Move to another plan, now or at period end."""
    with connect(actor=actor()) as billing:
        sub = billing.subscriptions.change_plan(
            subscription_id, plan, on=_date(on), at_period_end=at_period_end
        )
    emit(_public(sub), as_json, lambda: _render(sub))


@app.command("quantity")
def quantity(
    subscription_id: int = IdArgument,
    count: int = typer.Argument(..., help="The new quantity."),
    on: str = OnOption,
    as_json: bool = JsonOption,
) -> None:
    """Change the number of seats or lines."""
    with connect(actor=actor()) as billing:
        sub = billing.subscriptions.change_quantity(subscription_id, count, on=_date(on))
    emit(_public(sub), as_json, lambda: _render(sub))


@app.command("suspend")
def suspend(
    subscription_id: int = IdArgument, on: str = OnOption, as_json: bool = JsonOption
) -> None:
    """Stop recurring fees until resumed."""
    with connect(actor=actor()) as billing:
        sub = billing.subscriptions.suspend(subscription_id, on=_date(on))
    emit(_public(sub), as_json, lambda: _render(sub))


@app.command("resume")
def resume(
    subscription_id: int = IdArgument, on: str = OnOption, as_json: bool = JsonOption
) -> None:
    """Resume a suspended subscription."""
    with connect(actor=actor()) as billing:
        sub = billing.subscriptions.resume(subscription_id, on=_date(on))
    emit(_public(sub), as_json, lambda: _render(sub))


@app.command("cancel")
def cancel(
    subscription_id: int = IdArgument,
    on: str = OnOption,
    at_period_end: bool = PeriodEndOption,
    as_json: bool = JsonOption,
) -> None:
    """End a subscription, now or at period end."""
    with connect(actor=actor()) as billing:
        sub = billing.subscriptions.cancel(
            subscription_id, on=_date(on), at_period_end=at_period_end
        )
    emit(_public(sub), as_json, lambda: _render(sub))


@app.command("bind")
def bind(
    subscription_id: int = IdArgument,
    kind: str = typer.Option(..., help="e164, sip or account_code."),
    value: str = typer.Option(..., help="The number, SIP user or account code."),
    valid_from: str = typer.Option(..., "--from", help="From this instant (ISO 8601, offset)."),
    valid_to: str = typer.Option(None, "--to", help="Until this instant (default: open)."),
    as_json: bool = JsonOption,
) -> None:
    """Tie a usage identifier to the subscription: its usage then names the subscription."""
    with connect(actor=actor()) as billing:
        identifier = billing.subscriptions.bind(
            subscription_id,
            kind,
            value,
            datetime.fromisoformat(valid_from),
            None if valid_to is None else datetime.fromisoformat(valid_to),
        )
    emit(
        asdict(identifier),
        as_json,
        lambda: console.print(
            f"{identifier.kind.value} {identifier.value} now identifies "
            f"subscription {subscription_id} from {identifier.valid_from}"
        ),
    )


def _public(sub: Subscription) -> dict[str, Any]:
    return asdict(sub)


def _render_all(subs: list[Subscription]) -> None:
    for sub in subs:
        _render(sub)


def _render(sub: Subscription) -> None:
    title = f"subscription {sub.id} of account {sub.account_id} (version {sub.version})"
    table = Table("from", "until", "plan", "quantity", "state", title=title, title_justify="left")
    for s in sub.timeline.segments:
        until = "" if s.end is None else s.end.isoformat()
        table.add_row(s.start.isoformat(), until, s.plan, str(s.quantity), s.state.value)
    console.print(table)
    if sub.timeline.cancelled_from:
        console.print(f"cancelled from {sub.timeline.cancelled_from.isoformat()}")
