"""Stored tariffs, quotes, batch rating runs and rerating through `Billing.rating`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tarifa.db.connection import ConnectionDatabase, PooledDatabase
from tarifa.errors import ValidationError
from tarifa.facade import Billing
from tarifa.rating import RatedEvent, RatingError, Tariff, UsageUnit, store
from tarifa.rating.cgrates import read_cgrates
from tarifa.rating.document import read_tariff
from tarifa.rating.service import Rating

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
MOBILE = ROOT / "examples" / "tariffs" / "mobile.yaml"
RETAIL = ROOT / "tests" / "fixtures" / "cgrates" / "retail"
SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
D = Decimal


def customer(billing: Billing, external_id: str, number: str, currency: str = "EUR") -> int:
    created = billing.customers.create(
        {
            "external_id": external_id,
            "kind": "business",
            "legal_name": f"{external_id} Ltd",
            "country": "DE",
            "currency": currency,
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.customers.add_identifier(created.id, "e164", number, SINCE)
    return created.id


def events(billing: Billing, *lines: dict[str, Any]) -> None:
    text = "".join(json.dumps(line) + "\n" for line in lines)
    report = billing.usage.import_file(
        io.BytesIO(text.encode()), format="jsonl", source="test", name="events.jsonl"
    )
    assert report.accepted == len(lines), report


def call(ident: str, number: str, destination: str, start: str, usage: int) -> dict[str, Any]:
    return {
        "id": ident,
        "account": number,
        "service": "voice",
        "destination": destination,
        "start": start,
        "usage": usage,
        "disposition": "ANSWERED",
    }


def rated(billing: Billing) -> dict[str, dict[str, Any]]:
    with billing.db.transaction() as c:  # a savepoint on the test's connection
        rows = c.execute(
            "SELECT u.record_id, u.status, r.cost, r.precise_cost, r.tariff_id, e.code"
            " FROM usage_records u"
            " LEFT JOIN rated_usage r ON r.usage_id = u.id AND r.started_at = u.started_at"
            " LEFT JOIN rating_errors e ON e.usage_id = u.id AND e.started_at = u.started_at"
        ).fetchall()
    return {str(row["record_id"]): row for row in rows}


# -- storage -----------------------------------------------------------------------------------


def test_a_stored_tariff_loads_back_equal(billing: Billing) -> None:
    tariff = read_tariff(MOBILE)
    report = billing.rating.load(MOBILE)
    assert (report.changed, report.revision) == (True, 1)
    assert billing.rating.tariff(report.tariff_id) == tariff


def test_a_cgrates_deck_is_stored_and_loads_back_equal(billing: Billing) -> None:
    report = billing.rating.import_cgrates(RETAIL, tenant="retail", timezone="Europe/Berlin")
    loaded = billing.rating.tariff(report.tariff_id)
    assert loaded.increment_decimals == 5
    assert {p.tenant for p in loaded.profiles} == {"retail"}
    assert loaded == read_cgrates(
        RETAIL, currency="EUR", tenant="retail", time_zone="Europe/Berlin", code=loaded.code
    )


def test_loading_the_same_content_again_stores_nothing(billing: Billing) -> None:
    first = billing.rating.load(MOBILE)
    again = billing.rating.load(MOBILE)
    assert (again.changed, again.tariff_id, again.revision) == (False, first.tariff_id, 1)


def test_a_corrected_tariff_is_a_new_revision_and_the_old_one_is_kept(billing: Billing) -> None:
    first = billing.rating.load(MOBILE)
    tariff = read_tariff(MOBILE)
    corrected = dataclasses.replace(
        tariff, rates=tuple(dataclasses.replace(r, connect_fee=D("0.01")) for r in tariff.rates)
    )
    second = billing.rating.save(corrected, source="corrected")
    assert (second.revision, second.replaced_id) == (2, first.tariff_id)
    summaries = billing.rating.tariffs(current_only=False)
    assert [(s.revision, s.current) for s in summaries] == [(2, True), (1, False)]
    assert billing.rating.tariff(first.tariff_id) == tariff  # history stays as it was


def test_profiles_of_two_tariffs_share_one_namespace(billing: Billing) -> None:
    billing.rating.load(MOBILE)
    other = dataclasses.replace(read_tariff(MOBILE), code="other")
    with pytest.raises(ValidationError) as caught:
        billing.rating.save(other)
    assert caught.value.errors[0].field == "profiles[0].activation"
    assert "mobila-2026" in caught.value.errors[0].reason


def test_every_load_and_run_writes_one_audit_row(billing: Billing) -> None:
    loaded = billing.rating.load(MOBILE)
    run = billing.rating.run()
    with billing.db.transaction() as conn:
        rows = conn.execute(
            "SELECT id, action, entity_type FROM audit_log WHERE id = ANY(%s) ORDER BY id",
            ([loaded.audit_id, run.audit_id],),
        ).fetchall()
    assert [(r["action"], r["entity_type"]) for r in rows] == [
        ("tariff.loaded", "tariff"),
        ("usage.rated", "rating_run"),
    ]


# -- quotes and batch rating --------------------------------------------------------------------


def test_a_quote_gives_the_reference_cost_of_the_stored_tariff(billing: Billing) -> None:
    billing.rating.load(MOBILE)
    start = dt.datetime.fromisoformat("2026-03-02T09:15:00+01:00")
    quote = billing.rating.quote("call", "4711", "+4930123456", start, D(130))
    assert isinstance(quote, RatedEvent)
    assert quote.rounding_decimals >= 2
    assert quote.cost > 0
    refused = billing.rating.quote("call", "4711", "4930123456", start, D(1), tenant="nobody")
    assert isinstance(refused, RatingError)
    assert refused.code == "no_rating_profile"
    data = billing.rating.quote("data", "4711", "", start, D(10**6))
    assert isinstance(data, RatedEvent)
    assert billing.rating.quote("sms", "x", "4917012345", start, D(1), unit=UsageUnit.EVENTS)


def test_a_run_rates_every_pending_record_as_the_quote_prices_it(billing: Billing) -> None:
    billing.rating.load(MOBILE)
    customer(billing, "ACME", "+4930901820")
    events(
        billing,
        call("c1", "+4930901820", "+4989123456", "2026-03-02T09:15:00+01:00", 65),
        call("c2", "+4930901820", "+4917612345", "2026-03-07T17:59:30+01:00", 125),
        call("c3", "+4930901820", "999", "2026-03-03T12:00:00+01:00", 10),
    )
    report = billing.rating.run()
    assert (report.rated, report.errors) == (2, 1)
    found = rated(billing)
    assert (found["c3"]["code"], found["c3"]["cost"]) == ("unauthorized_destination", None)
    for ident, destination, start, usage in (
        ("c1", "+4989123456", "2026-03-02T09:15:00+01:00", 65),
        ("c2", "+4917612345", "2026-03-07T17:59:30+01:00", 125),
    ):
        quote = billing.rating.quote(
            "call", "ACME", destination, dt.datetime.fromisoformat(start), D(usage)
        )
        assert isinstance(quote, RatedEvent)
        assert (found[ident]["code"], found[ident]["cost"]) == (None, quote.cost)
    assert report.costs == {"EUR": found["c1"]["cost"] + found["c2"]["cost"]}
    assert billing.rating.run().rated == 0  # nothing is rated twice


def test_a_run_adds_up_its_costs_per_currency_from_what_each_batch_wrote_down(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of two ids, two tariffs (EUR, and CHF for tenant "swiss"), a call across a
    band change (the general path): the run's costs per currency are those of its records."""
    import tarifa.rating.service as service

    monkeypatch.setattr(service, "BATCH_IDS", 2)
    billing.rating.load(MOBILE)
    mobile = read_tariff(MOBILE)
    swiss = dataclasses.replace(
        mobile,
        code="mobile-chf",
        currency="CHF",
        profiles=tuple(dataclasses.replace(p, tenant="swiss") for p in mobile.profiles),
    )
    billing.rating.save(swiss, source="swiss")
    customer(billing, "ACME", "+4930901820")
    customer(billing, "SWISS", "+41441234567", currency="CHF")
    events(
        billing,
        call("e1", "+4930901820", "+4989123456", "2026-03-02T09:15:00+01:00", 65),
        call("e2", "+4930901820", "+4917612345", "2026-03-07T17:59:30+01:00", 125),
        call("e3", "+4930901820", "+4989123456", "2026-03-03T20:00:00+01:00", 300),
    )
    lines = [
        call("s1", "+41441234567", "+4989123456", "2026-03-02T10:00:00+01:00", 61),
        call("s2", "+41441234567", "+4917612345", "2026-03-04T08:00:00+01:00", 600),
    ]
    report = billing.usage.import_file(
        io.BytesIO("".join(json.dumps(line) + "\n" for line in lines).encode()),
        format="jsonl",
        source="test",
        tenant="swiss",
        name="swiss.jsonl",
    )
    assert report.accepted == 2
    run = billing.rating.run()
    assert (run.rated, run.errors) == (5, 0)
    assert run.batches >= 3  # each import in batches of at most two ids
    found = rated(billing)
    euros = sum(found[i]["cost"] for i in ("e1", "e2", "e3"))
    francs = sum(found[i]["cost"] for i in ("s1", "s2"))
    assert euros > 0
    assert francs > 0
    assert run.costs == {"CHF": francs, "EUR": euros}


