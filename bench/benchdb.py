"""The database a benchmark runs in: one of its own, dropped, created and migrated fresh
every run, on the server of TARIFA_DATABASE_URL if set, else on the embedded server in
`.tarifa-bench/` (never the demo's or the tests'), which is stopped again if the run started
it (on CI removed: every run there is a new checkout, and disk is scarce).

    url, started = fresh_database("tarifa_bench_x")
    try:
        ...
    finally:
        release(started)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tarifa.db.embedded import EmbeddedServer
from tarifa.db.migrations import migrate
from tarifa.db.server import create_database, drop_database, with_database
from tarifa.db.settings import from_environment

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(name: str) -> tuple[str, EmbeddedServer | None]:
    """The URL of database `name`, empty and migrated, and the embedded server if this call
    started it (for release())."""
    if not os.environ.get("TARIFA_DATABASE_URL"):
        os.environ.setdefault("TARIFA_HOME", str(ROOT / ".tarifa-bench"))
        if Path(os.environ["TARIFA_HOME"]).resolve() in (ROOT / ".tarifa", ROOT / ".tarifa-test"):
            sys.exit("refusing to benchmark in the demo's or the tests' TARIFA_HOME")
    settings = from_environment()
    started: EmbeddedServer | None = None
    if settings.database_url:
        admin = settings.database_url
    else:
        server = EmbeddedServer(settings.home, durable=settings.durable)
        started = None if server.status().running else server
        admin = server.ensure_running()
    drop_database(admin, name)
    create_database(admin, name)
    url = with_database(admin, name)
    migrate(url)
    return url, started


def release(started: EmbeddedServer | None) -> None:
    """Stop the embedded server if this run started it (on CI: remove it)."""
    if started is not None:
        if os.environ.get("CI"):
            started.destroy()
        else:
            started.stop()
