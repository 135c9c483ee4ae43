from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from tarifa.customers import CustomerKind, CustomerStatus, IdentifierKind
from tarifa.db.connection import PooledDatabase
from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.facade import Billing

# DE136695976 is the VAT number of the German Federal Central Tax Office's own example
# (it passes the ISO 7064 MOD 11,10 check that stdnum.de.vat implements).
GOOD_DE_VAT = "DE136695976"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def customer(external_id: str = "C-1", **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "external_id": external_id,
        "kind": "business",
        "legal_name": "Müller Logistik GmbH",
        "emails": "billing@mueller-logistik.de; cfo@mueller-logistik.de",
        "address_line1": "Hafenstraße 12",
        "postal_code": "20457",
        "city": "Hamburg",
        "country": "DE",
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "billing_cycle_day": 1,
        "locale": "de-DE",
        "tax_id": GOOD_DE_VAT,
    }
    raw.update(overrides)
    return raw


def audit_rows(conn: psycopg.Connection[Any], action: str | None = None) -> list[dict[str, Any]]:
    if action is None:
        return list(conn.execute("SELECT * FROM audit_log ORDER BY id"))
    return list(conn.execute("SELECT * FROM audit_log WHERE action = %s ORDER BY id", (action,)))


# -- create / get -------------------------------------------------------------------------


def test_a_created_customer_reads_back_normalized(billing: Billing) -> None:
    created = billing.customers.create(
        customer(
            emails="Billing@Mueller-Logistik.DE",
            country="de",
            currency="eur",
            time_zone="europe/berlin",
            locale="de_de",
        )
    )
    again = billing.customers.get(created.id)
    assert again.external_id == "C-1"
    assert again.kind is CustomerKind.BUSINESS
    assert again.status is CustomerStatus.ACTIVE
    assert again.emails == ("Billing@mueller-logistik.de",)
    assert (again.country, again.currency, again.time_zone, again.locale) == (
        "DE",
        "EUR",
        "Europe/Berlin",
        "de-DE",
    )
    assert again.payment_terms_days == 30
    assert again.version == 1
    assert billing.customers.get_by_external_id("C-1").id == created.id


def test_creating_an_invalid_customer_reports_every_problem_and_stores_nothing(
    billing: Billing, conn
) -> None:
    with pytest.raises(ValidationError) as caught:
        billing.customers.create(
            customer(
                currency="EURO",
                billing_cycle_day=32,
                time_zone="Europe/Hamburg",
                parent_external_id="nope",
            )
        )
    assert {e.field for e in caught.value.errors} == {
        "currency",
        "billing_cycle_day",
        "time_zone",
        "parent_external_id",
    }
    assert conn.execute("SELECT count(*) AS n FROM customers").fetchone()["n"] == 0
    assert audit_rows(conn) == []


def test_a_duplicate_external_id_is_a_conflict_naming_it(billing: Billing) -> None:
    billing.customers.create(customer("CRM-7"))
    with pytest.raises(ConflictError, match="CRM-7"):
        billing.customers.create(customer("CRM-7", legal_name="Someone else"))


def test_unknown_ids_are_not_found(billing: Billing) -> None:
    with pytest.raises(NotFoundError):
        billing.customers.get(999_999)
    with pytest.raises(NotFoundError):
        billing.customers.get_by_external_id("missing")


# -- update -------------------------------------------------------------------------------


def test_an_update_bumps_the_version_and_audits_the_changed_field_names(
    billing: Billing, conn
) -> None:
    created = billing.customers.create(customer())
    updated = billing.customers.update(
        created.id, {"billing_cycle_day": "31", "legal_name": "Müller Logistik AG"}
    )
    assert updated.version == 2
    assert updated.billing_cycle_day == 31
    assert updated.updated_at >= created.updated_at
    (row,) = audit_rows(conn, "customer.updated")
    assert row["data"]["changed"] == ["billing_cycle_day", "legal_name"]
    assert row["data"]["values"] == {"billing_cycle_day": 31}
    assert "Müller Logistik AG" not in str(row["data"])  # names are personal data
    assert row["personal"]["data"]["values"] == {"legal_name": "Müller Logistik AG"}


