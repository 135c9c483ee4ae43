"""The rating core stays pure (STYLE.md 5): importing it loads no database, CLI or terminal
code, so the reference rater runs and is tested anywhere, and the batch rater is checked
against it."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("tarifa.db", "tarifa.cli", "tarifa.usage", "psycopg", "typer", "rich")


def test_importing_rating_loads_no_database_or_cli_code() -> None:
    # A fresh interpreter: this test session has long since imported everything.
    probe = "import sys, tarifa.rating; print('\\n'.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.split()
    assert "tarifa.rating.reference" in loaded
    assert "tarifa.rating.cgrates" in loaded
    assert [name for name in loaded if _forbidden(name)] == []


def _forbidden(module: str) -> bool:
    return any(module == root or module.startswith(f"{root}.") for root in FORBIDDEN)
