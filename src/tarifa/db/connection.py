"""How services reach the database: a transaction at a time.

Services never open connections themselves; they ask a `Database` for a transaction. The
pooled implementation serves applications; the single-connection one lets a caller (a test,
or a larger unit of work) run several service calls inside its own transaction, where each
call becomes a savepoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

Connection = psycopg.Connection[dict[str, object]]


class Database(Protocol):
    def transaction(self) -> AbstractContextManager[Connection]: ...

    def statement(self) -> AbstractContextManager[Connection]:
        """A connection for one self-contained statement (a read, or a function doing its own
        writes): no BEGIN/COMMIT around it, which saves two round trips on hot paths."""
        ...


class PooledDatabase:
    def __init__(self, url: str, *, max_size: int = 8) -> None:
        self.url = url
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            open=True,
            kwargs={"autocommit": True, "row_factory": dict_row},
        )

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def statement(self) -> Iterator[Connection]:
        with self._pool.connection() as conn:  # autocommit: the statement is its transaction
            yield conn

    def close(self) -> None:
        self._pool.close()


class ConnectionDatabase:
    """Every transaction runs on one given connection (nested ones become savepoints)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.conn.transaction():
            yield self.conn

    @contextmanager
    def statement(self) -> Iterator[Connection]:
        yield self.conn

    def close(self) -> None:
        """The connection belongs to the caller, who closes it."""
