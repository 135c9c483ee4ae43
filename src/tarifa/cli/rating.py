"""`tarifa tariff load|import|list`, `tarifa rate [quote|errors]` and `tarifa rerate`.

The lead wires them into the `tarifa` command (cli/__init__.py)::

    app.add_typer(rating_commands.tariff_app, name="tariff")
    app.add_typer(rating_commands.rate_app, name="rate")
    app.command("rerate")(rating_commands.rerate)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.errors import ValidationError
from tarifa.facade import connect
from tarifa.rating import RatingError, UsageUnit
from tarifa.rating.durations import DURATION_HELP, is_duration, parse_quantity
from tarifa.rating.quote_json import quote_payload
from tarifa.rating.refusals import CODES, MAX_PAGE, RatingRefusal
from tarifa.rating.service import DEFAULT_CURRENCY
from tarifa.rating.store import SaveReport

#: Exit status of a quote the tariffs cannot price (a rating error, not a usage error).
RATING_ERROR_EXIT = 3

tariff_app = typer.Typer(
    help="Telecom tariffs: load, import from CGRateS, list.", no_args_is_help=True
)
rate_app = typer.Typer(
    help="Rate every pending usage record (without a command), or quote one event.",
    invoke_without_command=True,
)


@tariff_app.command("load")
def load(
    file: Path = typer.Argument(..., help="A tariff file in tarifa's YAML format."),
    as_json: bool = JsonOption,
) -> None:
    """Store a tariff file; loading a code stored already makes a new revision."""
    with connect(actor=actor()) as billing:
        report = billing.rating.load(file)
    emit(asdict(report), as_json, lambda: _render_save(report))


@tariff_app.command("import")
def import_(
    folder: Path = typer.Argument(..., help="A CGRateS tariff-plan folder (Rates.csv, ...)."),
    format: str = typer.Option(..., "--format", help="The folder's format: cgrates."),
    tenant: str = typer.Option("default", help="The tenant the deck's profiles go to."),
    timezone: str = typer.Option("UTC", help="IANA zone the deck's time bands are read in."),
    currency: str = typer.Option(DEFAULT_CURRENCY, help="ISO 4217 currency of its prices."),
    code: str = typer.Option(None, help="The tariff's code (default: the folder's name)."),
    as_json: bool = JsonOption,
) -> None:
    """Import a tariff plan of another rating engine (CGRateS) as a tariff."""
    if format.lower() != "cgrates":
        raise ValidationError.single("format", "only cgrates folders can be imported")
    with connect(actor=actor()) as billing:
        report = billing.rating.import_cgrates(
            folder, tenant=tenant, timezone=timezone, currency=currency, code=code
        )
    emit(asdict(report), as_json, lambda: _render_save(report))


@tariff_app.command("list")
def list_(
    all_revisions: bool = typer.Option(False, "--all", help="Replaced revisions too."),
    as_json: bool = JsonOption,
) -> None:
    """The stored tariffs (current revisions, or every one with --all)."""
    with connect(actor=actor()) as billing:
        found = billing.rating.tariffs(current_only=not all_revisions)
    table = Table()
    for column in (
        "code",
        "rev",
        "current",
        "currency",
        "zone",
        "prefixes",
        "plans",
        "profiles",
        "loaded",
    ):
        table.add_column(column)
    for s in found:
        table.add_row(
            escape(s.code),
            str(s.revision),
            "yes" if s.current else "no",
            s.currency,
            s.time_zone,
            f"{s.prefixes:,}",
            str(s.plans),
            str(s.profiles),
            s.loaded_at.isoformat(timespec="seconds"),
        )
    emit([asdict(s) for s in found], as_json, lambda: console.print(table))


@rate_app.callback()
def rate(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Rate every pending usage record (run one per core to rate in parallel)."""
    if ctx.invoked_subcommand is not None:
        return
    with connect(actor=actor()) as billing:
        report = billing.rating.run()
    payload = asdict(report)
    emit(
        payload,
        as_json,
        lambda: console.print(
            f"rated {report.rated:,} records, {report.errors:,} rating errors, cost "
            + (", ".join(f"{c} {a}" for c, a in report.costs.items()) or "0")
            + f" ({report.batches} batches, run {report.run_id})"
        ),
    )


@rate_app.command("quote")
def quote(
    category: str = typer.Option(..., help="call, data, sms, mms or video."),
    subject: str = typer.Option(..., help="The rating subject (an account's external id)."),
    destination: str = typer.Option("", help="The number dialled (or a word: voicemail)."),
    start: str = typer.Option(..., help="When it starts, with its UTC offset (ISO 8601)."),
    usage: str = typer.Option(..., help=DURATION_HELP),
    tenant: str = typer.Option("default", help="The tenant of the rating profiles."),
    as_json: bool = JsonOption,
) -> None:
    """Price one event on the stored tariffs; exits 3 when they cannot price it."""
    when = _instant(start, "start")
    amount = parse_quantity(usage)
    if amount is None:
        raise ValidationError.single("usage", DURATION_HELP)
    unit = UsageUnit.SECONDS if is_duration(usage) else None
    with connect(actor=actor()) as billing:
        result = billing.rating.quote(
            category, subject, destination, when, amount, tenant=tenant, unit=unit
        )
        tariff = billing.rating.route(category, subject, when, tenant=tenant)
    if isinstance(result, RatingError):
        emit(
            {"error": result.code, "message": result.message},
            as_json,
            lambda: console.print(f"[bold red]{result.code}[/]: {escape(result.message)}"),
        )
        raise typer.Exit(RATING_ERROR_EXIT)
    payload = quote_payload(result, None if tariff is None else tariff.currency)
    emit(payload, as_json, lambda: _render_quote(payload))


