"""Printing for people (Rich) or for scripts (`--json`), and errors with stable codes."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, Protocol

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskProgressColumn, TextColumn

from tarifa.errors import TarifaError, ValidationError

# Piped or captured output is not a terminal; Rich would then wrap tables at 80 columns.
_WIDTH = None if Console().is_terminal else 120
console = Console(width=_WIDTH)
errors = Console(stderr=True, width=_WIDTH)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def _default(value: object) -> str:
    if isinstance(value, Decimal | Path):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def emit(payload: Any, as_json: bool, render: Callable[[], None]) -> None:
    """Print `payload` as JSON for scripts, or call `render` for people."""
    if as_json:
        sys.stdout.write(json.dumps(payload, default=_default, indent=2) + "\n")
    else:
        render()


def fail(err: TarifaError, exit_code: int = 1) -> NoReturn:
    if isinstance(err, ValidationError) and len(err.errors) > 1:
        # One line per problem; the joined message would say each of them twice.
        errors.print(f"[bold red]error[/] [dim]({err.code})[/]: {len(err.errors)} problems")
        for problem in err.errors:
            errors.print(f"  • {problem.field}: {problem.reason}")
    else:
        errors.print(f"[bold red]error[/] [dim]({err.code})[/]: {err}")
    raise SystemExit(exit_code)


class Step(Protocol):
    """Where a bulk import is (the customers and usage importers report this shape)."""

    @property
    def stage(self) -> str: ...
    @property
    def done(self) -> int: ...
    @property
    def total(self) -> int: ...


class ProgressBar:
    """A Rich progress bar (on stderr) fed by an importer's progress callback; silent with
    --json. `with ProgressBar(quiet=...) as advance:` gives the callback."""

    def __init__(self, *, quiet: bool) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
            DownloadColumn(), console=errors, transient=True, disable=quiet,
        )  # fmt: skip
        self._task = self._bar.add_task("reading", total=None)

    def __enter__(self) -> Callable[[Step], None]:
        self._bar.__enter__()
        return self._advance

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)

    def _advance(self, step: Step) -> None:
        self._bar.update(self._task, description=step.stage, completed=step.done, total=step.total)
