"""Fixtures of the integration tests beyond the database's (tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tarifa.facade import Billing

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