@rate_app.command("errors")
def errors(
    code: str = typer.Option(None, help=f"Only this code: {', '.join(CODES)}."),
    account: str = typer.Option(None, help="Only this account (its external id)."),
    limit: int = typer.Option(100, min=1, max=MAX_PAGE, help="At most this many records."),
    after_id: int = typer.Option(None, help="Continue after this usage id (paging)."),
    as_json: bool = JsonOption,
) -> None:
    """List the records the rater refused (rating errors) with their reasons, and how many
    there are per code. Fix the tariff or the account, then `tarifa rerate` the period."""
    with connect(actor=actor()) as billing:
        counts = billing.rating.refusal_counts(account=account)
        found = billing.rating.refusals(code=code, account=account, limit=limit,
                                        after_id=after_id)  # fmt: skip
    emit(
        {"counts": counts, "records": [asdict(r) for r in found]},
        as_json,
        lambda: _render_refusals(found, counts),
    )


def rerate(
    period_from: str = typer.Option(..., "--from", help="First day (or instant) rated again."),
    period_to: str = typer.Option(..., "--to", help="Last day rated again (or end instant)."),
    account: str = typer.Option(None, help="Only this account (its external id)."),
    as_json: bool = JsonOption,
) -> None:
    """Rate again the records of a period not on a finalized invoice (after a tariff
    correction) and report the difference. A bare date is a UTC day; --to includes it."""
    start = _instant(period_from, "from")
    end = _instant(period_to, "to", end_of_day=True)
    with connect(actor=actor()) as billing:
        report = billing.rating.rerate(start, end, account=account)
    payload = {**asdict(report), "difference": report.difference}
    emit(
        payload,
        as_json,
        lambda: console.print(
            f"rated again {report.records:,} records ({report.rated:,} rated, {report.errors:,} "
            f"rating errors): {report.cost_before} before, {report.cost_after} now, difference "
            f"{report.difference}"
        ),
    )


def _instant(text: str, field: str, *, end_of_day: bool = False) -> dt.datetime:
    """An ISO instant with its offset, or a date (a UTC day: its start, or with `end_of_day`
    the start of the next day)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
        return start + dt.timedelta(days=1) if end_of_day else start
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError.single(field, f"{text!r} is not an ISO 8601 date or time") from None
    if instant.utcoffset() is None:
        raise ValidationError.single(field, "give the UTC offset (2026-03-02T09:15:00+01:00)")
    return instant


def _render_save(report: SaveReport) -> None:
    if not report.changed:
        console.print(
            f"tariff {escape(report.code)} revision {report.revision} is current "
            "already: nothing stored"
        )
        return
    replaced = "" if report.replaced_id is None else f", replacing tariff {report.replaced_id}"
    console.print(
        f"stored tariff {escape(report.code)} revision {report.revision} "
        f"(id {report.tariff_id}{replaced})"
    )


def _render_quote(payload: dict[str, Any]) -> None:
    console.print(
        f"cost [bold]{payload['cost']}[/] {payload['currency'] or ''}  "
        f"({escape(payload['destination'])}, prefix {payload['prefix'] or '*any'}, "
        f"plan {escape(payload['rating_plan'])}, bands "
        f"{', '.join(payload['time_bands'])}, billed {payload['billed_usage']})"
    )
    table = Table("start", "usage", "band", "rate", "group at", "increments", "cost")
    for span in payload["spans"]:
        table.add_row(
            span["start"],
            span["usage"],
            span["time_band"],
            span["rate"],
            span["rate_group_start"],
            span["increments"],
            span["cost"],
        )
    console.print(table)


def _render_refusals(found: list[RatingRefusal], counts: dict[str, int]) -> None:
    total = sum(counts.values())
    per_code = ", ".join(f"{code} {n:,}" for code, n in counts.items())
    console.print(f"{total:,} records refused" + (f": {per_code}" if per_code else ""))
    if not found:
        return
    # The source and record id of each are in --json (an Asterisk id is a 40-digit hash).
    table = Table("usage id", "account", "start (UTC)", "destination", "code", "reason")
    for r in found:
        # Numbers and messages come from the files: never Rich markup.
        start = r.started_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(str(r.usage_id), escape(r.account), start, escape(r.destination),
                      r.code, escape(r.message))  # fmt: skip
    console.print(table)
