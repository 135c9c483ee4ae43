"""`tarifa catalog validate|load|export|show|quote|schema`."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tarifa.billing.quote import Quote
from tarifa.catalog.document import json_schema
from tarifa.catalog.export import to_document
from tarifa.catalog.model import Catalog, Plan
from tarifa.catalog.rules import read_catalog
from tarifa.cli.output import JsonOption, actor, console, emit, errors
from tarifa.errors import FieldError, ValidationError
from tarifa.facade import connect

app = typer.Typer(help="The catalog: products, plans, prices, coupons.", no_args_is_help=True)


@app.command("validate")
def validate(
    file: Path = typer.Argument(..., help="A catalog file (YAML, docs/catalog.md)."),
    as_json: bool = JsonOption,
) -> None:
    """Check a catalog file without storing it; print every problem with its path."""
    try:
        catalog = read_catalog(file)
    except ValidationError as err:
        problems = err.errors
        payload = {"valid": False, "errors": [_problem(e) for e in problems]}
        emit(payload, as_json, lambda: _render_problems(file, problems))
        raise SystemExit(1) from None
    payload = {"valid": True, **_counts(catalog)}
    emit(payload, as_json, lambda: console.print(f"[green]valid[/]: {file} — {_summary(catalog)}"))


@app.command("load")
def load(
    file: Path = typer.Argument(..., help="A catalog file (YAML, docs/catalog.md)."),
    as_json: bool = JsonOption,
) -> None:
    """Store what the file adds to the catalog. Loading the same content again creates
    nothing; a stored plan version or coupon is never changed."""
    with connect(actor=actor()) as billing:
        try:
            report = billing.catalog.load(file)
        except ValidationError as err:
            problems = err.errors
            payload = {"loaded": False, "errors": [_problem(e) for e in problems]}
            emit(payload, as_json, lambda: _render_problems(file, problems))
            raise SystemExit(1) from None
    payload = {
        "loaded": report.changed,
        "load_id": report.load_id,
        "source": report.source,
        "content_hash": report.content_hash,
        "created": report.created,
    }
    emit(payload, as_json, lambda: _render_load(payload))


@app.command("export")
def export_(
    output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Write the stored catalog as a file that loads back to the same catalog."""
    with connect(actor=actor()) as billing:
        text = billing.catalog.export()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        errors.print(f"wrote {output}")


@app.command("show")
def show(
    plan: str = typer.Argument(None, help="A plan code: show its versions and charges."),
    as_json: bool = JsonOption,
) -> None:
    """Show the stored catalog, or one plan in detail."""
    with connect(actor=actor()) as billing:
        catalog = billing.catalog.current()
    if plan is None:
        emit(to_document(catalog), as_json, lambda: _render_catalog(catalog))
        return
    found = catalog.plan(plan)
    emit(to_document(Catalog(plans=(found,)))["plans"][0], as_json, lambda: _render_plan(found))


