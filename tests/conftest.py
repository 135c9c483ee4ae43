"""The test harness: one PostgreSQL server per test session, isolated databases per test.

- The server is the embedded one, in a TARIFA_HOME of the tests' own (`.tarifa-test/`),
  never the demo's; set TARIFA_TEST_DATABASE_URL to run against another PostgreSQL 15+.
- `tarifa_template` is created and migrated once per session.
- `conn` / `billing`: a connection to a clone of the template inside a transaction that is
  rolled back after the test; service calls inside it become savepoints. Fast, isolated.
- `fresh_db`: a whole database cloned from the template (CREATE DATABASE ... TEMPLATE) for
  tests that commit, use several connections or run the CLI; dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parent.parent
TEST_HOME = ROOT / ".tarifa-test"

# Before anything reads the settings: the tests' own home, never a production URL.
os.environ["TARIFA_HOME"] = str(TEST_HOME)
os.environ["TARIFA_EMBEDDED_DURABLE"] = "0"
os.environ.pop("TARIFA_DATABASE_URL", None)

from tarifa.db.connection import ConnectionDatabase  # noqa: E402
from tarifa.db.migrations import migrate  # noqa: E402
from tarifa.db.server import create_database, drop_database, scratch_database  # noqa: E402
from tarifa.db.server import with_database as _with_database  # noqa: E402
from tarifa.db.settings import from_environment  # noqa: E402
from tarifa.facade import Billing  # noqa: E402

TEMPLATE = "tarifa_template"
SHARED = "tarifa_test"


def _recreate(admin: str, name: str, *, template: str | None = None) -> None:
    drop_database(admin, name)
    create_database(admin, name, template=template)


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    external = os.environ.get("TARIFA_TEST_DATABASE_URL")
    if external:
        yield external
        return
    from tarifa.db.embedded import EmbeddedServer

    settings = from_environment()
    server = EmbeddedServer(settings.home, durable=settings.durable)
    yield server.ensure_running()
    # Locally the cluster is kept for the next run (its server stopped); on CI, where every
    # run is a new checkout, it is deleted so clusters do not pile up on the machine.
    if os.environ.get("CI"):
        server.destroy()
    else:
        server.stop()


@pytest.fixture(scope="session")
def template_url(admin_url: str) -> str:
    _recreate(admin_url, TEMPLATE)
    url = _with_database(admin_url, TEMPLATE)
    migrate(url)
    return url


@pytest.fixture(scope="session")
def shared_url(admin_url: str, template_url: str) -> str:
    _recreate(admin_url, SHARED, template=TEMPLATE)
    return _with_database(admin_url, SHARED)


@pytest.fixture
def conn(shared_url: str) -> Iterator[psycopg.Connection[dict[str, object]]]:
    with (
        psycopg.connect(shared_url, autocommit=True, row_factory=dict_row) as connection,
        connection.transaction(force_rollback=True),
    ):
        yield connection


@pytest.fixture
def billing(conn: psycopg.Connection[dict[str, object]]) -> Billing:
    return Billing(ConnectionDatabase(conn), actor="test:pytest")


@pytest.fixture
def fresh_db(admin_url: str, template_url: str) -> Iterator[str]:
    with scratch_database(admin_url, "t", template=TEMPLATE) as url:
        yield url
