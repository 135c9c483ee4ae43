"""API keys (issue 7, point 4): a key is ``tk_<prefix>_<secret>``, the secret 32 random bytes
(256 bits, `secrets.token_urlsafe`), shown once when made; tarifa keeps only its SHA-256
digest and finds the key by its public prefix, comparing digests in constant time. Each key
has scopes (``admin``, ``billing:read``, ``billing:write``, ``usage:write``,
``payments:write``); a key bound to a customer (a portal token) sees only that customer's
data. Keys are revoked, never deleted; every change is in the audit log (without the
secret)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tarifa.audit import record
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Database
from tarifa.errors import NotFoundError, ValidationError

_SQL = queries.load("api_keys")
SCOPES = frozenset({"admin", "billing:read", "billing:write", "usage:write", "payments:write"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKey:
    id: int
    prefix: str
    name: str
    scopes: tuple[str, ...]
    customer_id: int | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeys:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def create(
        self, name: str, scopes: Sequence[str], *, customer: int | str | None = None
    ) -> tuple[ApiKey, str]:
        """A new key and its token (shown this once, never stored)."""
        problems = sorted(set(scopes) - SCOPES)
        if not scopes or problems:
            raise ValidationError.single(
                "scopes", f"unknown or none: {problems}; known: {', '.join(sorted(SCOPES))}"
            )
        if not name.strip():
            raise ValidationError.single("name", "is required")
        customer_id = (
            Customers(self.db, actor=self.actor).account(customer).id if customer else None
        )
        prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            row = queries.one(
                conn,
                _SQL["insert"],
                {"prefix": prefix, "digest": _digest(secret), "name": name.strip(),
                 "scopes": sorted(set(scopes)), "customer_id": customer_id, "actor": self.actor},
            )  # fmt: skip
            record(conn, actor=self.actor, action="api_key.created", entity_type="api_key",
                   entity_id=int(row["id"]),
                   data={"prefix": prefix, "scopes": sorted(set(scopes)),
                         "customer_id": customer_id})  # fmt: skip
        return _key(row), f"tk_{prefix}_{secret}"

    def admit(self, token: str, count: int = 1) -> tuple[ApiKey, int] | None:
        """The live key of `token` and the requests it has made this minute, `count` more
        counted (shared by every worker through the database); None for an unknown, wrong or
        revoked token, which counts nothing."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "tk":
            return None
        with self.db.statement() as conn:
            row: dict[str, Any] | None = conn.execute(
                _SQL["authenticate"],
                {"prefix": parts[1], "digest": _digest(parts[2]), "count": count},
            ).fetchone()
        return None if row is None else (_key(row), int(row["requests"]))

    def authenticate(self, token: str) -> ApiKey | None:
        """The live key of `token`, or None (unknown, wrong secret, revoked)."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "tk":
            return None
        with self.db.statement() as conn:
            row: dict[str, Any] | None = conn.execute(
                _SQL["by_prefix"], {"prefix": parts[1]}
            ).fetchone()
        if row is None or row["revoked_at"] is not None:
            return None
        if not hmac.compare_digest(str(row["digest"]), _digest(parts[2])):
            return None
        return _key(row)

    def list(self) -> list[ApiKey]:
        with self.db.transaction() as conn:
            return [_key(r) for r in conn.execute(_SQL["all"]).fetchall()]

    def revoke(self, prefix: str) -> ApiKey:
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["revoke"], {"prefix": prefix}).fetchone()
            if row is None:
                found = conn.execute(_SQL["by_prefix"], {"prefix": prefix}).fetchone()
                if found is None:
                    raise NotFoundError(f"no API key {prefix!r}")
                return _key(found)
            record(conn, actor=self.actor, action="api_key.revoked", entity_type="api_key",
                   entity_id=int(str(row["id"])), data={"prefix": prefix})  # fmt: skip
            return _key(row)


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=int(row["id"]),
        prefix=str(row["prefix"]),
        name=str(row["name"]),
        scopes=tuple(row["scopes"]),
        customer_id=row["customer_id"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


__all__ = ["SCOPES", "ApiKey", "ApiKeys"]
