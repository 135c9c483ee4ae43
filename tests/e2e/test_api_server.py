"""The REST API through real HTTP against `tarifa serve` (a process of its own on the test
database): health and readiness, metrics, keys and scopes (401 without a key, 403 without the
scope, 404 for a customer token asking for another customer's invoice), problem details, and
money as decimal strings. A last test walks every route and fails on one without a scope."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tarifa.api.app import PROBLEM, ROUTERS, create_app

ROOT = Path(__file__).resolve().parents[2]


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


def test_every_request_body_in_the_openapi_document_has_an_example() -> None:
    """The document describes every operation with an example of what to send."""
    spec = create_app(billing=object()).openapi()  # type: ignore[arg-type]
    schemas = spec["components"]["schemas"]
    bare = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            ref = body["schema"].get("$ref") or next(
                (s["$ref"] for s in body["schema"].get("anyOf", ()) if "$ref" in s), None
            )
            schema = schemas[ref.rsplit("/", 1)[1]] if ref else body["schema"]
            if not schema.get("examples"):
                bare.append(f"{method.upper()} {path}")
    assert bare == []
