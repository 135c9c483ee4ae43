"""Who may call a route: every /api/v1 route declares its scope with :func:`require`. A
request without a valid key is 401, a key without the scope 403, a key over its rate 429; a
customer-bound key (a portal token) asking for another customer's data gets 404, as if it did
not exist (:func:`visible`)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from tarifa.api.keys import ApiKey, ApiKeys
from tarifa.errors import NotFoundError, ValidationError

_bearer = HTTPBearer(auto_error=False)
#: Requests a key may make per minute, across all workers (0: no limit).
DEFAULT_RATE_LIMIT = 6000


def rate_limit_from_environment() -> int:
    raw = os.environ.get("TARIFA_API_RATE_LIMIT", str(DEFAULT_RATE_LIMIT))
    if not raw.isdigit():
        raise ValidationError.single("TARIFA_API_RATE_LIMIT", "must be a whole number (0: none)")
    return int(raw)


class Admission:
    """Who a token is and how many requests its key made this minute, across all workers.

    The database counts (`api_admit`: one round trip that authenticates and counts). To spare
    the busiest keys that round trip, a worker remembers a key it authenticated for
    `KEY_SECONDS` and, while the key is below a quarter of its limit as far as the worker
    knows, lets requests through on its own, adding them to the database's count with the
    next round trip (at the latest when the key must be authenticated again). Near the limit
    every request goes to the database first. So the limit holds exactly with up to four
    worker processes, and a revoked key stops working within `KEY_SECONDS`."""

    KEY_SECONDS = 2.0

    def __init__(self, keys: ApiKeys, limit: int) -> None:
        self.keys, self.limit = keys, limit
        self._lock = threading.Lock()
        # token -> (key, when authenticated, minute, count known, requests let through since)
        self._known: dict[str, tuple[ApiKey, float, int, int, int]] = {}

    def admit_here(self, token: str) -> tuple[ApiKey, int] | None:
        """Admit without the database, when that is safe; None: ask :meth:`admit`."""
        now = time.monotonic()
        with self._lock:
            known = self._known.get(token)
            if known is None:
                return None
            key, when, minute, counted, pending = known
            if now - when > self.KEY_SECONDS or minute != _minute():
                return None
            used = counted + pending + 1
            if self.limit and used * 4 >= self.limit:
                return None
            self._known[token] = (key, when, minute, counted, pending + 1)
            return key, used

    def admit(self, token: str) -> tuple[ApiKey, int] | None:
        """Authenticate and count in the database (with what was let through meanwhile)."""
        with self._lock:
            known = self._known.pop(token, None)
        pending = known[4] if known is not None and known[2] == _minute() else 0
        admitted = self.keys.admit(token, 1 + pending)
        if admitted is not None:
            with self._lock:
                self._known[token] = (admitted[0], time.monotonic(), _minute(), admitted[1], 0)
        return admitted


def _minute() -> int:
    return int(time.time() // 60)


def require(scope: str) -> Callable[..., Awaitable[ApiKey]]:
    """The dependency of a route that needs `scope` (its `scope` attribute says which)."""

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        admission: Admission = request.app.state.admission
        admitted = None
        if credentials is not None:
            token = credentials.credentials
            admitted = admission.admit_here(token) or await run_in_threadpool(
                admission.admit, token
            )
        if admitted is None:
            raise HTTPException(
                401,
                "a valid API key is required (Authorization: Bearer tk_…)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        key, used = admitted
        limit: int = request.app.state.rate_limit
        if limit and used > limit:
            now = dt.datetime.now(dt.UTC)
            raise HTTPException(
                429,
                f"this key made more than {limit} requests this minute",
                headers={"Retry-After": str(60 - now.second)},
            )
        if not key.allows(scope):
            raise HTTPException(403, f"this key lacks the scope {scope!r}")
        return key

    check.scope = scope  # type: ignore[attr-defined]
    return check


def visible(key: ApiKey, account_id: int) -> None:
    """Refuse a customer-bound key another customer's data: it cannot tell it from none."""
    if key.customer_id is not None and key.customer_id != account_id:
        raise NotFoundError("not found")


def staff_only(key: ApiKey) -> None:
    """Refuse a customer-bound key what concerns every customer (lists, runs, the ledger)."""
    if key.customer_id is not None:
        raise HTTPException(403, "a customer's key reads only that customer's data")


Reader = Annotated[ApiKey, Depends(require("billing:read"))]
Writer = Annotated[ApiKey, Depends(require("billing:write"))]
UsageWriter = Annotated[ApiKey, Depends(require("usage:write"))]
Payer = Annotated[ApiKey, Depends(require("payments:write"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
