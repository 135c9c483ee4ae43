"""Fixtures of the integration tests beyond the database's (tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tarifa.facade import Billing
from tarifa.usage import importer

#: ACME has held +4930901820 since then.
SINCE = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def acme(billing: Billing) -> int:
    created = billing.customers.create(
        {"external_id": "ACME", "kind": "business", "legal_name": "Acme Ltd", "country": "DE",
         "currency": "EUR", "time_zone": "Europe/Berlin", "billing_cycle_day": 1,
         "locale": "de-DE"}
    )  # fmt: skip
    billing.customers.add_identifier(created.id, "e164", "+4930901820", SINCE)
    return created.id


@pytest.fixture(params=["hash join", "index probes"])
def identifier_lookups(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with each way an import finds identifiers: hashing them all (few
    identifiers), or probing usage_identifiers_value for each line (many). The tests' few
    identifiers would always take the first; the second is forced by a limit of -1."""
    if request.param == "index probes":
        monkeypatch.setattr(importer, "PROBE_IDENTIFIERS_ABOVE", -1)
    return str(request.param)
