"""The REST API's end-to-end tests share one way to run `tarifa serve` (a process of its own
on a fresh test database) and one set of customers, invoices and keys."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from tarifa.api.keys import ApiKeys
from tarifa.facade import connect

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serving(db_url: str, home: Path, *, workers: int = 1, **env: str) -> Iterator[str]:
    """`tarifa serve` on `db_url` until the block ends; yields its base URL."""
    port = _free_port()
    environment = os.environ | {"TARIFA_DATABASE_URL": db_url, "TARIFA_HOME": str(home)} | env
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "serve.log").open("wb")  # what the server said, for a failing test to show
    server = subprocess.Popen(
        [sys.executable, "-m", "tarifa", "serve", "--port", str(port), "--workers", str(workers)],
        env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (home / "serve.log").read_text()
            assert time.monotonic() < deadline, "tarifa serve did not start"
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shop(db_url: str) -> tuple[dict[str, str], dict[str, int]]:
    """Two customers, A and B, each with a finalized Mobile S invoice of 1 March (11.89);
    keys: admin, read-only, usage-only, and a portal token of A. Returns tokens, invoice ids."""
    with connect(db_url, actor="test:setup") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
        billing.sellers.add(
            yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        )
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        invoices = {}
        for name in ("A", "B"):
            billing.customers.create(
                {"external_id": name, "kind": "person", "legal_name": f"Person {name}",
                 "country": "DE", "currency": "EUR", "time_zone": "Europe/Berlin",
                 "billing_cycle_day": 1, "locale": "de-DE"}
            )  # fmt: skip
            billing.subscriptions.create(name, "mobile-s", dt.date(2026, 3, 1))
            (draft,) = billing.invoices.bill(name, on=dt.date(2026, 3, 1))
            invoices[name] = billing.invoices.finalize(draft.id, issue_date=dt.date(2026, 3, 1)).id
        keys = ApiKeys(billing.db, actor="test:setup")
        tokens = {
            "admin": keys.create("ops", ["admin"])[1],
            "reader": keys.create("crm", ["billing:read"])[1],
            "usage": keys.create("mediation", ["usage:write"])[1],
            "portal_a": keys.create("portal", ["billing:read"], customer="A")[1],
        }
    return tokens, invoices


@pytest.fixture
def api(fresh_db: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], dict[str, int]]]:
    """`tarifa serve` on the shop: yields the base URL, the tokens and the invoice ids."""
    tokens, invoices = shop(fresh_db)
    with serving(fresh_db, tmp_path / "home") as base:
        yield base, tokens, invoices