def test_a_run_gathers_statistics_on_the_ids_of_a_month_an_import_just_filled(
    billing: Billing,
) -> None:
    """Without them the planner reads the whole month for every batch (rating.md, "How a
    batch is rated")."""
    billing.rating.load(MOBILE)
    customer(billing, "ACME", "+4930901820")
    events(billing, call("a1", "+4930901820", "+4989123456", "2026-08-03T09:15:00+02:00", 65))

    def statistics() -> int:
        with billing.db.transaction() as c:
            row = c.execute(
                "SELECT count(*) AS n FROM pg_stats"
                " WHERE tablename = 'usage_records_p202608' AND attname = 'id'"
            ).fetchone()
        assert row is not None
        return int(row["n"])

    assert statistics() == 0
    assert billing.rating.run().rated == 1
    assert statistics() == 1


def test_an_import_committed_after_a_run_is_rated_by_the_next_and_nothing_twice(
    billing: Billing,
) -> None:
    billing.rating.load(MOBILE)
    customer(billing, "ACME", "+4930901820")
    events(billing, call("c1", "+4930901820", "+4989123456", "2026-03-02T09:15:00+01:00", 65))
    assert billing.rating.run().rated == 1
    events(billing, call("c2", "+4930901820", "+4917612345", "2026-03-07T17:59:30+01:00", 125))
    events(billing, call("c3", "+4930901820", "+4989123456", "2026-03-09T10:00:00+01:00", 30))
    report = billing.rating.run()
    assert (report.rated, report.errors) == (2, 0)
    assert sorted(rated(billing)) == ["c1", "c2", "c3"]
    assert billing.rating.run().rated == 0


