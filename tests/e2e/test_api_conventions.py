"""The REST API's conventions through real HTTP (tarifa serve) and the Python client:
Idempotency-Key replays, refusals and in-flight conflicts, cursor pages, ETag/If-Match,
decimal-string money, rate limits shared by the workers, and every resource family answering
the way docs/api.md says."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from conftest import serving, shop
from tarifa.api.idempotency import IdempotencyStore, request_fingerprint
from tarifa.client import ApiError, TarifaClient
from tarifa.facade import connect
from tarifa.reconciliation.statement_writer import Booking, Detail, camt

pytestmark = pytest.mark.db

CUSTOMER = {
    "external_id": "CRM-API-1", "kind": "business", "legal_name": "Muster GmbH",
    "emails": ["billing@muster.example"],
    "address": {"line1": "Hauptstraße 5", "postal_code": "10115", "city": "Berlin",
                "country": "DE"},
    "currency": "EUR", "time_zone": "Europe/Berlin", "billing_cycle_day": 1, "locale": "de-DE",
}  # fmt: skip


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(api) -> None:
    base, tokens, _ = api
    headers = {"Authorization": f"Bearer {tokens['admin']}", "Idempotency-Key": "order-77"}
    first = httpx.post(f"{base}/api/v1/customers", json=CUSTOMER, headers=headers)
    again = httpx.post(f"{base}/api/v1/customers", json=CUSTOMER, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = httpx.post(f"{base}/api/v1/customers", json=CUSTOMER | {"legal_name": "X"},
                       headers=headers)  # fmt: skip
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    without = httpx.post(f"{base}/api/v1/customers", json=CUSTOMER,
                         headers={"Authorization": headers["Authorization"]})  # fmt: skip
    assert (without.status_code, without.json()["code"]) == (409, "conflict")  # a real duplicate


def test_a_request_still_in_flight_under_the_same_key_is_a_conflict(api, fresh_db: str) -> None:
    base, tokens, _ = api
    body = json.dumps({"account": "A", "amount": "5.00"}).encode()
    with connect(fresh_db, actor="test") as billing:
        from tarifa.api.keys import ApiKeys

        key = ApiKeys(billing.db, actor="test").authenticate(tokens["admin"])
        assert key is not None
        store = IdempotencyStore(billing.db)
        fingerprint = request_fingerprint("POST", "/api/v1/payments", "", body)
        assert store.claim(key.id, "pay-1", fingerprint) is None  # as if a worker were on it
    answer = httpx.post(
        f"{base}/api/v1/payments", content=body,
        headers={"Authorization": f"Bearer {tokens['admin']}", "Idempotency-Key": "pay-1",
                 "Content-Type": "application/json"},
    )  # fmt: skip
    assert (answer.status_code, answer.json()["code"]) == (409, "request_in_flight")


def test_lists_page_by_cursor_and_filter_by_state_and_dates(api) -> None:
    base, tokens, invoices = api
    with TarifaClient(base, token=tokens["admin"]) as client:
        for n in range(3):
            client.create_customer(CUSTOMER | {"external_id": f"CRM-P-{n}"})
        seen = [c.external_id for c in client.customers(page_size=2)]
        assert seen == ["A", "B", "CRM-P-0", "CRM-P-1", "CRM-P-2"]
        page = client.request("GET", "/customers", params={"limit": 2}).json()
        assert len(page["data"]) == 2
        assert page["next_cursor"] is not None
        overdue = [i.id for i in client.invoices(state="overdue", page_size=1)]
        assert overdue == [invoices["A"], invoices["B"]]
        assert list(client.invoices(billed_from=dt.date(2026, 4, 1))) == []
        with pytest.raises(ApiError) as bad:
            client.request("GET", "/customers", params={"cursor": "not-ours"})
        assert (bad.value.status, bad.value.errors[0]["field"]) == (422, "cursor")


def test_an_update_naming_a_stale_version_is_refused_with_412(api) -> None:
    base, tokens, _ = api
    with TarifaClient(base, token=tokens["admin"]) as client:
        made = client.create_customer(CUSTOMER)
        response = client.request("GET", f"/customers/{made.external_id}")
        assert response.headers["etag"] == f'"{made.version}"'
        changed = client.update_customer(made.external_id, {"legal_name": "Muster AG"},
                                         version=made.version)  # fmt: skip
        assert (changed.legal_name, changed.version) == ("Muster AG", made.version + 1)
        with pytest.raises(ApiError) as stale:
            client.update_customer(made.external_id, {"legal_name": "Late"}, version=made.version)
        assert (stale.value.status, stale.value.code) == (412, "stale_version")
        assert client.get_customer(made.external_id).legal_name == "Muster AG"


def test_money_is_a_decimal_string_both_ways(api) -> None:
    base, tokens, invoices = api
    with TarifaClient(base, token=tokens["admin"]) as client:
        raw = client.request("GET", f"/invoices/{invoices['A']}").json()
        assert (raw["net"], raw["tax"], raw["total"]) == ("9.99", "1.90", "11.89")
        assert all(isinstance(line["net"], str) for line in raw["lines"])
        with pytest.raises(ApiError) as floats:
            client.request("POST", "/payments", json={"account": "A", "amount": 5.0})
        assert floats.value.status == 422
        assert "decimal string" in floats.value.errors[0]["reason"]


def test_usage_batches_keep_good_records_quarantine_bad_ones_and_count_repeats(api) -> None:
    base, tokens, _ = api
    records = [
        {"id": "r1", "account": "+4915112345678", "start": "2026-03-02T09:15:00+01:00",
         "usage": "130", "service": "voice", "destination": "4930123456"},
        {"id": "r2", "account": "+4915112345678", "start": "not a time", "usage": "1",
         "service": "sms"},
    ]  # fmt: skip
    with TarifaClient(base, token=tokens["admin"]) as admin:
        admin.request(
            "POST",
            "/customers/A/identifiers",
            json={"kind": "e164", "value": "+4915112345678", "valid_from": "2026-01-01T00:00:00Z"},
        )
    with TarifaClient(base, token=tokens["usage"]) as client:
        first = client.post_usage("switch-1", records)
        assert (first.received, first.accepted, first.quarantined) == (2, 1, 1)
        again = client.post_usage("switch-1", records[:1])
        assert (again.received, again.duplicates, again.accepted) == (1, 1, 0)
        with pytest.raises(ApiError) as too_many:
            client.post_usage("switch-1", [{"id": str(n)} for n in range(10_001)])
        assert too_many.value.status == 422
    with TarifaClient(base, token=tokens["admin"]) as admin:
        (line,) = admin.request("GET", "/usage/quarantine").json()["data"]
        assert line["source"] == "switch-1"
        assert "start" in line["reason"]
        # No tariff is loaded: the rater refuses r1, and says so when asked.
        run = admin.request("POST", "/rating/runs").json()
        assert (run["rated"], run["errors"]) == (0, 1)
        (refused,) = admin.request("GET", "/rating/errors").json()["data"]
        assert (refused["record_id"], refused["account"], refused["usage"], refused["code"]) == (
            "r1", "A", "130", "no_rating_profile")  # fmt: skip
        other = admin.request("GET", "/rating/errors", params={"code": "currency_mismatch"})
        assert other.json()["data"] == []


def test_payments_through_the_api_are_booked_once_and_the_ledger_balances(api) -> None:
    base, tokens, invoices = api
    with TarifaClient(base, token=tokens["admin"]) as client:
        paid = client.receive_payment("A", Decimal("11.89"), idempotency_key="bank-1")
        again = client.receive_payment("A", Decimal("11.89"), idempotency_key="bank-1")
        assert paid.id == again.id
        assert [(a.invoice_id, a.amount) for a in paid.allocations] == [
            (invoices["A"], Decimal("11.89"))
        ]
        assert client.get_invoice(invoices["A"]).state == "paid"
        number = client.get_invoice(invoices["B"]).number
        statement = camt([Booking(amount="11.89", reference="TRF-B",
                                  details=(Detail(text=f"Rechnung {number}"),))],
                         booked=dt.date(2026, 4, 2))  # fmt: skip
        report = client.import_statement(statement, filename="camt053.xml")
        assert (report.transactions, report.matched) == (1, 1)
        assert client.import_statement(statement).already_imported == 1
        rows = client.trial_balance()
        assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
        assert [a.total for a in client.aging(dt.date(2026, 4, 30))] == []


def test_a_rating_error_is_a_422_naming_why(api) -> None:
    base, tokens, _ = api
    with TarifaClient(base, token=tokens["reader"]) as client:
        with pytest.raises(ApiError) as refused:
            client.rate_quote(
                category="call",
                subject="A",
                destination="4930123456",
                start=dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC),
                usage="2m10s",
            )
        assert (refused.value.status, refused.value.code) == (422, "no_rating_profile")
        quote = client.quote_plan("mobile-s", period_start=dt.date(2026, 3, 1))
        assert quote.total == Decimal("9.99")


def test_invoices_download_as_pdf_and_credit_notes_never_exceed_the_invoice(api) -> None:
    base, tokens, invoices = api
    with TarifaClient(base, token=tokens["admin"]) as client:
        assert client.invoice_document(invoices["A"], "pdf").startswith(b"%PDF")
        assert client.get_invoice(invoices["A"]).number.encode() in client.invoice_document(
            invoices["A"], "csv"
        )
        note = client.credit_invoice(invoices["A"], reason="goodwill", amount=Decimal("2.00"))
        assert (note.net, note.total) == (Decimal("2.00"), Decimal("2.38"))
        with pytest.raises(ApiError) as too_much:
            client.credit_invoice(invoices["A"], reason="again", amount=Decimal("9.99"))
        assert too_much.value.status == 422


def test_the_rate_limit_is_shared_by_the_workers(fresh_db: str, tmp_path: Path) -> None:
    """Two worker processes and a limit of 6 a minute: the 7th request is refused whichever
    worker gets it, with Retry-After."""
    tokens, _ = shop(fresh_db)
    with serving(fresh_db, tmp_path / "home", workers=2, TARIFA_API_RATE_LIMIT="6") as base:
        headers = {"Authorization": f"Bearer {tokens['reader']}"}
        codes = [httpx.get(f"{base}/api/v1/customers/A", headers=headers).status_code
                 for _ in range(7)]  # fmt: skip
        assert codes == [200] * 6 + [429]
        refused = httpx.get(f"{base}/api/v1/customers/A", headers=headers)
        assert refused.json()["code"] == "rate_limited"
        assert 0 < int(refused.headers["retry-after"]) <= 60
        other = httpx.get(f"{base}/api/v1/customers/A",
                          headers={"Authorization": f"Bearer {tokens['admin']}"})  # fmt: skip
        assert other.status_code == 200  # per key


def test_a_customer_disputes_a_line_and_an_accepted_dispute_credits_it(api) -> None:
    base, tokens, invoices = api
    with TarifaClient(base, token=tokens["admin"]) as client:
        opened = client.request(
            "POST", f"/invoices/{invoices['A']}/disputes",
            json={"line": 1, "amount": "2.38", "reason": "charged twice"},
        ).json()  # fmt: skip
        assert (opened["kind"], opened["status"], opened["net"]) == ("line", "open", "2.00")
        assert client.get_invoice(invoices["A"]).disputed == Decimal("2.38")
        listed = client.request("GET", "/disputes", params={"account": "A"}).json()
        assert [d["id"] for d in listed] == [opened["id"]]
        done = client.request(
            "POST", f"/disputes/{opened['id']}/resolve", json={"accept": True}
        ).json()
        assert done["credit_note_id"] is not None
        invoice = client.get_invoice(invoices["A"])
        assert (invoice.credited, invoice.balance) == (Decimal("2.38"), Decimal("9.51"))
    with TarifaClient(base, token=tokens["portal_a"]) as portal:
        with pytest.raises(ApiError) as other:
            portal.request("GET", "/disputes", params={"account": "B"})
        assert other.value.status == 404


def test_webhook_endpoints_are_registered_and_their_events_listed_and_replayed(api) -> None:
    base, tokens, _ = api
    with TarifaClient(base, token=tokens["admin"]) as client:
        hook = {"url": "https://crm.example/hooks", "event_types": ["invoice.paid"]}
        made = client.request("POST", "/webhooks/endpoints", json=hook).json()
        assert made["secret"].startswith("whsec_")
        listed = client.request("GET", "/webhooks/endpoints").json()
        assert "secret" not in listed[0]
        client.receive_payment("A", Decimal("11.89"))
        (event,) = client.request("GET", "/webhooks/events", params={"type": "invoice.paid"}).json()
        (first,) = client.request("GET", "/webhooks/deliveries",
                                  params={"event_id": event["id"]}).json()  # fmt: skip
        assert (first["status"], first["url"]) == ("pending", "https://crm.example/hooks")
        again = client.request("POST", f"/webhooks/events/{event['id']}/replay").json()
        assert [d["replay"] for d in again] == [True]
    with TarifaClient(base, token=tokens["reader"]) as reader:
        with pytest.raises(ApiError) as refused:
            reader.request("GET", "/webhooks/endpoints")
        assert refused.value.status == 403


def test_an_id_beyond_what_the_database_stores_is_a_422_not_a_server_error(api) -> None:
    base, tokens, _ = api
    with TarifaClient(base, token=tokens["admin"]) as client:
        with pytest.raises(ApiError) as huge:
            client.request("GET", "/webhooks/log", params={"endpoint": 10**26})
        assert (huge.value.status, huge.value.code) == (422, "validation_error")
