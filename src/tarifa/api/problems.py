"""RFC 9457 problem details: every error the API answers is `application/problem+json` with
tarifa's stable `code` (the same as the Python exceptions' `code`) and, for invalid input,
the list of fields at fault with their reasons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from tarifa.errors import (
    ConflictError,
    NotFoundError,
    StaleVersionError,
    TarifaError,
    ValidationError,
)

PROBLEM = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(examples=["billing_cycle_day"])
    reason: str = Field(examples=["must be a whole number from 1 to 31"])


class Problem(BaseModel):
    """An error (RFC 9457)."""

    type: str = Field(examples=["https://tarifa.dev/problems/validation_error"])
    title: str
    status: int
    detail: str
    code: str = Field(description="tarifa's stable error code", examples=["validation_error"])
    errors: list[FieldProblem] = Field(default_factory=list)


def _documented(status: int, description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {PROBLEM: {}}}


#: The problems every authenticated route may answer, for its OpenAPI description.
COMMON: dict[int | str, dict[str, Any]] = {
    401: _documented(401, "no valid API key"),
    403: _documented(403, "the key lacks the route's scope"),
    404: _documented(404, "not found (or not visible to a customer-bound key)"),
    409: _documented(409, "conflicts with the current state, or a request in flight"),
    412: _documented(412, "If-Match names a version that is no longer current"),
    422: _documented(422, "invalid input, with the fields at fault"),
    429: _documented(429, "too many requests for this key; see Retry-After"),
}

_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 412: "precondition_failed", 413: "payload_too_large",
          422: "validation_error", 429: "rate_limited"}  # fmt: skip


def problem(
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = Problem(
        type=f"https://tarifa.dev/problems/{code}",
        title=code.replace("_", " "),
        status=status,
        detail=detail,
        code=code,
        errors=[FieldProblem(**e) for e in errors or ()],
    )
    return JSONResponse(body.model_dump(), status, headers=dict(headers or {}), media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Answer every error as a problem."""

    @app.exception_handler(HTTPException)
    async def http_problem(request: Request, err: HTTPException) -> Response:
        code = _CODES.get(err.status_code, "http_error")
        return problem(err.status_code, code, str(err.detail), headers=err.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "reason": e["msg"]}
            for e in err.errors()
        ]
        return problem(422, "validation_error", "the request is invalid: see errors", errors)

    @app.exception_handler(psycopg.errors.DataError)
    async def out_of_range(request: Request, err: psycopg.errors.DataError) -> Response:
        # A number past what the database stores (an id beyond bigint, say) names nothing.
        reason = (err.diag.message_primary or "out of range").strip()
        return problem(422, "validation_error", "a value is out of range",
                       [{"field": "request", "reason": reason}])  # fmt: skip

    @app.exception_handler(TarifaError)
    async def tarifa_problem(request: Request, err: TarifaError) -> Response:
        status = 500
        if isinstance(err, NotFoundError):
            status = 404
        elif isinstance(err, StaleVersionError):
            status = 412
        elif isinstance(err, ValidationError):
            status = 422
        elif isinstance(err, ConflictError):
            status = 409
        errors = (
            [{"field": e.field, "reason": e.reason} for e in err.errors]
            if isinstance(err, ValidationError)
            else []
        )
        return problem(status, err.code, str(err), errors)
