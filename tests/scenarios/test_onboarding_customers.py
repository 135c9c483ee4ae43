"""Scenario: a provider moves its accounts into tarifa and lives with them for a while.

The CRM export has a few broken rows; the provider fixes them and imports again; a number is
ported from one customer to another; an account closes; and through all of it the audit log
stays intact and tells who did what. Runs on a database of its own, committing as a real
deployment would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import tarifa
from tarifa.customers import CustomerStatus, IdentifierKind
from tarifa.errors import ConflictError

HEADER = (
    "external_id,kind,legal_name,emails,country,currency,time_zone,billing_cycle_day,locale,"
    "tax_id,parent_external_id,phone_numbers"
)
# DE136695976 and FR40303265045 are VAT ids published as valid examples (python-stdnum's
# test data and the EU VIES documentation); FR40303265046 has a broken check digit.
GOOD = [
    "ACME,business,ACME GmbH,billing@acme.example,DE,EUR,Europe/Berlin,1,de-DE,DE136695976,,"
    "+4930123456",
    "ACME-BR,business,ACME Branch GmbH,branch@acme.example,DE,EUR,Europe/Berlin,1,de-DE,,ACME,"
    "+4930123457",
    "JANE,person,Jane Doe,jane@example.com,FR,EUR,Europe/Paris,31,fr-FR,,,+33612345678",
]
BROKEN = [
    "SARL,business,Exemple SARL,compta@exemple.example,FR,EUR,Europe/Paris,15,fr-FR,"
    "FR40303265046,,",
    "BOB,person,Bob Roe,bob@example.com,GB,GBP,Europe/Londn,32,en-GB,,,+447911123456",
]
FIXED = [
    "SARL,business,Exemple SARL,compta@exemple.example,FR,EUR,Europe/Paris,15,fr-FR,"
    "FR40303265045,,",
    "BOB,person,Bob Roe,bob@example.com,GB,GBP,Europe/London,28,en-GB,,,+447911123456",
]


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def billing(fresh_db: str):
    with tarifa.connect(fresh_db, actor="ops:alice") as billing:
        yield billing


def test_a_provider_onboards_its_accounts_and_the_history_holds(billing, tmp_path: Path) -> None:
    # 1. The first export: three good rows, two broken ones (three problems between them).
    first = billing.customers.import_csv(_csv(tmp_path / "export-1.csv", GOOD + BROKEN))
    assert (first.received, first.accepted, first.unchanged, first.rejected) == (5, 3, 0, 2)
    reasons = {(r.external_id, e.field) for r in first.rejections for e in r.errors}
    assert reasons == {("SARL", "tax_id"), ("BOB", "time_zone"), ("BOB", "billing_cycle_day")}
    assert [r.line for r in first.rejections] == [5, 6]

    # 2. The fixed export: the three loaded rows are unchanged, the two fixed ones added.
    second = billing.customers.import_csv(_csv(tmp_path / "export-2.csv", GOOD + FIXED))
    assert (second.received, second.accepted, second.unchanged, second.rejected) == (5, 2, 3, 0)
    acme = billing.customers.get_by_external_id("ACME")
    branch = billing.customers.get_by_external_id("ACME-BR")
    assert branch.parent_id == acme.id

    # 3. A day after the import, Jane ports her number to Bob's account; usage keeps its
    # history (imported numbers are valid from the import on).
    jane = billing.customers.get_by_external_id("JANE")
    bob = billing.customers.get_by_external_id("BOB")
    (janes_number,) = billing.customers.identifiers(jane.id)
    ported_at = janes_number.valid_from + timedelta(days=1)
    with pytest.raises(ConflictError):  # not before it has left Jane's account
        billing.customers.add_identifier(bob.id, "e164", "+33612345678", valid_from=ported_at)
    billing.customers.end_identifier(janes_number.id, ported_at)
    billing.customers.add_identifier(bob.id, "e164", "+33 6 12 34 56 78", valid_from=ported_at)
    resolve = billing.customers.resolve
    just_before = ported_at - timedelta(seconds=1)
    assert resolve(IdentifierKind.E164, "+33612345678", just_before) == jane.id
    assert resolve(IdentifierKind.E164, "+33612345678", ported_at) == bob.id
    assert resolve(IdentifierKind.E164, "+33612345678", datetime(2020, 1, 1, tzinfo=UTC)) is None

    # 4. The parent cannot close while its branch is open; the branch can.
    with pytest.raises(ConflictError):
        billing.customers.close(acme.id)
    closed = billing.customers.close(branch.id)
    assert closed.status is CustomerStatus.CLOSED
    assert all(i.valid_to is not None for i in billing.customers.identifiers(branch.id))

    # 5. Every change is in the audit log, chained, in order, with its actor:
    #    2 imports + 1 identifier ended + 1 added + 1 customer closed = 5 rows.
    audit = billing.audit.verify()
    assert audit.ok
    assert audit.rows == 5
    assert [e["action"] for e in billing.audit.entries("usage_identifier", janes_number.id)] == [
        "usage_identifier.ended"
    ]
    (closing,) = billing.audit.entries("customer", branch.id)
    assert (closing["action"], closing["actor"]) == ("customer.closed", "ops:alice")

    # Work goes on; the head exported earlier is still found in the longer chain.
    head = billing.audit.head()
    billing.customers.update(bob.id, {"billing_cycle_day": "1"})
    later = billing.audit.verify(expected_head=head)
    assert later.ok
    assert later.rows == audit.rows + 1
