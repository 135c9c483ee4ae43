"""`tarifa audit verify|head`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tarifa.audit import Head
from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.errors import ValidationError
from tarifa.facade import connect

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

_EXPLAIN = {
    "changed": "its content no longer matches its hash (changed after it was written)",
    "missing_before": "the row before it is missing (rows were deleted)",
    "personal_changed": "its personal data no longer matches its digest",
    "head_missing": "the exported head is not in the log (the tail was cut or rewritten)",
}


def _read_head(head: str | None, head_file: Path | None) -> Head | None:
    text = head_file.read_text() if head_file else head
    if not text:
        return None
    try:
        data = json.loads(text)
        return Head(id=int(data["id"]), hash=str(data["hash"]))
    except (ValueError, KeyError, TypeError):
        raise ValidationError.single(
            "head", 'expected the JSON printed by `tarifa audit head --json`: {"id": …, "hash": …}'
        ) from None


@app.command()
def verify(
    head: str = typer.Option(None, help='An exported head, as JSON {"id": …, "hash": …}.'),
    head_file: Path = typer.Option(
        None, exists=True, dir_okay=False, help="A file holding an exported head."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Recompute the hash chain; name the first row that was changed or deleted.

    Exits 0 when the log is intact, 1 when it is not.
    """
    expected = _read_head(head, head_file)
    with connect(actor=actor()) as billing:
        result = billing.audit.verify(expected_head=expected)
    payload = {
        "ok": result.ok,
        "rows": result.rows,
        "head": None if result.head is None else {"id": result.head.id, "hash": result.head.hash},
        "problem": None if result.problem is None else str(result.problem),
        "row_id": result.row_id,
    }

    def render() -> None:
        if result.ok:
            console.print(
                f"[green]audit log intact[/]: {result.rows} rows"
                + (" and the exported head is present" if expected else "")
            )
        else:
            console.print(
                f"[bold red]audit log broken[/] at row {result.row_id}: "
                f"{_EXPLAIN[str(result.problem)]}"
            )

    emit(payload, as_json, render)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def head(as_json: bool = JsonOption) -> None:
    """Print the newest row's id and hash; keep it elsewhere to detect a cut tail later."""
    with connect(actor=actor()) as billing:
        current = billing.audit.head()
    payload = None if current is None else {"id": current.id, "hash": current.hash}
    emit(payload, as_json, lambda: console.print(json.dumps(payload)))