@app.command("quote")
def quote(
    plan: str = typer.Argument(..., help="The plan code."),
    usage: list[str] = typer.Option(
        [],
        "--usage",
        "-u",
        help="metric=quantity, e.g. minutes=1500; transactions as 200,100,50.",
    ),
    period_start: str = typer.Option(None, help="First day of the period (YYYY-MM-DD); today."),
    currency: str = typer.Option(None, help="ISO 4217 code; the plan's first currency."),
    coupon: str = typer.Option(None, help="A coupon code."),
    quantity: int = typer.Option(1, min=1, help="Seats: the quantity recurring fees price."),
    period_index: int = typer.Option(0, min=0, help="Which period of a subscription (0 = first)."),
    as_json: bool = JsonOption,
) -> None:
    """Price one billing period of a plan before tax: every line with its breakdown, precise
    and rounded."""
    start = _date(period_start)
    with connect(actor=actor()) as billing:
        result = billing.catalog.quote(
            plan,
            _usage(usage),
            period_start=start,
            currency=currency,
            coupon=coupon,
            quantity=quantity,
            period_index=period_index,
        )
    emit(asdict(result), as_json, lambda: _render_quote(result))


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of catalog files (for editors and CI checks)."""
    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError.single(
            "period_start", f"{text!r} is not a date (YYYY-MM-DD)"
        ) from None


def _usage(pairs: list[str]) -> dict[str, str | tuple[str, ...]]:
    found: dict[str, str | tuple[str, ...]] = {}
    problems = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            problems.append(FieldError("usage", f"{pair!r}: write metric=quantity"))
            continue
        parts = tuple(v.strip() for v in value.split(","))
        found[name.strip()] = parts if len(parts) > 1 else parts[0]
    if problems:
        raise ValidationError(problems)
    return found


def _problem(error: FieldError) -> dict[str, str]:
    return {"field": error.field, "reason": error.reason}


def _counts(catalog: Catalog) -> dict[str, int]:
    return {
        "products": len(catalog.products),
        "plans": len(catalog.plans),
        "versions": sum(len(p.versions) for p in catalog.plans),
        "coupons": len(catalog.coupons),
    }


def _summary(catalog: Catalog) -> str:
    counts = _counts(catalog)
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())


def _render_problems(file: Path, problems: tuple[FieldError, ...]) -> None:
    errors.print(f"[bold red]invalid[/]: {file} — {len(problems)} problem(s)")
    for problem in problems:
        errors.print(f"  • [bold]{problem.field}[/]: {problem.reason}")


def _render_load(payload: dict[str, Any]) -> None:
    if not payload["loaded"]:
        console.print(f"unchanged: {payload['source']} adds nothing to the stored catalog")
        return
    console.print(f"[green]loaded[/] {payload['source']} (load {payload['load_id']})")
    for kind, codes in payload["created"].items():
        if codes:
            console.print(f"  {kind}: {', '.join(codes)}")


def _render_catalog(catalog: Catalog) -> None:
    table = Table(title=f"catalog — {_summary(catalog)}")
    for column in ("plan", "name", "versions", "in force since", "currencies", "period"):
        table.add_column(column)
    for plan in catalog.plans:
        latest = plan.versions[-1]
        table.add_row(
            plan.code,
            plan.name,
            str(len(plan.versions)),
            latest.effective_from.isoformat(),
            ", ".join(latest.currencies),
            latest.billing_period.value,
        )
    console.print(table)
    if catalog.coupons:
        console.print("coupons: " + ", ".join(c.code for c in catalog.coupons))


def _render_plan(plan: Plan) -> None:
    console.print(f"[bold]{plan.code}[/] — {plan.name}")
    if plan.description:
        console.print(plan.description)
    for number, version in enumerate(plan.versions, start=1):
        table = Table(
            title=f"version {number}, from {version.effective_from.isoformat()}, "
            f"{version.billing_period.value}, {', '.join(version.currencies)}"
        )
        for column in ("charge", "kind", "product", "priced", "allowance"):
            table.add_column(column)
        for charge in version.charges:
            priced = (charge.tariff and f"tariff {charge.tariff}") or "; ".join(
                f"{p.currency} {p.spec.model}" for p in charge.prices
            )
            allowance = (charge.allowance and f"{charge.allowance.quantity} {charge.unit}") or ""
            table.add_row(charge.code, charge.kind.value, charge.product, priced, allowance)
        console.print(table)


def _render_quote(result: Quote) -> None:
    table = Table(
        title=f"{result.plan} v{result.version}: {result.period_start.isoformat()} – "
        f"{result.period_end.isoformat()} ({result.currency}, before tax)"
    )
    for column in ("line", "quantity", "free", "charged", "precise", "amount"):
        table.add_column(column, justify="left" if column == "line" else "right")
    for line in result.lines:
        label = line.description + (" (promotion)" if line.promotion else "")
        table.add_row(
            label,
            _num(line.quantity),
            _num(line.allowance_used),
            _num(line.charged_quantity),
            _num(line.amount),
            _num(line.rounded),
        )
        for item in line.breakdown:
            what = item.kind.value + (f" {item.tier}" if item.tier else "")
            price = item.unit_price if item.unit_price is not None else item.rate
            table.add_row(
                f"  [dim]{what}[/]",
                _num(item.quantity),
                "",
                "",
                f"[dim]{_num(item.amount)}[/]",
                f"[dim]@ {_num(price)}[/]",
            )
    table.add_row(
        "[bold]total[/]", "", "", "", _num(result.precise_total), f"[bold]{_num(result.total)}[/]"
    )
    console.print(table)


def _num(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"
