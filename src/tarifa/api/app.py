"""The REST API (issue 7): a FastAPI app under /api/v1 (one router per resource in
tarifa.api.routers), with health (/healthz, /readyz) and Prometheus metrics (/metrics). Every
/api/v1 route declares the scope it needs (tarifa.api.auth); errors are RFC 9457 problem
details (tarifa.api.problems); POSTs honour Idempotency-Key (tarifa.api.idempotency); lists
are paged by cursor (tarifa.api.pagination); money is a decimal string. docs/api.md.
"""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter, to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tarifa.api import problems
from tarifa.api.auth import Admission, rate_limit_from_environment
from tarifa.api.idempotency import IdempotencyStore, Idempotent
from tarifa.api.keys import ApiKeys
from tarifa.api.problems import PROBLEM
from tarifa.api.routers import (
    catalog,
    crm,
    customers,
    disputes,
    inventory,
    invoices,
    ledger,
    orders,
    payments,
    subscriptions,
    usage,
    webhooks,
)
from tarifa.api.threads import DEFAULT_API_THREADS, DEFAULT_BULK_THREADS, threads_from_environment
from tarifa.db.migrations import pending
from tarifa.facade import Billing, connect

ROUTERS = (
    customers.router,
    invoices.router,
    usage.router,
    catalog.router,
    payments.router,
    disputes.router,
    ledger.router,
    subscriptions.router,
    inventory.router,
    orders.router,
    crm.router,
    webhooks.router,
)


class Measured:
    """Counts requests by route and status and times them, for /metrics (plain ASGI)."""

    def __init__(self, app: ASGIApp, *, requests: Counter, latency: Histogram) -> None:
        self.app, self.requests, self.latency = app, requests, latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            self.requests.labels(scope["method"], path, str(status)).inc()
            self.latency.labels(path).observe(time.perf_counter() - start)


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
        # Sync routes run in anyio's thread pool (40 threads unless told); bulk routes on
        # threads of their own (tarifa.api.threads says why so few).
        to_thread.current_default_thread_limiter().total_tokens = threads_from_environment(
            "TARIFA_API_THREADS", DEFAULT_API_THREADS
        )
        app.state.bulk_threads = CapacityLimiter(
            threads_from_environment("TARIFA_API_BULK_THREADS", DEFAULT_BULK_THREADS)
        )
        app.state.billing = billing or connect(url, actor="api")
        app.state.url = url
        app.state.keys = ApiKeys(app.state.billing.db, actor="api")
        app.state.idempotency = IdempotencyStore(app.state.billing.db)
        app.state.rate_limit = rate_limit_from_environment()
        app.state.admission = Admission(app.state.keys, app.state.rate_limit)
        # What is alive now (modules, schemas, the catalog) lives as long as the process:
        # out of the collector's sight, a full collection no longer stalls every request.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if owned:
                app.state.billing.close()

    app = FastAPI(
        title="tarifa",
        version="0.1",
        description="Billing for telecom and other service providers. Authenticate with "
        "`Authorization: Bearer tk_…` (tarifa apikeys create). Money is a decimal string.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    problems.install(app)
    app.add_middleware(Idempotent)
    app.add_middleware(Measured, requests=requests, latency=latency)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> Response:
        try:
            with request.app.state.billing.db.transaction() as conn:
                conn.execute("SELECT 1")
            db_url = request.app.state.url
            waiting = pending(db_url) if db_url else ()
        except Exception as err:
            return JSONResponse({"status": "unavailable", "reason": str(err)}, 503)
        if waiting:
            return JSONResponse({"status": "unavailable", "pending_migrations": list(waiting)}, 503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    for router in ROUTERS:
        app.include_router(router)
    return app


__all__ = ["PROBLEM", "create_app"]
