"""Schemathesis over the whole OpenAPI document, through real HTTP against `tarifa serve`:
for every operation, generated requests (a bounded number each, so CI stays fast) never get
a server error, and every answer matches the schema the document gives for its status. Run as
schemathesis's own command line (its pytest plugin does not load on this pytest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import serving, shop

pytestmark = pytest.mark.db
EXAMPLES_PER_OPERATION = 10
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_no_operation_answers_a_server_error_or_breaks_its_schema(
    fresh_db: str, tmp_path: Path
) -> None:
    tokens, _ = shop(fresh_db)
    with serving(fresh_db, tmp_path / "home", TARIFA_API_RATE_LIMIT="0") as base:
        run = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{base}/api/v1/openapi.json",
             "--checks", "not_a_server_error,response_schema_conformance",
             "--phases", "examples,coverage,fuzzing",
             "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", "20261205",
             "--header", f"Authorization: Bearer {tokens['admin']}",
             "--suppress-health-check", "all", "--no-shrink", "--no-color", "--workers", "2"],
            capture_output=True, text=True, timeout=900, cwd=tmp_path,
        )  # fmt: skip
    server_log = (tmp_path / "home" / "serve.log").read_text()
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-1000:] + server_log[-4000:]
    assert "tested" in run.stdout.lower() or "operations" in run.stdout.lower()
