"""`Idempotency-Key` on POST (the IETF httpapi Idempotency-Key draft): the first request with
a key is carried out and its response kept (24 hours); the same key with the same method,
path and body gets that response again (`Idempotent-Replayed: true`) and changes nothing; with
a different body it is 422 (`idempotency_key_reused`); while the first is still being carried
out, 409 (`request_in_flight`). Keys belong to the API key that sent them. A request that
failed on the server's side (5xx) keeps nothing, so it may be retried with the same key."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tarifa.api.keys import ApiKeys
from tarifa.api.problems import problem
from tarifa.db import queries
from tarifa.db.connection import Database

_SQL = queries.load("api_keys")
HEADER = "idempotency-key"
KEEP_HOURS = 24
#: Responses not kept: the request did not happen (auth, rate) or may be retried (5xx).
_NOT_KEPT = {401, 403, 429}


class IdempotencyStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._expired_at = 0.0

    def claim(self, key_id: int, idempotency_key: str, fingerprint: str) -> dict[str, Any] | None:
        """None when this request claimed the key; else what the key holds."""
        params = {"key_id": key_id, "idempotency_key": idempotency_key}
        with self.db.transaction() as conn:
            if time.monotonic() - self._expired_at > 3600:
                conn.execute(_SQL["expire_idempotency"], {"hours": KEEP_HOURS})
                self._expired_at = time.monotonic()
            if conn.execute(
                _SQL["claim_idempotency"], params | {"fingerprint": fingerprint}
            ).fetchone():
                return None
            return queries.one(conn, _SQL["idempotency_of"], params)

    def keep(self, key_id: int, idempotency_key: str, response: Response, body: bytes) -> None:
        params = {"key_id": key_id, "idempotency_key": idempotency_key}
        with self.db.transaction() as conn:
            if response.status_code >= 500 or response.status_code in _NOT_KEPT:
                conn.execute(_SQL["release_idempotency"], params)
            else:
                conn.execute(
                    _SQL["keep_idempotent_response"],
                    params
                    | {
                        "status": response.status_code,
                        "body": body,
                        "media_type": response.headers.get("content-type"),
                    },
                )

    def release(self, key_id: int, idempotency_key: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                _SQL["release_idempotency"],
                {"key_id": key_id, "idempotency_key": idempotency_key},
            )


def request_fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What makes two requests "the same" for an Idempotency-Key."""
    return hashlib.sha256(
        b"\n".join([method.encode(), path.encode(), query.encode(), body])
    ).hexdigest()


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def idempotent(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        idempotency_key = request.headers.get(HEADER)
        if request.method != "POST" or idempotency_key is None:
            return await call_next(request)
        if not 1 <= len(idempotency_key) <= 255:
            return problem(
                422,
                "validation_error",
                "invalid Idempotency-Key",
                [{"field": "Idempotency-Key", "reason": "must be 1 to 255 characters"}],
            )
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        keys: ApiKeys = request.app.state.keys
        key = await run_in_threadpool(keys.authenticate, token)
        if key is None:
            return await call_next(request)  # the route answers 401
        body = await request.body()
        fingerprint = request_fingerprint(request.method, request.url.path, request.url.query, body)
        store: IdempotencyStore = request.app.state.idempotency
        held = await run_in_threadpool(store.claim, key.id, idempotency_key, fingerprint)
        if held is not None:
            if held["fingerprint"] != fingerprint:
                return problem(
                    422,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with another request",
                )
            if held["status"] is None:
                return problem(
                    409,
                    "request_in_flight",
                    "the request with this Idempotency-Key is still being handled",
                )
            return Response(
                bytes(held["body"]),
                held["status"],
                media_type=held["media_type"],
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            response = await call_next(request)
            chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        except BaseException:
            await run_in_threadpool(store.release, key.id, idempotency_key)
            raise
        content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        await run_in_threadpool(store.keep, key.id, idempotency_key, response, content)
        headers = {k: v for k, v in response.headers.items() if k != "content-length"}
        return Response(content, response.status_code, headers=headers)