def test_an_update_based_on_a_stale_version_is_refused(billing: Billing) -> None:
    created = billing.customers.create(customer())
    billing.customers.update(created.id, {"payment_terms_days": 14}, expected_version=1)
    with pytest.raises(ConflictError, match="version"):
        billing.customers.update(created.id, {"payment_terms_days": 7}, expected_version=1)
    assert billing.customers.get(created.id).payment_terms_days == 14


def test_an_update_validates_the_merged_record_with_every_problem(billing: Billing) -> None:
    created = billing.customers.create(customer())
    with pytest.raises(ValidationError) as caught:
        billing.customers.update(
            created.id, {"country": "FR", "billing_cycle_day": 0, "version": 9}
        )
    assert [e.field for e in caught.value.errors] == ["version"]
    with pytest.raises(ValidationError) as caught:
        billing.customers.update(created.id, {"country": "FR", "billing_cycle_day": 0})
    # A German VAT number no longer matches a French customer: the merged record is checked.
    assert {e.field for e in caught.value.errors} == {"billing_cycle_day", "tax_id"}


def test_an_update_that_changes_nothing_keeps_the_version_and_writes_no_audit_row(
    billing: Billing, conn
) -> None:
    created = billing.customers.create(customer())
    same = billing.customers.update(created.id, {"currency": "eur", "billing_cycle_day": "1"})
    assert same.version == 1
    assert audit_rows(conn, "customer.updated") == []


# -- list / search ------------------------------------------------------------------------


def test_list_searches_names_external_ids_and_emails_in_any_case(billing: Billing) -> None:
    billing.customers.create(customer("DE-1", legal_name="Nordwind Telecom GmbH"))
    billing.customers.create(
        customer(
            "FR-1",
            legal_name="Boulangerie Dupont",
            country="FR",
            tax_id=None,
            emails="contact@dupont.fr",
            time_zone="Europe/Paris",
            locale="fr-FR",
        )
    )
    billing.customers.create(
        customer("DE-2", legal_name="Ostsee Fisch KG", tax_id=None, emails="kasse@ostsee-fisch.de")
    )

    def ids(**kwargs: Any) -> list[str]:
        return [c.external_id for c in billing.customers.list(**kwargs)]

    assert ids(search="nordWIND") == ["DE-1"]
    assert ids(search="fr-") == ["FR-1"]
    assert ids(search="OSTSEE-FISCH.DE") == ["DE-2"]
    assert ids(country="de") == ["DE-1", "DE-2"]
    assert ids(search="100%") == []  # wildcards in the search text are literal
    first_page = billing.customers.list(limit=2)
    assert [c.external_id for c in first_page] == ["DE-1", "FR-1"]
    assert ids(after_id=first_page[-1].id) == ["DE-2"]


def test_list_filters_by_status(billing: Billing) -> None:
    kept = billing.customers.create(customer("A"))
    gone = billing.customers.create(customer("B"))
    billing.customers.close(gone.id)
    assert [c.id for c in billing.customers.list(status="active")] == [kept.id]
    assert [c.id for c in billing.customers.list(status=CustomerStatus.CLOSED)] == [gone.id]
    with pytest.raises(ValidationError):
        billing.customers.list(status="gone", limit=0)


# -- parents ------------------------------------------------------------------------------


def test_a_child_account_names_its_parent_by_external_id(billing: Billing) -> None:
    parent = billing.customers.create(customer("GROUP"))
    child = billing.customers.create(customer("SUB", parent_external_id="GROUP"))
    assert child.parent_id == parent.id


def test_a_parent_must_be_an_open_business_in_the_same_currency(billing: Billing) -> None:
    billing.customers.create(
        customer("PERSON", kind="person", tax_id=None, legal_name="Anna Schmidt")
    )
    billing.customers.create(customer("CHF-CORP", currency="CHF"))
    closed = billing.customers.create(customer("OLD-CORP"))
    billing.customers.close(closed.id)
    for parent, reason in (
        ("PERSON", "not a business"),
        ("CHF-CORP", "currency"),
        ("OLD-CORP", "closed"),
    ):
        with pytest.raises(ValidationError, match=reason) as caught:
            billing.customers.create(customer(f"child-of-{parent}", parent_external_id=parent))
        assert [e.field for e in caught.value.errors] == ["parent_external_id"]


