"""`tarifa sellers add|change|list|show`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.errors import ValidationError
from tarifa.facade import connect
from tarifa.sellers import Seller

app = typer.Typer(help="Sellers: the legal entities that issue invoices.", no_args_is_help=True)
FileArgument = typer.Argument(..., help="A seller as YAML or JSON (docs/billing.md, Sellers).")


@app.command("add")
def add(file: Path = FileArgument, as_json: bool = JsonOption) -> None:
    """Store a new seller; every problem is printed with its field."""
    with connect(actor=actor()) as billing:
        seller = billing.sellers.add(_document(file))
    emit(_public(seller), as_json, lambda: _render(seller, "added"))


@app.command("change")
def change(
    file: Path = FileArgument,
    version: int = typer.Option(
        None, help="Refuse the change unless the seller is at this version."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Replace every field of the seller the file names by its code (the code stays)."""
    with connect(actor=actor()) as billing:
        seller = billing.sellers.change(_document(file), version=version)
    emit(_public(seller), as_json, lambda: _render(seller, "changed"))


@app.command("list")
def list_(as_json: bool = JsonOption) -> None:
    """Every seller."""
    with connect(actor=actor()) as billing:
        sellers = billing.sellers.list()
    emit([_public(s) for s in sellers], as_json, lambda: _render_list(sellers))


@app.command("show")
def show(
    code: str = typer.Argument(..., help="The seller's code."), as_json: bool = JsonOption
) -> None:
    """One seller, as stored."""
    with connect(actor=actor()) as billing:
        seller = billing.sellers.get(code)
    emit(_public(seller), as_json, lambda: _render(seller, None))


def _document(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise ValidationError.single("file", f"cannot be read: {err.strerror}") from None
    try:
        document = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise ValidationError.single(
            "file", f"is not valid {file.suffix[1:] or 'YAML'}: {err}"
        ) from None
    if not isinstance(document, dict):
        raise ValidationError.single("file", "must hold one seller (a mapping)")
    return document


def _public(seller: Seller) -> dict[str, Any]:
    return asdict(seller)


def _render(seller: Seller, done: str | None) -> None:
    if done:
        console.print(f"[green]{done}[/]: seller {seller.code} (version {seller.version})")
    address = seller.address
    lines = [
        f"[bold]{seller.legal_name}[/] ({seller.code})",
        ", ".join(p for p in (address.line1, address.line2) if p),
        " ".join(p for p in (address.postal_code, address.city) if p) + f", {address.country}",
        f"VAT id: {seller.vat_id or '—'}",
        f"IBAN: {seller.iban or '—'}  BIC: {seller.bic or '—'}",
        f"SEPA creditor id: {seller.sepa_creditor_id or '—'}",
        f"invoice numbers: {seller.series.format(1, 2026)}, ...",
    ]
    console.print("\n".join(lines))


def _render_list(sellers: list[Seller]) -> None:
    table = Table("code", "legal name", "country", "VAT id", "next numbers look like")
    for s in sellers:
        table.add_row(
            s.code, s.legal_name, s.address.country, s.vat_id or "", s.series.format(1, 2026)
        )
    console.print(table)
