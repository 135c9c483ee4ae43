"""The REST API (issue 7): a FastAPI app under /api/v1, with health (/healthz, /readyz) and
Prometheus metrics (/metrics). Every /api/v1 route declares the scope it needs
(:func:`require`); a request without a key is 401, a key without the scope 403, and a
customer-bound key asking for another customer's data gets 404 (it cannot tell what exists).
Errors are RFC 9457 problem details (`application/problem+json`) with tarifa's stable
`code` and the field errors. Money is written as decimal strings, never floats.

So far the read side of customers, invoices and balances; the rest of the resources come
with the rest of issue 7 (docs/api.md).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from tarifa.api.keys import ApiKey, ApiKeys
from tarifa.db.migrations import pending
from tarifa.errors import ConflictError, NotFoundError, TarifaError, ValidationError
from tarifa.facade import Billing, connect

PROBLEM = "application/problem#json".replace("#", "+")
_bearer = HTTPBearer(auto_error=False)


def _default(value: object) -> str:
    if isinstance(value, Decimal | Path):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _json(payload: Any, status: int = 200, media_type: str = "application/json") -> Response:
    return Response(json.dumps(payload, default=_default), status, media_type=media_type)


def _problem(status: int, code: str, title: str, detail: str, errors: Any = ()) -> Response:
    return _json(
        {"type": f"https://tarifa.dev/problems/{code}", "title": title, "status": status,
         "detail": detail, "code": code, "errors": list(errors)},
        status,
        PROBLEM,
    )  # fmt: skip


def require(scope: str) -> Callable[..., ApiKey]:
    """The dependency of a route that needs `scope` (its `scope` attribute says which)."""

    def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        billing: Billing = request.app.state.billing
        key = (
            ApiKeys(billing.db, actor="api").authenticate(credentials.credentials)
            if credentials is not None
            else None
        )
        if key is None:
            raise HTTPException(401, "a valid API key is required (Authorization: Bearer tk_…)")
        if not key.allows(scope):
            raise HTTPException(403, f"this key lacks the scope {scope!r}")
        return key

    check.scope = scope  # type: ignore[attr-defined]
    return check


#: The key of a request allowed to read billing data.
Reader = Annotated[ApiKey, Depends(require("billing:read"))]


def create_app(billing: Billing | None = None, *, url: str | None = None) -> FastAPI:
    registry = CollectorRegistry()
    requests = Counter(
        "tarifa_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
    )
    latency = Histogram(
        "tarifa_http_request_seconds", "HTTP request duration", ["route"], registry=registry
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = billing is None
        app.state.billing = billing or connect(url, actor="api")
        app.state.url = url
        try:
            yield
        finally:
            if owned:
                app.state.billing.close()

    app = FastAPI(
        title="tarifa",
        version="0.1",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def measure(request: Request, call_next: Any) -> Any:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        requests.labels(request.method, path, str(response.status_code)).inc()
        latency.labels(path).observe(time.perf_counter() - start)
        return response

    @app.exception_handler(HTTPException)
    async def http_problem(request: Request, err: HTTPException) -> Response:
        codes = {401: "unauthorized", 403: "forbidden", 404: "not_found"}
        return _problem(err.status_code, codes.get(err.status_code, "http_error"),
                        str(err.detail), str(err.detail))  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in err.errors()
        ]
        return _problem(422, "validation_error", "invalid request", "see errors", errors)

    @app.exception_handler(TarifaError)
    async def tarifa_problem(request: Request, err: TarifaError) -> Response:
        status = 500
        if isinstance(err, NotFoundError):
            status = 404
        elif isinstance(err, ValidationError):
            status = 422
        elif isinstance(err, ConflictError):
            status = 409
        errors = (
            [{"field": e.field, "reason": e.reason} for e in err.errors]
            if isinstance(err, ValidationError)
            else []
        )
        return _problem(status, err.code, type(err).__name__, str(err), errors)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        return _json({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> Response:
        try:
            with request.app.state.billing.db.transaction() as conn:
                conn.execute("SELECT 1")
            db_url = request.app.state.url
            waiting = pending(db_url) if db_url else ()
        except Exception as err:
            return _json({"status": "unavailable", "reason": str(err)}, 503)
        if waiting:
            return _json({"status": "unavailable", "pending_migrations": list(waiting)}, 503)
        return _json({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    def visible(key: ApiKey, account_id: int) -> None:
        # A customer-bound key cannot tell another customer's data from none at all.
        if key.customer_id is not None and key.customer_id != account_id:
            raise NotFoundError("not found")

    @app.get("/api/v1/customers/{external_id}", tags=["customers"])
    def get_customer(external_id: str, request: Request, key: Reader) -> Response:
        """A customer by its external id."""
        customer = request.app.state.billing.customers.get_by_external_id(external_id)
        visible(key, customer.id)
        return _json(asdict(customer))

    @app.get("/api/v1/invoices", tags=["invoices"])
    def list_invoices(account: str, request: Request, key: Reader) -> Response:
        """An account's invoices (by its external id)."""
        billing: Billing = request.app.state.billing
        customer = billing.customers.get_by_external_id(account)
        visible(key, customer.id)
        return _json({"data": [asdict(i) for i in billing.invoices.of_account(customer.id)]})

    @app.get("/api/v1/invoices/{invoice_id}", tags=["invoices"])
    def get_invoice(invoice_id: int, request: Request, key: Reader) -> Response:
        """An invoice with its lines, balance and state."""
        invoice = request.app.state.billing.invoices.get(invoice_id)
        visible(key, invoice.account_id)
        return _json(asdict(invoice))

    @app.get("/api/v1/customers/{external_id}/balance", tags=["ledger"])
    def get_balance(external_id: str, request: Request, key: Reader) -> Response:
        """What the customer owes, per currency, from the ledger."""
        billing: Billing = request.app.state.billing
        customer = billing.customers.get_by_external_id(external_id)
        visible(key, customer.id)
        return _json(
            {"data": [asdict(b) | {"owed": b.owed} for b in billing.ledger.balance(customer.id)]}
        )

    return app


__all__ = ["PROBLEM", "create_app", "require"]
