"""`tarifa usage import|quarantine list|quarantine retry`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from tarifa.cli.output import JsonOption, ProgressBar, actor, console, emit
from tarifa.customers.importer import bulk_mode
from tarifa.facade import connect
from tarifa.usage import ImportReport, QuarantinedLine, RetryReport
from tarifa.usage.quarantine import MAX_PAGE

app = typer.Typer(help="Usage intake: import usage files, quarantine.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Lines an import could not take in.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")

_COUNTS = ("received", "accepted", "filtered", "duplicates", "quarantined")


@app.command("import")
def import_(
    # Not checked by Typer (which would exit 2): a file that cannot be read is the
    # importer's ValidationError, exit 1.
    file: Path = typer.Argument(..., help='The usage file (docs/rating.md, "Usage intake").'),
    format: str = typer.Option(..., "--format", "-f", help="asterisk, csv or jsonl."),
    source: str = typer.Option(
        ..., help="The system the file comes from (record ids are unique per source)."
    ),
    mapping: Path = typer.Option(None, help="The column mapping (YAML) of a csv/jsonl file."),
    timezone: str = typer.Option(
        None, help="IANA zone of times without a UTC offset (required for asterisk)."
    ),
    tenant: str = typer.Option("default", help="The rating tenant of the records."),
    as_json: bool = JsonOption,
) -> None:
    """Import a usage file: every line ends accepted, filtered, duplicate or quarantined.

    Importing the same file again changes nothing. Exits 0 even when lines were
    quarantined; 1 when the options are wrong or the file cannot be read.
    """
    with (
        connect(actor=actor()) as billing,
        ProgressBar(quiet=as_json) as advance,
        bulk_mode(),  # this process does nothing else meanwhile
    ):
        report = billing.usage.import_file(
            file, format=format, source=source, mapping=mapping, timezone=timezone,
            tenant=tenant, progress=advance,
        )  # fmt: skip
    emit(asdict(report), as_json, lambda: _render_import(report))


@quarantine_app.command("list")
def quarantine_list(
    source: str = typer.Option(None, help="Only lines of this source."),
    limit: int = typer.Option(100, min=1, max=MAX_PAGE, help="At most this many lines."),
    after_id: int = typer.Option(None, help="Continue after this quarantine id (paging)."),
    as_json: bool = JsonOption,
) -> None:
    """List quarantined lines with their reason, in the order they were quarantined."""
    with connect(actor=actor()) as billing:
        found = billing.usage.quarantine(source=source, limit=limit, after_id=after_id)
        total = billing.usage.quarantine_count(source=source)
    emit(
        {"total": total, "lines": [asdict(line) for line in found]},
        as_json,
        lambda: _render_quarantine(found, total),
    )


@quarantine_app.command("retry")
def quarantine_retry(
    source: str = typer.Option(None, help="Only lines of this source."),
    as_json: bool = JsonOption,
) -> None:
    """Read retryable quarantined lines again (e.g. after adding a missing customer)."""
    with connect(actor=actor()) as billing, ProgressBar(quiet=as_json) as advance:
        report = billing.usage.retry_quarantine(source=source, progress=advance)
    emit(asdict(report), as_json, lambda: _render_retry(report))


def _counts_table(title: str, report: ImportReport | RetryReport) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    styles = {"accepted": "green", "quarantined": "red", "filtered": "yellow"}
    for name in _COUNTS:
        label = f"[{styles[name]}]{name}[/]" if name in styles else name
        table.add_row(label, str(getattr(report, name)))
    return table


def _render_import(report: ImportReport) -> None:
    title = f"import {report.import_id} of {report.file} ({report.format}, source {report.source})"
    console.print(_counts_table(escape(title), report))
    if report.quarantined:
        hint = f"see them with: tarifa usage quarantine list --source {report.source}"
        console.print(escape(hint))


def _render_retry(report: RetryReport) -> None:
    console.print(_counts_table(f"quarantine retry {report.retry_id}", report))


def _render_quarantine(found: list[QuarantinedLine], total: int) -> None:
    table = Table()
    for column in ("id", "source", "file", "line", "reason", "original line"):
        table.add_column(column, overflow="fold")
    for q in found:
        # Lines and reasons are the files' text, never Rich markup.
        table.add_row(str(q.id), escape(q.source), escape(q.file or ""), str(q.line),
                      escape(q.reason), escape(q.raw[:200]))  # fmt: skip
    console.print(table)
    console.print(f"{len(found)} of {total} quarantined lines")
