"""`tarifa inventory add|reserve|assign|release|show`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from tarifa.cli.output import JsonOption, actor, console, emit, errors
from tarifa.errors import ValidationError
from tarifa.facade import connect
from tarifa.inventory.service import Resource

app = typer.Typer(help="Phone numbers, SIM cards and devices.", no_args_is_help=True)
KindArgument = typer.Argument(..., help="phone_number, sim or device.")
ValueArgument = typer.Argument(..., help="The number, ICCID or IMEI.")


@app.command("add")
def add(
    kind: str = KindArgument,
    values: list[str] = typer.Argument(None, help="Values to add."),
    file: Path = typer.Option(None, "--file", help="A file with one value per line."),
    as_json: bool = JsonOption,
) -> None:
    """Add resources; bad values are listed with their reason, the good ones are added."""
    given = list(values or [])
    if file is not None:
        given += [line.strip() for line in file.read_text(encoding="utf-8").splitlines()]
    given = [v for v in given if v]
    with connect(actor=actor()) as billing:
        report = billing.inventory.add(kind, given)
    payload = {
        "added": list(report.added),
        "existing": list(report.existing),
        "rejected": [{"field": e.field, "reason": e.reason} for e in report.rejected],
    }

    def render() -> None:
        console.print(
            f"{len(report.added)} added, {len(report.existing)} there already, "
            f"{len(report.rejected)} rejected"
        )
        for problem in report.rejected:
            errors.print(f"  • {problem.field}: {problem.reason}")

    emit(payload, as_json, render)
    if report.rejected:
        raise SystemExit(1)


@app.command("reserve")
def reserve(
    kind: str = KindArgument,
    value: str = ValueArgument,
    reserved_for: str = typer.Option(..., "--for", help="The order it is held for."),
    until: str = typer.Option(..., help="Until when (ISO 8601 with offset)."),
    as_json: bool = JsonOption,
) -> None:
    """Hold an available resource for an order."""
    with connect(actor=actor()) as billing:
        resource = billing.inventory.reserve(
            kind, value, reserved_for=reserved_for, until=_instant(until)
        )
    emit(asdict(resource), as_json, lambda: _render(resource))


@app.command("assign")
def assign(
    kind: str = KindArgument,
    value: str = ValueArgument,
    subscription: int = typer.Option(..., help="The subscription's id."),
    reserved_for: str = typer.Option(None, "--reserved-for", help="The order it was held for."),
    as_json: bool = JsonOption,
) -> None:
    """Put a resource on a subscription."""
    with connect(actor=actor()) as billing:
        resource = billing.inventory.assign(kind, value, subscription, reserved_for=reserved_for)
    emit(asdict(resource), as_json, lambda: _render(resource))


@app.command("release")
def release(
    kind: str = KindArgument,
    value: str = ValueArgument,
    quarantine_days: int = typer.Option(None, "--quarantine-days", help="Default: 90 for numbers."),
    as_json: bool = JsonOption,
) -> None:
    """Take a resource off its subscription (into quarantine)."""
    with connect(actor=actor()) as billing:
        resource = billing.inventory.release(kind, value, quarantine_days=quarantine_days)
    emit(asdict(resource), as_json, lambda: _render(resource))


@app.command("show")
def show(kind: str = KindArgument, value: str = ValueArgument, as_json: bool = JsonOption) -> None:
    """A resource, its state and its assignments."""
    with connect(actor=actor()) as billing:
        resource = billing.inventory.get(kind, value)
    emit(asdict(resource), as_json, lambda: _render(resource))


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.utcoffset() is None:
        raise ValidationError.single("until", "must carry a UTC offset")
    return at


def _render(resource: Resource) -> None:
    details: dict[str, Any] = {
        "reserved": f"for {resource.reserved_for} until {resource.reserved_until}",
        "assigned": f"to subscription {resource.subscription_id}",
        "quarantined": f"until {resource.quarantine_until}",
    }
    state = resource.status.value
    console.print(f"{resource.kind.value} {resource.value}: {state} {details.get(state, '')}")
    for a in resource.assignments:
        console.print(
            f"  subscription {a.subscription_id}: {a.assigned_at} - {a.released_at or ''}"
        )
