"""The example usage files: what their generator writes, and what importing them gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tarifa.facade import Billing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
USAGE = EXAMPLES / "usage"
FILES = ("Master.csv", "mediation.csv", "mediation.yaml", "events.jsonl", "radius.csv",
         "radius.yaml")  # fmt: skip


def test_the_example_files_are_what_their_generator_writes(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(USAGE / "make_usage.py"), "-o", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (USAGE / name).read_bytes(), name


def test_the_examples_import_for_the_example_customers(billing: Billing, conn: Any) -> None:
    billing.customers.import_csv(EXAMPLES / "customers.csv")
    # The example calls are from October 2026; an import makes identifiers valid from now.
    conn.execute("UPDATE usage_identifiers SET validity = tstzrange('2026-09-01', NULL)")
    results = [
        billing.usage.import_file(USAGE / "Master.csv", format="asterisk", source="pbx-fra1",
                                  timezone="Europe/Berlin"),
        billing.usage.import_file(USAGE / "mediation.csv", format="csv", source="mediation",
                                  mapping=USAGE / "mediation.yaml", timezone="Europe/Berlin"),
        billing.usage.import_file(USAGE / "events.jsonl", format="jsonl", source="app"),
        billing.usage.import_file(USAGE / "radius.csv", format="csv", source="radius",
                                  mapping=USAGE / "radius.yaml"),
    ]  # fmt: skip
    found = [(r.received, r.accepted, r.filtered, r.duplicates, r.quarantined) for r in results]
    # radius.csv: 24 interim updates of 8 sessions; rad-0002's third waits for its second,
    # rad-0008's fourth counter (1000) went down.
    assert found == [(412, 321, 81, 1, 9), (62, 58, 2, 0, 2), (31, 30, 0, 0, 1),
                     (24, 22, 0, 0, 2)]  # fmt: skip
    # A session's stored parts sum to its last counter (rad-0001: 19,148,084 bytes).
    total = conn.execute(
        "SELECT sum(usage) AS bytes FROM usage_records WHERE record_id LIKE 'rad-0001#%'"
    ).fetchone()
    assert total["bytes"] == 19_148_084
    reasons = [q.reason for q in billing.usage.quarantine(source="pbx-fra1")]
    assert len(set(reasons)) == 9  # each bad line is wrong in its own way
