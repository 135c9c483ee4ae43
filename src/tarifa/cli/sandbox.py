"""`tarifa sandbox serve`: the sandbox payment gateway, as a process of its own."""

from __future__ import annotations

from pathlib import Path

import typer

from tarifa.cli.output import console
from tarifa.payments.sandbox import serve as serve_sandbox

app = typer.Typer(help="The sandbox payment gateway (tests, the demo).", no_args_is_help=True)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8765, help="Port to listen on."),
    state: Path = typer.Option(
        Path("sandbox-charges.jsonl"), help="File that keeps every charge (survives restarts)."
    ),
) -> None:
    """Answer charges like the card gateways' public test tokens (pm_card_visa...)."""
    server = serve_sandbox(host, port, state)
    console.print(f"sandbox gateway on http://{host}:{server.server_address[1]} (state: {state})")
    try:
        server.serve_forever()
    finally:
        server.server_close()