def test_records_whose_ids_are_below_a_planned_batch_are_still_rated(billing: Billing) -> None:
    """Two imports at once: the one that commits last may hold the lower ids. Batches are
    planned per committed import, never as "every id above the last one planned"."""
    billing.rating.load(MOBILE)
    customer(billing, "ACME", "+4930901820")
    with billing.db.transaction() as conn:  # ids left to an import that commits later
        low = conn.execute("SELECT nextval('usage_records_id_seq') AS id").fetchone()
        assert low is not None
        conn.execute("SELECT setval('usage_records_id_seq', %s)", (low["id"] + 1000,))
    events(billing, call("c2", "+4930901820", "+4917612345", "2026-03-07T17:59:30+01:00", 125))
    assert billing.rating.run().rated == 1
    with billing.db.transaction() as conn:
        conn.execute("SELECT setval('usage_records_id_seq', %s)", (low["id"],))
    events(billing, call("c1", "+4930901820", "+4989123456", "2026-03-02T09:15:00+01:00", 65))
    found = rated(billing)
    assert found["c1"]["cost"] is None  # stored with an id below the planned batch's
    assert billing.rating.run().rated == 1
    assert rated(billing)["c1"]["cost"] is not None


# The rater looks for accounts in another currency than the tariff's (EUR) below and above it.
@pytest.mark.parametrize("currency", ["CHF", "GBP"])
def test_a_tariff_in_another_currency_than_the_account_is_a_rating_error(
    billing: Billing, currency: str
) -> None:
    billing.rating.load(MOBILE)
    customer(billing, "SWISS", "+41441234567", currency=currency)
    events(billing, call("c1", "+41441234567", "+4989123456", "2026-03-02T09:15:00+01:00", 65))
    assert (billing.rating.run().errors, rated(billing)["c1"]["code"]) == (1, "currency_mismatch")


