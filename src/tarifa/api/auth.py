"""Who may call a route: every /api/v1 route declares its scope with :func:`require`. A
request without a valid key is 401, a key without the scope 403, a key over its rate 429; a
customer-bound key (a portal token) asking for another customer's data gets 404, as if it did
not exist (:func:`visible`)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


def require(scope: str) -> Callable[..., ApiKey]:
    """The dependency of a route that needs `scope` (its `scope` attribute says which)."""

    def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        keys: ApiKeys = request.app.state.keys
        admitted = keys.admit(credentials.credentials) if credentials is not None else None
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
