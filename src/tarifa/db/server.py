"""Resolve the server for the current settings, and create tarifa's database on it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from tarifa.db import migrations
from tarifa.db.embedded import EmbeddedServer
from tarifa.db.settings import Settings


def server_url(settings: Settings) -> str:
    """URL of the database tarifa uses; starts the embedded server when that is the choice."""
    if settings.database_url is not None:
        return settings.database_url
    return with_database(admin_url(settings), settings.database_name)


def admin_url(settings: Settings) -> str:
    """URL of the embedded server's maintenance database, used to create tarifa's."""
    server = EmbeddedServer(settings.home, durable=settings.durable)
    return server.ensure_running()


def create_database(admin: str, name: str, *, template: str | None = None) -> bool:
    """Create database `name` unless it exists; return whether it was created."""
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)
        return True


def drop_database(admin: str, name: str) -> None:
    """Drop database `name` if it exists, closing its open connections."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def scratch_database(admin: str, prefix: str, *, template: str | None = None) -> Iterator[str]:
    """A new database with a unique name (a copy of `template` if given), dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create_database(admin, name, template=template)
    try:
        yield with_database(admin, name)
    finally:
        drop_database(admin, name)


def with_database(url: str, name: str) -> str:
    """The same server URL, naming database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{quote(name)}"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Initialized:
    url: str
    created: bool
    applied: tuple[str, ...]


def initialize(settings: Settings) -> Initialized:
    """What `tarifa init` does: create tarifa's database on the embedded server if it is
    missing (an external database must already exist), then migrate it."""
    created = False
    if settings.embedded:
        created = create_database(admin_url(settings), settings.database_name)
    url = server_url(settings)
    return Initialized(url=url, created=created, applied=migrations.migrate(url).applied)
