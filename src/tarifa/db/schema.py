"""The checked-in `sql/schema.sql`: what replaying every migration produces.

`make schema` (``python -m tarifa.db.schema``) migrates a scratch database and prints its
schema; a test asserts the file in the repository matches a fresh replay exactly, so a
reviewer reads one file to see the whole schema, stored procedures included.
"""

from __future__ import annotations

import subprocess
import sys

from tarifa.db import migrations
from tarifa.db.embedded import EmbeddedServer
from tarifa.db.server import admin_url, scratch_database
from tarifa.db.settings import from_environment

# yoyo's bookkeeping tables are not part of tarifa's schema.
_EXCLUDED = ("public._yoyo_*", "public.yoyo_lock")
# Lines that change from one pg_dump run or version to the next without a schema change.
_VOLATILE = ("\\restrict ", "\\unrestrict ", "-- Dumped from", "-- Dumped by")


def dump(url: str) -> str:
    """The schema of the database at `url`, normalized for comparison."""
    settings = from_environment()
    pg_dump = EmbeddedServer(settings.home, durable=settings.durable).binary("pg_dump")
    command = [str(pg_dump), "--schema-only", "--no-owner", "--no-privileges"]
    for pattern in _EXCLUDED:
        command += ["--exclude-table", pattern]
    output = subprocess.run(
        [*command, "--dbname", url], capture_output=True, text=True, check=True
    ).stdout
    lines = [line for line in output.splitlines() if not line.startswith(_VOLATILE)]
    return "\n".join(lines).strip() + "\n"


def replay_and_dump(admin: str) -> str:
    """Migrate a new empty database from scratch and dump it; the database is dropped."""
    with scratch_database(admin, "tarifa_schema") as url:
        migrations.migrate(url)
        return dump(url)


def main() -> None:
    settings = from_environment()
    admin = settings.database_url or admin_url(settings)
    sys.stdout.write(replay_and_dump(admin))


if __name__ == "__main__":
    main()
