"""The REST API through real HTTP against `tarifa serve` (a process of its own on the test
database): health and readiness, metrics, keys and scopes (401 without a key, 403 without the
scope, 404 for a customer token asking for another customer's invoice), problem details, and
money as decimal strings. A last test walks every route and fails on one without a scope."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tarifa.api.app import PROBLEM, ROUTERS, create_app
from tarifa.api.keys import ApiKeys
from tarifa.facade import connect

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def api(fresh_db: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], dict[str, int]]]:
    """Two customers each with a finalized invoice (Mobile S, 11.89); keys: admin, read-only,
    a usage-only key, and a portal token of customer A. Yields the base URL, the tokens and
    the invoice ids."""
    with connect(fresh_db, actor="test:setup") as billing:
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
    port = _free_port()
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "x")}
    server = subprocess.Popen(
        [sys.executable, "-m", "tarifa", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
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
            assert time.monotonic() < deadline, "tarifa serve did not start"
            time.sleep(0.1)
        yield base, tokens, invoices
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(base: str, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(base + path, headers=headers)


@pytest.mark.db
def test_health_readiness_metrics_and_the_openapi_document(api) -> None:
    base, _tokens, _invoices = api
    assert _get(base, "/healthz").json() == {"status": "ok"}
    assert _get(base, "/readyz").json() == {"status": "ready"}
    assert "tarifa_http_requests_total" in _get(base, "/metrics").text
    spec = _get(base, "/api/v1/openapi.json").json()
    assert "/api/v1/invoices/{invoice_id}" in spec["paths"]


@pytest.mark.db
def test_keys_and_scopes_decide_who_reads_what(api) -> None:
    base, tokens, invoices = api
    path = f"/api/v1/invoices/{invoices['B']}"
    missing = _get(base, path)
    assert (missing.status_code, missing.headers["content-type"]) == (401, PROBLEM)
    assert missing.json()["code"] == "unauthorized"
    assert _get(base, path, "tk_nope_nope").status_code == 401
    assert _get(base, path, tokens["usage"]).status_code == 403
    assert _get(base, path, tokens["portal_a"]).status_code == 404  # B's, not A's
    mine = _get(base, f"/api/v1/invoices/{invoices['A']}", tokens["portal_a"])
    assert mine.status_code == 200
    assert (mine.json()["total"], mine.json()["state"]) == ("11.89", "overdue")
    assert _get(base, "/api/v1/invoices?account=B", tokens["portal_a"]).status_code == 404
    listed = _get(base, "/api/v1/invoices?account=B", tokens["reader"]).json()["data"]
    assert [i["id"] for i in listed] == [invoices["B"]]
    balance = _get(base, "/api/v1/customers/A/balance", tokens["admin"]).json()["data"]
    assert balance == [{"currency": "EUR", "receivable": "11.89", "credit": "0",
                        "owed": "11.89"}]  # fmt: skip
    unknown = _get(base, "/api/v1/customers/NOPE", tokens["admin"])
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


def test_every_api_route_declares_its_scope() -> None:
    """Every route of every router, and every operation the OpenAPI document lists (so a
    route added beside the routers is caught too)."""
    app = create_app(billing=object())  # type: ignore[arg-type]
    walked: dict[tuple[str, str], list[str]] = {}
    for router in ROUTERS:
        for route in router.routes:
            scopes = [getattr(d.call, "scope", None)
                      for d in route.dependant.dependencies]  # type: ignore[attr-defined]  # fmt: skip
            for method in route.methods:  # type: ignore[attr-defined]
                walked[(method, route.path)] = [s for s in scopes if s]  # type: ignore[attr-defined]
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    unscoped = sorted(k for k, scopes in walked.items() if not scopes)
    unwalked = sorted(documented - set(walked))
    assert (unscoped, unwalked) == ([], [])
    assert len(walked) >= 15
