"""`tarifa init` and `tarifa db migrate|status|stop`."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, console, emit
from tarifa.db import migrations
from tarifa.db.embedded import EmbeddedServer
from tarifa.db.server import initialize, server_url
from tarifa.db.settings import from_environment
from tarifa.errors import ValidationError

app = typer.Typer(help="The database: migrate, status, stop, destroy.", no_args_is_help=True)


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def init(as_json: bool = JsonOption) -> None:
    """Create tarifa's database (starting the embedded server if needed) and migrate it."""
    settings = from_environment()
    done = initialize(settings)
    url, created = done.url, done.created
    payload = {
        "database": _masked(url),
        "embedded": settings.embedded,
        "created": created,
        "migrations_applied": list(done.applied),
    }
    emit(
        payload,
        as_json,
        lambda: console.print(
            f"[green]ready[/] {_masked(url)}"
            f" ({'created, ' if created else ''}{len(done.applied)} migrations applied)"
        ),
    )


@app.command()
def migrate(as_json: bool = JsonOption) -> None:
    """Apply pending migrations and re-apply stored procedures (under a lock; idempotent)."""
    url = server_url(from_environment())
    report = migrations.migrate(url)
    payload = {"applied": list(report.applied), "functions": list(report.functions)}
    emit(
        payload,
        as_json,
        lambda: console.print(
            f"{len(report.applied)} migrations applied"
            + (f": {', '.join(report.applied)}" if report.applied else " (up to date)")
        ),
    )


@app.command()
def status(as_json: bool = JsonOption) -> None:
    """Where the database is, whether it runs, and which migrations are pending."""
    settings = from_environment()
    payload: dict[str, object] = {"embedded": settings.embedded}
    if settings.embedded:
        server = EmbeddedServer(settings.home, durable=settings.durable)
        state = server.status()
        payload |= {
            "home": str(settings.home),
            "running": state.running,
            "pid": state.pid,
            "data_dir": str(state.pgdata),
            "socket_dir": str(state.socket_dir),
            "server_user": state.os_user,
        }
        url = server.url(settings.database_name) if state.running else None
    else:
        url = settings.database_url
        payload["running"] = True
    payload["database"] = _masked(url) if url else None
    if url:
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                payload["server_version"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            payload["pending_migrations"] = list(migrations.pending(url))
        except psycopg.Error as err:
            payload["reachable"] = False
            payload["error"] = str(err).strip()

    def render() -> None:
        table = Table(show_header=False, box=None)
        for key, value in payload.items():
            table.add_row(f"[bold]{key}[/]", str(value))
        console.print(table)

    emit(payload, as_json, render)


@app.command()
def stop(as_json: bool = JsonOption) -> None:
    """Stop the embedded server (it starts again on the next command that needs it)."""
    settings = from_environment()
    if not settings.embedded:
        emit(
            {"stopped": False, "reason": "external server"},
            as_json,
            lambda: console.print("TARIFA_DATABASE_URL is set: tarifa does not stop that server"),
        )
        return
    stopped = EmbeddedServer(settings.home, durable=settings.durable).stop()
    emit(
        {"stopped": stopped},
        as_json,
        lambda: console.print("stopped" if stopped else "not running"),
    )


@app.command()
def destroy(
    yes: bool = typer.Option(False, "--yes", help="Confirm: delete every row of every table."),
    as_json: bool = JsonOption,
) -> None:
    """Stop the embedded server and delete its cluster (all data). Needs --yes."""
    settings = from_environment()
    if not settings.embedded:
        raise ValidationError.single(
            "TARIFA_DATABASE_URL", "tarifa never deletes an external database; drop it yourself"
        )
    if not yes:
        raise ValidationError.single("--yes", "destroying the embedded database needs --yes")
    destroyed = EmbeddedServer(settings.home, durable=settings.durable).destroy()
    message = "cluster deleted" if destroyed else "no cluster to delete"
    emit({"destroyed": destroyed}, as_json, lambda: console.print(message))
