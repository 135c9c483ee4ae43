"""`tarifa tariff load|import|list`, `tarifa rate [quote|errors]` and `tarifa rerate` in a
subprocess, against a database of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import tarifa

ROOT = Path(__file__).resolve().parents[2]
MOBILE = ROOT / "examples" / "tariffs" / "mobile.yaml"
RETAIL = ROOT / "tests" / "fixtures" / "cgrates" / "retail"
EVENTS = """\
{"id": "e-1", "account": "+4930901820", "service": "voice", "destination": "+4989123456", \
"start": "2026-03-02T09:15:00+01:00", "usage": 130, "disposition": "ANSWERED"}
{"id": "e-2", "account": "+4930901820", "service": "voice", "destination": "999", \
"start": "2026-03-02T09:20:00+01:00", "usage": 10, "disposition": "ANSWERED"}
"""


@pytest.fixture
def tarifa_cli(fresh_db: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "unused")}

    def run(*args: str, expect: int = 0) -> Any:
        result = subprocess.run(
            [sys.executable, "-m", "tarifa", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == expect, result.stdout + result.stderr
        return json.loads(result.stdout) if "--json" in args else result.stdout

    return run


QUOTE = (
    "rate",
    "quote",
    "--category",
    "call",
    "--subject",
    "ACME",
    "--destination",
    "4930123456",
    "--start",
    "2026-03-02T09:15:00+01:00",
)


def test_a_loaded_tariff_quotes_with_exactly_its_rounding_decimals(tarifa_cli) -> None:
    loaded = tarifa_cli("tariff", "load", str(MOBILE), "--json")
    assert (loaded["code"], loaded["revision"], loaded["changed"]) == ("mobila-2026", 1, True)
    quote = tarifa_cli(*QUOTE, "--usage", "2m10s", "--json")
    decimals = quote["rounding_decimals"]
    assert len(quote["cost"].split(".")[1]) == decimals
    assert quote["currency"] == "EUR"
    assert quote["billed_usage"] == "130"
    for usage in ("45s", "10m45s", "65"):
        assert tarifa_cli(*QUOTE, "--usage", usage, "--json")["cost"]
    sms = tarifa_cli(
        "rate",
        "quote",
        "--category",
        "sms",
        "--subject",
        "ACME",
        "--destination",
        "4917012345",
        "--start",
        "2026-03-02T09:15:00Z",
        "--usage",
        "1",
        "--json",
    )
    assert sms["billed_usage"] == "1"


def test_a_quote_the_tariffs_cannot_price_prints_the_error_and_exits_3(tarifa_cli) -> None:
    tarifa_cli("tariff", "load", str(MOBILE))
    refused = tarifa_cli(*QUOTE, "--usage", "1", "--tenant", "nobody", "--json", expect=3)
    assert refused["error"] == "no_rating_profile"


def test_a_cgrates_deck_is_imported_and_listed(tarifa_cli) -> None:
    imported = tarifa_cli(
        "tariff",
        "import",
        "--format",
        "cgrates",
        str(RETAIL),
        "--tenant",
        "retail",
        "--timezone",
        "Europe/Berlin",
        "--currency",
        "EUR",
        "--json",
    )
    assert imported["changed"]
    listed = tarifa_cli("tariff", "list", "--json")
    assert [t["code"] for t in listed] == ["retail"]
    assert "retail" in tarifa_cli("tariff", "list")


def test_rate_rates_pending_records_and_rerate_reports_the_difference(
    tarifa_cli, fresh_db: str, tmp_path: Path
) -> None:
    with tarifa.connect(fresh_db, actor="test") as billing:
        created = billing.customers.create(
            {
                "external_id": "ACME",
                "kind": "business",
                "legal_name": "Acme Ltd",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "de-DE",
            }
        )
        billing.customers.add_identifier(
            created.id, "e164", "+4930901820", datetime(2025, 1, 1, tzinfo=UTC)
        )
    tarifa_cli("tariff", "load", str(MOBILE))
    events = tmp_path / "events.jsonl"
    events.write_text(EVENTS)
    tarifa_cli("usage", "import", str(events), "--format", "jsonl", "--source", "app")
    run = tarifa_cli("rate", "--json")
    assert (run["rated"], run["errors"]) == (1, 1)
    quote = tarifa_cli(
        "rate",
        "quote",
        "--category",
        "call",
        "--subject",
        "ACME",
        "--destination",
        "+4989123456",
        "--start",
        "2026-03-02T09:15:00+01:00",
        "--usage",
        "130",
        "--json",
    )
    assert {c: Decimal(a) for c, a in run["costs"].items()} == {"EUR": Decimal(quote["cost"])}
    assert tarifa_cli("rate", "--json")["rated"] == 0
    refused = tarifa_cli("rate", "errors", "--json")
    assert refused["counts"] == {"unauthorized_destination": 1}
    (record,) = refused["records"]
    assert (record["record_id"], record["account"], record["destination"], record["code"]) == (
        "e-2", "ACME", "999", "unauthorized_destination")  # fmt: skip
    listed = tarifa_cli("rate", "errors", "--code", "unauthorized_destination")
    assert "1 records refused: unauthorized_destination 1" in listed
    assert "999" in listed
    tarifa_cli("rate", "errors", "--code", "nonsense", expect=1)
    same = tarifa_cli(
        "rerate", "--from", "2026-03-01", "--to", "2026-03-31", "--account", "ACME", "--json"
    )
    assert (same["records"], same["difference"]) == (2, "0")
    assert "difference 0" in tarifa_cli("rerate", "--from", "2026-03-01", "--to", "2026-03-31")