def test_a_hierarchy_cycle_is_refused(billing: Billing) -> None:
    top = billing.customers.create(customer("TOP"))
    middle = billing.customers.create(customer("MIDDLE", parent_id=top.id))
    billing.customers.create(customer("LEAF", parent_id=middle.id))
    with pytest.raises(ValidationError, match="cycle"):
        billing.customers.update(top.id, {"parent_external_id": "LEAF"})
    with pytest.raises(ValidationError, match="own parent"):
        billing.customers.update(top.id, {"parent_id": top.id})


def test_the_database_refuses_a_cycle_even_without_the_service(conn) -> None:
    conn.execute(
        "INSERT INTO customers (external_id, kind, legal_name, country, currency, time_zone,"
        " billing_cycle_day, locale) SELECT x, 'business', x, 'DE', 'EUR', 'UTC', 1, 'de'"
        " FROM unnest(ARRAY['a', 'b']) AS x"
    )
    conn.execute(
        "UPDATE customers SET parent_id = (SELECT id FROM customers WHERE external_id"
        " = 'a') WHERE external_id = 'b'"
    )
    with pytest.raises(psycopg.errors.CheckViolation, match="cycle"), conn.transaction():
        conn.execute(
            "UPDATE customers SET parent_id = (SELECT id FROM customers WHERE"
            " external_id = 'b') WHERE external_id = 'a'"
        )


def test_a_parent_with_children_cannot_become_a_person_or_change_currency(
    billing: Billing,
) -> None:
    parent = billing.customers.create(customer("GROUP"))
    billing.customers.create(customer("SUB", parent_id=parent.id))
    with pytest.raises(ValidationError) as caught:
        billing.customers.update(parent.id, {"kind": "person", "currency": "USD"})
    assert {e.field for e in caught.value.errors} == {"kind", "currency"}


# -- close --------------------------------------------------------------------------------


def test_closing_a_parent_with_open_children_is_refused_naming_them(billing: Billing) -> None:
    parent = billing.customers.create(customer("GROUP"))
    child = billing.customers.create(customer("SUB", parent_id=parent.id))
    with pytest.raises(ConflictError, match="SUB"):
        billing.customers.close(parent.id)
    billing.customers.close(child.id)
    closed = billing.customers.close(parent.id)
    assert closed.status is CustomerStatus.CLOSED
    assert closed.closed_at is not None


def test_closing_ends_the_identifiers_at_the_close_time(billing: Billing, conn) -> None:
    account = billing.customers.create(customer())
    number = billing.customers.add_identifier(account.id, "e164", "+49 30 901820", T0)
    future = billing.customers.add_identifier(
        account.id, "sip", "later@example.com", datetime.now(UTC) + timedelta(days=30)
    )
    closed = billing.customers.close(account.id)
    (current,) = billing.customers.identifiers(account.id)
    assert current.id == number.id
    assert current.valid_to == closed.closed_at
    (row,) = audit_rows(conn, "customer.closed")
    assert row["data"]["identifiers_ended"] == [number.id]
    assert row["data"]["identifiers_removed"] == [future.id]
    with pytest.raises(ConflictError, match="closed"):
        billing.customers.update(account.id, {"billing_cycle_day": 2})


# -- usage identifiers --------------------------------------------------------------------


def test_identifiers_are_stored_normalized(billing: Billing) -> None:
    account = billing.customers.create(customer())
    phone = billing.customers.add_identifier(account.id, "e164", "+49 (30) 901820", T0)
    sip = billing.customers.add_identifier(
        account.id, IdentifierKind.SIP, "sip:Alice@PBX.Example.com", T0
    )
    code = billing.customers.add_identifier(account.id, "account_code", "  ACME-01 ", T0)
    assert (phone.value, sip.value, code.value) == (
        "+4930901820",
        "alice@pbx.example.com",
        "ACME-01",
    )


def test_a_number_held_by_one_account_is_refused_to_another_for_an_overlapping_period(
    billing: Billing,
) -> None:
    first = billing.customers.create(customer("FIRST"))
    second = billing.customers.create(customer("SECOND"))
    billing.customers.add_identifier(first.id, "e164", "+4930901820", T0)
    with pytest.raises(ConflictError, match=r"\+4930901820.*FIRST"):
        billing.customers.add_identifier(
            second.id, "e164", "+49 30 901820", T0 + timedelta(days=400)
        )