SPLIT_ROUNDING = """
code: split-rounding
currency: EUR
time_zone: UTC
destinations: [{code: DE, prefixes: ["49"]}]
rates:
  - code: A
    groups: [{interval_start: "0s", price: "0.10", rate_unit: "60s", increment: "1s"}]
destination_rates:
  - {code: DR_EARLY, rounding_method: up, rounding_decimals: 2,
     entries: [{destination: DE, rate: A}]}
  - {code: DR_LATE, rounding_method: down, rounding_decimals: LATE_DECIMALS,
     entries: [{destination: DE, rate: A}]}
time_bands:
  - {code: EARLY, start_time: "00:00"}
  - {code: LATE, start_time: "10:00"}
rating_plans:
  - code: plan
    entries:
      - {destination_rates: DR_EARLY, time_band: EARLY, weight: "10"}
      - {destination_rates: DR_LATE, time_band: LATE, weight: "10"}
profiles:
  - {category: call, subject: "*any", activation: "2026-01-01T00:00:00Z", rating_plan: plan}
"""


@pytest.mark.parametrize(("late_decimals", "cost"), [("2", "0.11"), ("4", "0.1016")])
def test_a_call_split_between_bands_is_rounded_by_the_first_band_with_the_most_decimals(
    billing: Billing, tmp_path: Path, late_decimals: str, cost: str
) -> None:
    # 61 s from 09:59:30 at 0.10 a minute per second: 30 s in EARLY (0.05) and 31 s in LATE
    # (0.051666666667); 0.101666666667 in all. With 2 decimals in both bands the first
    # band's method rounds it (up: 0.11, where LATE's down would give 0.10); with 4 in LATE,
    # LATE's decimals and method (down: 0.1016). The batch rater (its general path: the
    # call changes band) and the reference rater agree.
    path = tmp_path / "tariff.yaml"
    path.write_text(SPLIT_ROUNDING.replace("LATE_DECIMALS", late_decimals))
    billing.rating.load(path)
    customer(billing, "ACME", "+4930901820")
    events(billing, call("c1", "+4930901820", "+4989123456", "2026-03-02T09:59:30Z", 61))
    assert billing.rating.run().rated == 1
    start = dt.datetime(2026, 3, 2, 9, 59, 30, tzinfo=dt.UTC)
    quote = billing.rating.quote("call", "ACME", "+4989123456", start, D(61))
    assert isinstance(quote, RatedEvent)
    assert rated(billing)["c1"]["cost"] == quote.cost == D(cost)


def test_refused_records_are_listed_with_their_reason_counted_per_code_and_paged(
    billing: Billing,
) -> None:
    billing.rating.load(MOBILE)
    customer(billing, "ACME", "+4930901820")
    customer(billing, "SWISS", "+41441234567", currency="CHF")
    events(
        billing,
        call("c1", "+4930901820", "+4989123456", "2026-03-02T09:15:00+01:00", 65),
        call("c2", "+4930901820", "999", "2026-03-03T12:00:00+01:00", 10),
        call("c3", "+4930901820", "998", "2026-03-03T12:05:00+01:00", 20),
        call("c4", "+41441234567", "+4989123456", "2026-03-04T10:00:00+01:00", 30),
    )
    assert billing.rating.refusals() == []
    assert (billing.rating.run().rated, billing.rating.refusal_counts()) == (
        1, {"currency_mismatch": 1, "unauthorized_destination": 2})  # fmt: skip
    found = billing.rating.refusals()
    assert [r.usage_id for r in found] == sorted(r.usage_id for r in found)
    assert {(r.record_id, r.account, r.destination, r.usage, r.code) for r in found} == {
        ("c2", "ACME", "999", D(10), "unauthorized_destination"),
        ("c3", "ACME", "998", D(20), "unauthorized_destination"),
        ("c4", "SWISS", "4989123456", D(30), "currency_mismatch"),
    }
    assert {(r.source, r.category, r.unit) for r in found} == {("test", "call", "seconds")}
    assert all(r.message for r in found)
    # One code, one account, and a page at a time.
    assert [r.record_id for r in billing.rating.refusals(code="currency_mismatch")] == ["c4"]
    assert {r.record_id for r in billing.rating.refusals(account="ACME")} == {"c2", "c3"}
    assert billing.rating.refusal_counts(account="SWISS") == {"currency_mismatch": 1}
    first = billing.rating.refusals(limit=2)
    rest = billing.rating.refusals(limit=2, after_id=first[-1].usage_id)
    assert [r.usage_id for r in first + rest] == [r.usage_id for r in found]
    assert len(first) == 2
    # A bad filter is refused, naming each field.
    with pytest.raises(ValidationError) as refused:
        billing.rating.refusals(code="no_rate", limit=0)
    assert {e.field for e in refused.value.errors} == {"code", "limit"}


