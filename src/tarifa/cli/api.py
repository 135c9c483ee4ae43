"""`tarifa serve` and `tarifa apikeys create|list|revoke`."""

from __future__ import annotations

import os
from dataclasses import asdict

import typer
from rich.table import Table

from tarifa.api.keys import ApiKeys
from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.facade import connect

keys_app = typer.Typer(help="API keys for the REST API.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", envvar="TARIFA_HOST", help="Interface to listen on."),
    port: int = typer.Option(8000, envvar="TARIFA_PORT", help="Port to listen on."),
    workers: int = typer.Option(1, envvar="TARIFA_WORKERS", help="Worker processes."),
    threads: int = typer.Option(
        1, min=1, envvar="TARIFA_API_THREADS", help="Threads per worker for blocking requests."
    ),
) -> None:
    """Run the REST API (uvicorn) on the database of TARIFA_DATABASE_URL or the embedded one."""
    import uvicorn

    os.environ["TARIFA_API_THREADS"] = str(threads)  # the workers read it at startup

    uvicorn.run("tarifa.api.server:app", host=host, port=port, workers=workers, log_level="warning")


@keys_app.command("create")
def create(
    name: str = typer.Argument(..., help="What the key is for."),
    scope: list[str] = typer.Option(..., "--scope", help="admin, billing:read, ... (repeat)."),
    customer: str = typer.Option(None, help="Bind the key to one customer (portal token)."),
    as_json: bool = JsonOption,
) -> None:
    """Make a key; its token is shown this once."""
    with connect(actor=actor()) as billing:
        key, token = ApiKeys(billing.db, actor=actor()).create(name, scope, customer=customer)
    emit(
        asdict(key) | {"token": token},
        as_json,
        lambda: console.print(f"key {key.prefix} ({', '.join(key.scopes)}): {token}\n"
                              "store it now: it is not shown again"),
    )  # fmt: skip


@keys_app.command("list")
def list_(as_json: bool = JsonOption) -> None:
    """Every key (never their secrets)."""
    with connect(actor=actor()) as billing:
        keys = ApiKeys(billing.db, actor=actor()).list()
    table = Table("prefix", "name", "scopes", "customer", "revoked")
    for k in keys:
        table.add_row(k.prefix, k.name, ", ".join(k.scopes), str(k.customer_id or ""),
                      str(k.revoked_at or ""))  # fmt: skip
    emit([asdict(k) for k in keys], as_json, lambda: console.print(table))


@keys_app.command("revoke")
def revoke(prefix: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Revoke a key (by its prefix)."""
    with connect(actor=actor()) as billing:
        key = ApiKeys(billing.db, actor=actor()).revoke(prefix)
    emit(asdict(key), as_json, lambda: console.print(f"key {key.prefix} revoked"))