def test_a_recycled_number_resolves_by_event_time(billing: Billing) -> None:
    old = billing.customers.create(customer("OLD-OWNER"))
    new = billing.customers.create(customer("NEW-OWNER"))
    held = billing.customers.add_identifier(old.id, "e164", "+4930901820", T0)
    ported = T0 + timedelta(days=200)
    billing.customers.end_identifier(held.id, ported)
    billing.customers.add_identifier(new.id, "e164", "+4930901820", ported)

    assert billing.customers.resolve("e164", "+4930901820", ported - timedelta(seconds=1)) == old.id
    assert billing.customers.resolve("e164", "+49 30 901820", ported) == new.id  # half-open
    assert billing.customers.resolve("e164", "+4930901820", T0 - timedelta(days=1)) is None
    assert billing.customers.resolve("e164", "+4930901821", ported) is None


def test_ending_an_identifier_before_it_starts_or_after_its_end_is_refused(
    billing: Billing,
) -> None:
    account = billing.customers.create(customer())
    held = billing.customers.add_identifier(
        account.id, "account_code", "ACME", T0, T0 + timedelta(days=10)
    )
    with pytest.raises(ValidationError):
        billing.customers.end_identifier(held.id, T0)
    with pytest.raises(ConflictError, match="already ended"):
        billing.customers.end_identifier(held.id, T0 + timedelta(days=11))
    shorter = billing.customers.end_identifier(held.id, T0 + timedelta(days=5))
    assert shorter.valid_to == T0 + timedelta(days=5)


def test_naive_times_are_refused_for_identifiers(billing: Billing) -> None:
    account = billing.customers.create(customer())
    with pytest.raises(ValidationError) as caught:
        billing.customers.add_identifier(account.id, "e164", "030 901820", datetime(2024, 1, 1))  # noqa: DTZ001
    assert {e.field for e in caught.value.errors} == {"value", "valid_from"}


# -- audit --------------------------------------------------------------------------------


def test_every_change_writes_exactly_one_audit_row_with_personal_data_kept_apart(
    billing: Billing, conn
) -> None:
    account = billing.customers.create(customer())
    held = billing.customers.add_identifier(account.id, "e164", "+4930901820", T0)
    billing.customers.update(account.id, {"payment_terms_days": 10})
    billing.customers.end_identifier(held.id, T0 + timedelta(days=1))
    billing.customers.close(account.id)
    rows = audit_rows(conn)
    assert [r["action"] for r in rows] == [
        "customer.created",
        "usage_identifier.added",
        "customer.updated",
        "usage_identifier.ended",
        "customer.closed",
    ]
    assert [r["entity_id"] for r in rows] == [
        str(account.id),
        str(held.id),
        str(account.id),
        str(held.id),
        str(account.id),
    ]
    created = rows[0]
    assert created["data"]["external_id"] == "C-1"
    assert "legal_name" not in created["data"]
    assert "emails" not in created["data"]
    assert created["personal"]["data"]["legal_name"] == "Müller Logistik GmbH"
    assert "+4930901820" not in str(rows[1]["data"])
    assert billing.audit.verify().ok


def test_a_refused_change_writes_no_audit_row(billing: Billing, conn) -> None:
    first = billing.customers.create(customer("FIRST"))
    second = billing.customers.create(customer("SECOND"))
    billing.customers.add_identifier(first.id, "e164", "+4930901820", T0)
    before = len(audit_rows(conn))
    with pytest.raises(ConflictError):
        billing.customers.add_identifier(second.id, "e164", "+4930901820", T0)
    with pytest.raises(ConflictError):
        billing.customers.update(second.id, {"external_id": "FIRST"})
    with pytest.raises(ValidationError):
        billing.customers.update(second.id, {"billing_cycle_day": 40})
    assert len(audit_rows(conn)) == before


def test_the_audit_row_commits_with_the_change_in_one_transaction(fresh_db: str) -> None:
    db = PooledDatabase(fresh_db, max_size=2)
    try:
        billing = Billing(db, actor="test:pytest")
        created = billing.customers.create(customer())
        with psycopg.connect(fresh_db) as other:
            (count,) = other.execute(
                "SELECT count(*) FROM audit_log WHERE action = 'customer.created'"
                " AND entity_id = %s",
                (str(created.id),),
            ).fetchone()  # type: ignore[misc]
        assert count == 1
    finally:
        db.close()