def test_rerating_replaces_the_rating_of_uninvoiced_records_and_reports_the_difference(
    billing: Billing,
) -> None:
    first = billing.rating.load(MOBILE)
    customer(billing, "ACME", "+4930901820")
    events(
        billing,
        call("c1", "+4930901820", "+4989123456", "2026-03-02T09:15:00+01:00", 65),
        call("c2", "+4930901820", "+4989123456", "2026-03-03T09:15:00+01:00", 65),
    )
    billing.rating.run()
    before = rated(billing)
    with billing.db.transaction() as conn:  # c2 is on a finalized invoice
        conn.execute(
            "UPDATE rated_usage SET invoice_id = 1 WHERE usage_id = (SELECT id FROM"
            " usage_records WHERE record_id = 'c2')"
        )
    tariff = read_tariff(MOBILE)
    billing.rating.save(
        dataclasses.replace(
            tariff, rates=tuple(dataclasses.replace(r, connect_fee=D("0.10")) for r in tariff.rates)
        )
    )
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    end = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    report = billing.rating.rerate(start, end)
    after = rated(billing)
    assert (report.records, report.rated) == (1, 1)
    assert after["c1"]["cost"] == before["c1"]["cost"] + D("0.10")
    assert report.difference == D("0.10")
    assert after["c1"]["tariff_id"] != first.tariff_id
    assert after["c2"] == before["c2"]  # invoiced: never changed
    again = billing.rating.rerate(start, end)  # replaces, never adds
    assert (again.records, again.difference) == (1, D(0))
    assert rated(billing)["c1"]["cost"] == after["c1"]["cost"]


def test_rerating_refuses_a_period_that_ends_before_it_starts(billing: Billing) -> None:
    with pytest.raises(ValidationError):
        billing.rating.rerate(SINCE, SINCE)


def test_sessions_rating_at_once_never_rate_a_record_twice(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True, row_factory=dict_row) as conn:
        setup = Billing(ConnectionDatabase(conn), actor="test:setup")
        setup.rating.load(MOBILE)
        customer(setup, "ACME", "+4930901820")
        events(
            setup,
            *(
                call(
                    f"c{i}",
                    "+4930901820",
                    f"+49891234{i:04d}",
                    f"2026-03-02T{9 + i % 10:02d}:15:00+01:00",
                    30 + i,
                )
                for i in range(3000)
            ),
        )
    reports = []

    def rate() -> None:
        db = PooledDatabase(fresh_db, max_size=1)
        try:
            reports.append(Rating(db, actor="test:session").run())
        finally:
            db.close()

    import tarifa.rating.service as service

    size, service.BATCH_IDS = service.BATCH_IDS, 100  # many small batches to fight over
    try:
        threads = [threading.Thread(target=rate) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        service.BATCH_IDS = size
    assert sum(r.rated for r in reports) == 3000
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM rated_usage) AS rated,"
            " (SELECT count(DISTINCT usage_id) FROM rated_usage) AS records"
        ).fetchone()
    assert counts == {"rated": 3000, "records": 3000}


def test_the_model_builds_the_same_lookups_for_equal_tariffs() -> None:
    tariff: Tariff = read_tariff(MOBILE)
    first = [store.plan_lookups(tariff, p) for p in tariff.rating_plans]
    again = [store.plan_lookups(dataclasses.replace(tariff), p) for p in tariff.rating_plans]
    assert first == again


def test_rerating_one_account_leaves_the_others_alone(billing: Billing) -> None:
    billing.rating.load(MOBILE)
    customer(billing, "ACME", "+4930901820")
    customer(billing, "OTHER", "+4930901821")
    events(
        billing,
        call("a1", "+4930901820", "+4989123456", "2026-03-02T09:15:00+01:00", 65),
        call("o1", "+4930901821", "+4989123456", "2026-03-02T09:15:00+01:00", 65),
    )
    billing.rating.run()
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    end = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    report = billing.rating.rerate(start, end, account="ACME")
    assert (report.records, report.rated, report.difference) == (1, 1, D(0))
    with billing.db.transaction() as conn:
        runs = conn.execute(
            "SELECT u.record_id, r.run_id FROM rated_usage r"
            " JOIN usage_records u ON u.id = r.usage_id ORDER BY 1"
        ).fetchall()
    assert [(r["record_id"], r["run_id"] == report.run_id) for r in runs] == [
        ("a1", True),
        ("o1", False),
    ]
