"""`tarifa customers import|list` (filled in with the customers service)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Customers (accounts): import, list.", no_args_is_help=True)
