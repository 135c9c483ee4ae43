"""`Idempotency-Key` on POST (the IETF httpapi Idempotency-Key draft): the first request with
a key is carried out and its response kept (24 hours); the same key with the same method,
path and body gets that response again (`Idempotent-Replayed: true`) and changes nothing; with
a different body it is 422 (`idempotency_key_reused`); while the first is still being carried
out, 409 (`request_in_flight`). Keys belong to the API key that sent them. A request that
failed on the server's side (5xx) keeps nothing, so it may be retried with the same key."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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

    def keep(
        self,
        key_id: int,
        idempotency_key: str,
        status: int,
        media_type: str | None,
        body: bytes,
    ) -> None:
        params = {"key_id": key_id, "idempotency_key": idempotency_key}
        with self.db.transaction() as conn:
            if status >= 500 or status in _NOT_KEPT:
                conn.execute(_SQL["release_idempotency"], params)
            else:
                conn.execute(
                    _SQL["keep_idempotent_response"],
                    params | {"status": status, "body": body, "media_type": media_type},
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


class Idempotent:
    """The ASGI middleware (plain ASGI: every request passes through it, so it costs a GET
    nothing but a method check)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        idempotency_key = headers.get(HEADER)
        if idempotency_key is None:
            return await self.app(scope, receive, send)
        if not 1 <= len(idempotency_key) <= 255:
            reason = {"field": "Idempotency-Key", "reason": "must be 1 to 255 characters"}
            answer = problem(422, "validation_error", "invalid Idempotency-Key", [reason])
            return await answer(scope, receive, send)
        state = scope["app"].state
        keys: ApiKeys = state.keys
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        key = await run_in_threadpool(keys.authenticate, token)
        if key is None:
            return await self.app(scope, receive, send)  # the route answers 401
        body, replay = await _buffered(receive)
        fingerprint = request_fingerprint(
            "POST", scope["path"], scope.get("query_string", b"").decode(), body
        )
        store: IdempotencyStore = state.idempotency
        held = await run_in_threadpool(store.claim, key.id, idempotency_key, fingerprint)
        if held is not None:
            return await _answer_held(held, fingerprint)(scope, receive, send)
        status, chunks, content_type = 500, [], None

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = Headers(raw=message["headers"]).get("content-type")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, capture)
        except BaseException:
            await run_in_threadpool(store.release, key.id, idempotency_key)
            raise
        await run_in_threadpool(
            store.keep, key.id, idempotency_key, status, content_type, b"".join(chunks)
        )


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a `receive` that gives it again to the app."""
    parts, more = [], True
    while more:
        message = await receive()
        parts.append(message.get("body", b""))
        more = message.get("more_body", False)
    body, given = b"".join(parts), False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _answer_held(held: dict[str, Any], fingerprint: str) -> Response:
    if held["fingerprint"] != fingerprint:
        return problem(
            422, "idempotency_key_reused", "this Idempotency-Key was used with another request"
        )
    if held["status"] is None:
        return problem(
            409, "request_in_flight", "the request with this Idempotency-Key is still handled"
        )
    return Response(
        bytes(held["body"]),
        held["status"],
        media_type=held["media_type"],
        headers={"Idempotent-Replayed": "true"},
    )
