"""Named SQL queries, read once from `sql/queries/<area>.sql`.

A file holds blocks that each start with a line `-- name: <query_name>`; the text up to
the next such line is the query. Python code refers to queries by name and passes values
as parameters, never by formatting them into the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, LiteralString, cast

from tarifa.errors import DatabaseError

if TYPE_CHECKING:
    from tarifa.db.connection import Connection

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


@cache
def load(area: str) -> MappingProxyType[str, LiteralString]:
    text = (files("tarifa") / "sql" / "queries" / f"{area}.sql").read_text()
    parts = _NAME.split(text)
    queries = {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}
    if not queries:
        raise DatabaseError(f"no named queries in sql/queries/{area}.sql")
    # The text comes from the package's own files, never from input: safe to execute as is.
    return MappingProxyType({k: cast(LiteralString, v) for k, v in queries.items()})


def one(conn: Connection, query: LiteralString, params: Mapping[str, Any]) -> dict[str, Any]:
    """The row `query` returns; DatabaseError when it returns none (a statement that must
    return one, such as an INSERT ... RETURNING)."""
    row: dict[str, Any] | None = conn.execute(query, params).fetchone()
    if row is None:
        raise DatabaseError(f"the statement returned no row: {query.splitlines()[0]}")
    return row


def rows(
    conn: Connection, query: LiteralString, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every row `query` returns, as dicts (the connections' row factory)."""
    found: list[dict[str, Any]] = conn.execute(query, params).fetchall()
    return found
