"""Parts of one session (a long call cut hourly, interim updates of a data session): keyed by
session and sequence, stored each with its own usage (delta counters) or with the difference
from the part before it (cumulative counters), never summed twice, and rated as the session
they make up: each part costs what the session costs through it less what it cost before."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tarifa.errors import ValidationError
from tarifa.facade import Billing
from tarifa.rating import RatedEvent, UsageEvent, UsageUnit, rate_event
from tarifa.rating.document import read_tariff
from tarifa.usage import ImportReport, importer
from usage_checks import counts

#: session;sequence;account;start;usage;service, no header.
PARTS: dict[str, Any] = {
    "delimiter": ";", "header": False, "session": {"column": 1}, "sequence": {"column": 2},
    "account": {"column": 3}, "start": {"column": 4}, "usage": {"column": 5},
    "service": {"column": 6}, "destination": {"column": 7, "default": ""},
}  # fmt: skip
CUMULATIVE: dict[str, Any] = {**PARTS, "counters": "cumulative"}
MOBILE = Path(__file__).resolve().parents[2] / "examples" / "tariffs" / "mobile.yaml"
D = Decimal


def data_part(session: str, sequence: str, counter: int, hour: int = 10) -> str:
    return f"{session};{sequence};+4930901820;2026-03-02T{hour:02d}:00:00Z;{counter};data;\n"


def imported(billing: Billing, lines: list[str], mapping: dict[str, Any]) -> ImportReport:
    report = billing.usage.import_file(
        io.BytesIO("".join(lines).encode()), format="csv", source="radius", mapping=mapping
    )
    assert report.received == (
        report.accepted + report.filtered + report.duplicates + report.quarantined
    )
    return report


def stored(conn: Any) -> list[tuple[str, int]]:
    rows = conn.execute(
        "SELECT record_id, usage FROM usage_records WHERE source = 'radius' ORDER BY record_id"
    ).fetchall()
    return [(r["record_id"], int(r["usage"])) for r in rows]


def quarantined(conn: Any) -> list[tuple[int, str, bool]]:
    rows = conn.execute(
        "SELECT line, reason, retryable FROM usage_quarantine WHERE source = 'radius' ORDER BY id"
    ).fetchall()
    return [(r["line"], r["reason"], r["retryable"]) for r in rows]


def test_cumulative_counters_are_stored_as_the_difference_from_the_part_before(
    billing: Billing, conn: Any, acme: int
) -> None:
    # Counters 1000, 2500, 4000: part 1 from 0 → 1000; part 2: 2500 - 1000 = 1500;
    # part 3: 4000 - 2500 = 1500; the parts sum to the last counter, 4000.
    lines = [data_part("S7", "1", 1000), data_part("S7", "2", 2500, 11),
             data_part("S7", "3", 4000, 12)]  # fmt: skip
    assert counts(imported(billing, lines, CUMULATIVE)) == (3, 3, 0, 0, 0)
    assert stored(conn) == [("S7#1", 1000), ("S7#2", 1500), ("S7#3", 1500)]
    counters = conn.execute(
        "SELECT record_id, counter FROM usage_record_keys WHERE source = 'radius'"
        " ORDER BY record_id"
    ).fetchall()
    assert [(r["record_id"], int(r["counter"])) for r in counters] == [
        ("S7#1", 1000), ("S7#2", 2500), ("S7#3", 4000)]  # fmt: skip
    # The same file again: every part is a duplicate, nothing is stored twice.
    assert counts(imported(billing, lines, CUMULATIVE)) == (3, 0, 0, 3, 0)
    assert sum(usage for _, usage in stored(conn)) == 4000


def test_a_part_whose_previous_part_has_not_arrived_waits_for_it_in_quarantine(
    billing: Billing, conn: Any, acme: int
) -> None:
    first = imported(billing, [data_part("S7", "1", 1000), data_part("S7", "3", 4000, 12)],
                     CUMULATIVE)  # fmt: skip
    assert counts(first) == (2, 1, 0, 0, 1)
    assert stored(conn) == [("S7#1", 1000)]
    reason = ("part 2 of session S7 is not stored: a cumulative counter counts from the"
              " part before it")  # fmt: skip
    assert quarantined(conn) == [(2, reason, True)]
    # Part 2 comes in a later file: 2500 - 1000 (part 1, stored before) = 1500.
    assert counts(imported(billing, [data_part("S7", "02", 2500, 11)], CUMULATIVE)) == (
        1, 1, 0, 0, 0)  # fmt: skip
    # The retry stores part 3: 4000 - 2500 = 1500; the session sums to 4000.
    assert counts(billing.usage.retry_quarantine(source="radius")) == (1, 1, 0, 0, 0)
    assert stored(conn) == [("S7#1", 1000), ("S7#2", 1500), ("S7#3", 1500)]
    assert quarantined(conn) == []


def test_a_counter_below_the_previous_parts_is_quarantined_for_good(
    billing: Billing, conn: Any, acme: int
) -> None:
    lines = [data_part("S7", "1", 1000), data_part("S7", "2", 1500, 11),
             data_part("S7", "3", 900, 12)]  # fmt: skip
    assert counts(imported(billing, lines, CUMULATIVE)) == (3, 2, 0, 0, 1)
    assert stored(conn) == [("S7#1", 1000), ("S7#2", 500)]
    assert quarantined(conn) == [
        (3, "counter 900 of part 3 of session S7 is below part 2's 1500", False)]  # fmt: skip
    assert counts(billing.usage.retry_quarantine(source="radius")) == (0, 0, 0, 0, 0)


def test_a_part_differences_from_a_previous_part_that_was_refused_for_its_account(
    billing: Billing, conn: Any, acme: int
) -> None:
    # Part 1 names a number nobody holds: quarantined; it parsed, so part 2 still counts
    # from its counter (2500 - 1000 = 1500) and the session's parts sum to 2500 once part 1
    # is in.
    lines = [data_part("S8", "1", 1000).replace("+4930901820", "+4930999999"),
             data_part("S8", "2", 2500, 11)]  # fmt: skip
    assert counts(imported(billing, lines, CUMULATIVE)) == (2, 1, 0, 0, 1)
    assert stored(conn) == [("S8#2", 1500)]


def test_parts_with_a_bad_sequence_or_no_session_are_quarantined_naming_it(
    billing: Billing, conn: Any, acme: int
) -> None:
    lines = [data_part("S7", "0", 10), data_part("S7", "x1", 10), data_part("", "1", 10)]
    assert counts(imported(billing, lines, PARTS)) == (3, 0, 0, 0, 3)
    assert [reason for _, reason, _ in quarantined(conn)] == [
        "sequence '0' is not a whole number from 1",
        "sequence 'x1' is not a whole number from 1",
        "no session",
    ]


def call_part(sequence: int, start: str, seconds: int, number: str = "4989123456") -> str:
    return f"C1;{sequence};+4930901820;{start};{seconds};voice;{number}\n"


#: A call cut hourly: 3600 s, 3600 s, then 125 s, to a WORLD number of the mobile tariff.
HOURLY = [call_part(1, "2026-03-02T09:00:00Z", 3600, "12125550100"),
          call_part(2, "2026-03-02T10:00:00Z", 3600, "12125550100"),
          call_part(3, "2026-03-02T11:00:00Z", 125, "12125550100")]  # fmt: skip


def continued(conn: Any) -> list[tuple[str, int | None, dt.datetime | None]]:
    rows = conn.execute(
        "SELECT record_id, usage_before, session_started_at FROM usage_records"
        " WHERE source = 'radius' ORDER BY record_id"
    ).fetchall()
    return [
        (r["record_id"], None if r["usage_before"] is None else int(r["usage_before"]),
         r["session_started_at"])
        for r in rows
    ]  # fmt: skip


def part_costs(billing: Billing) -> list[tuple[str, Decimal, Decimal]]:
    with billing.db.transaction() as c:
        rows = c.execute(
            "SELECT u.record_id, r.cost, r.billed_usage FROM usage_records u"
            " JOIN rated_usage r ON r.usage_id = u.id AND r.started_at = u.started_at"
            " WHERE u.source = 'radius' ORDER BY u.record_id"
        ).fetchall()
    return [(r["record_id"], r["cost"], r["billed_usage"]) for r in rows]


def test_delta_parts_are_stored_each_with_its_own_usage(
    billing: Billing, conn: Any, acme: int
) -> None:
    # Each part is a record of its own and the call's usage is their sum, 7325 s; a part
    # after the first keeps the call's start and the usage before it.
    assert counts(imported(billing, HOURLY, PARTS)) == (3, 3, 0, 0, 0)
    assert stored(conn) == [("C1#1", 3600), ("C1#2", 3600), ("C1#3", 125)]
    nine = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    assert continued(conn) == [("C1#1", None, None), ("C1#2", 3600, nine), ("C1#3", 7200, nine)]
    assert counts(imported(billing, HOURLY[1:], PARTS)) == (2, 0, 0, 2, 0)


def test_a_delta_part_whose_previous_part_has_not_arrived_waits_for_it_in_quarantine(
    billing: Billing, conn: Any, acme: int
) -> None:
    assert counts(imported(billing, [HOURLY[0], HOURLY[2]], PARTS)) == (2, 1, 0, 0, 1)
    reason = ("part 2 of session C1 is not stored: a part is rated as the rest of the"
              " session before it")  # fmt: skip
    assert quarantined(conn) == [(2, reason, True)]
    # Part 2 in a later file, then the retry: part 3 continues the 7200 s before it.
    assert counts(imported(billing, [HOURLY[1]], PARTS)) == (1, 1, 0, 0, 0)
    assert counts(billing.usage.retry_quarantine(source="radius")) == (1, 1, 0, 0, 0)
    nine = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    assert continued(conn) == [("C1#1", None, None), ("C1#2", 3600, nine), ("C1#3", 7200, nine)]


def test_the_parts_of_a_call_cost_together_what_the_whole_call_costs(
    billing: Billing, acme: int
) -> None:
    # WORLD in examples/tariffs/mobile.yaml: connect fee 0.10, 0.99 a started minute (60/60).
    # The whole call, 7325 s: 0.10 + 123 minutes x 0.99 = 121.87. Part 1 (3600 s): 0.10 + 60
    # x 0.99 = 59.50; through part 2 (7200 s): 0.10 + 120 x 0.99 = 118.90, so part 2 costs
    # 59.40; part 3: 121.87 - 118.90 = 2.97. Rated alone, the parts would cost 59.50 + 59.50
    # + 3.07 = 122.07 (two more connect fees, one more started minute).
    billing.rating.load(MOBILE)
    imported(billing, HOURLY, PARTS)
    assert billing.rating.run().rated == 3
    assert part_costs(billing) == [("C1#1", D("59.5000"), 3600), ("C1#2", D("59.4000"), 3600),
                                   ("C1#3", D("2.9700"), 180)]  # fmt: skip
    whole = rate_event(read_tariff(MOBILE), UsageEvent(
        tenant="default", category="call", subject="ACME", destination="12125550100",
        start=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), usage=D(7325)))  # fmt: skip
    assert isinstance(whole, RatedEvent)
    assert sum(cost for _, cost, _ in part_costs(billing)) == whole.cost == D("121.87")


def test_a_call_in_parts_across_a_band_change_costs_what_the_whole_call_costs(
    billing: Billing, acme: int
) -> None:
    # A national call from 19:50 Berlin (18:50 UTC), three parts of 600 s: peak (0.09 a
    # minute, the first minute whole, then per second) until 20:00, then off-peak (0.04).
    # The whole call: 0.09 + 540 s x 0.09 / 60 = 0.90 in peak, then 1200 s x 0.04 / 60 =
    # 0.80 (per second: the call's first minute is behind it) = 1.70; through part 2, 1.30.
    billing.rating.load(MOBILE)
    lines = [call_part(1, "2026-03-02T18:50:00Z", 600), call_part(2, "2026-03-02T19:00:00Z", 600),
             call_part(3, "2026-03-02T19:10:00Z", 600)]  # fmt: skip
    imported(billing, lines, PARTS)
    assert billing.rating.run().rated == 3
    costs = [cost for _, cost, _ in part_costs(billing)]
    assert costs == [D("0.9000"), D("0.4000"), D("0.4000")]
    whole = rate_event(read_tariff(MOBILE), UsageEvent(
        tenant="default", category="call", subject="ACME", destination="4989123456",
        start=dt.datetime(2026, 3, 2, 18, 50, tzinfo=dt.UTC), usage=D(1800)))  # fmt: skip
    assert isinstance(whole, RatedEvent)
    assert sum(costs) == whole.cost == D("1.70")


def test_a_data_session_in_cumulative_parts_is_priced_in_the_band_it_started_in(
    billing: Billing, acme: int
) -> None:
    # Data at night (from 00:00 Berlin) costs 0.245 a MiB, by day (from 06:00) 0.49, in
    # blocks of 10,240 bytes: a night block 0.245 x 10240 / 1048576 = 0.002392578125. A
    # session from 05:30 Berlin with counters 15,000, 30,000, 45,000 (the later ones after
    # 06:00) is one night session: 5 blocks = 0.011962890625, up to 0.0120. Through part 1,
    # 2 blocks (0.0048); through part 2, 3 blocks (0.00717..., 0.0072). Rated alone, parts 2
    # and 3 would each cost 2 day blocks, 0.0096.
    billing.rating.load(MOBILE)
    lines = [data_part("S7", "1", 15000, 4).replace(":00:00Z", ":30:00Z"),
             data_part("S7", "2", 30000, 5).replace(":00:00Z", ":30:00Z"),
             data_part("S7", "3", 45000, 6).replace(":00:00Z", ":30:00Z")]  # fmt: skip
    assert counts(imported(billing, lines, CUMULATIVE)) == (3, 3, 0, 0, 0)
    assert billing.rating.run().rated == 3
    assert part_costs(billing) == [("S7#1", D("0.0048"), 20480), ("S7#2", D("0.0024"), 10240),
                                   ("S7#3", D("0.0048"), 20480)]  # fmt: skip
    whole = rate_event(read_tariff(MOBILE), UsageEvent(
        tenant="default", category="data", subject="ACME", destination="",
        start=dt.datetime(2026, 3, 2, 4, 30, tzinfo=dt.UTC), usage=D(45000),
        unit=UsageUnit.BYTES))  # fmt: skip
    assert isinstance(whole, RatedEvent)
    assert whole.cost == D("0.0120")


def test_rerating_a_part_rates_it_again_as_the_rest_of_its_session(
    billing: Billing, acme: int
) -> None:
    billing.rating.load(MOBILE)
    imported(billing, HOURLY, PARTS)
    billing.rating.run()
    before = part_costs(billing)
    report = billing.rating.rerate(dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC),
                                   dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))  # fmt: skip
    assert (report.records, report.difference) == (1, 0)
    assert part_costs(billing) == before


def test_a_mapping_with_record_id_and_session_is_refused_naming_record_id(
    billing: Billing,
) -> None:
    with pytest.raises(ValidationError) as caught:
        imported(billing, [], {**PARTS, "record_id": {"column": 1}})
    assert [(e.field, e.reason) for e in caught.value.errors] == [
        ("record_id", "not with session: a part's id is its session and sequence")]  # fmt: skip


def test_parts_across_chunks_and_repeated_parts_are_counted_once(
    billing: Billing, conn: Any, acme: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    # Chunks [1, 2] [2 again, 3] [4]: part 3 counts from part 2 stored by the first chunk
    # (3000 - 2500 = 500), part 4 from part 3 (3100 - 3000 = 100); the repeated part 2 is a
    # duplicate. Stored: 1000 + 1500 + 500 + 100 = 3100, the last counter.
    lines = [data_part("S9", "1", 1000), data_part("S9", "2", 2500, 11),
             data_part("S9", "2", 2500, 11), data_part("S9", "3", 3000, 12),
             data_part("S9", "4", 3100, 13)]  # fmt: skip
    assert counts(imported(billing, lines, CUMULATIVE)) == (5, 4, 0, 1, 0)
    assert stored(conn) == [("S9#1", 1000), ("S9#2", 1500), ("S9#3", 500), ("S9#4", 100)]


#: Band A until 10:00 UTC rounds up to 4 decimals; band B from 10:00 is free and rounds down
#: to 6: a session through a part in B rounds to 6 decimals with B's method.
ROUNDING_TURNS = """
code: rounding-turns
currency: EUR
time_zone: UTC
destinations: [{code: DE, prefixes: ["49"]}]
rates:
  - code: A
    groups: [{interval_start: "0s", price: "1.23456", rate_unit: "60s", increment: "60s"}]
  - code: B
    groups: [{interval_start: "0s", price: "0", rate_unit: "60s", increment: "60s"}]
destination_rates:
  - {code: DR_A, rounding_method: up, rounding_decimals: 4, entries: [{destination: DE, rate: A}]}
  - {code: DR_B, rounding_method: down, rounding_decimals: 6,
     entries: [{destination: DE, rate: B}]}
time_bands:
  - {code: EARLY, start_time: "00:00"}
  - {code: LATE, start_time: "10:00"}
rating_plans:
  - code: plan
    entries:
      - {destination_rates: DR_A, time_band: EARLY, weight: "10"}
      - {destination_rates: DR_B, time_band: LATE, weight: "10"}
profiles:
  - {category: call, subject: "*any", activation: "2026-01-01T00:00:00Z", rating_plan: plan}
"""


def test_a_part_never_costs_less_than_nothing_when_a_later_band_rounds_down_finer(
    billing: Billing, acme: int, tmp_path: Path
) -> None:
    # Part 1, 09:59-10:00 in band A: 1 minute x 1.23456, up to 4 decimals: 1.2346. Through
    # part 2 (a free minute in band B) the session costs 1.23456 rounded down to 6 decimals
    # (the most among its bands, by the method of the first part that has them): 1.234560,
    # below 1.2346. Part 2 costs 0, not -0.00004.
    path = tmp_path / "tariff.yaml"
    path.write_text(ROUNDING_TURNS)
    billing.rating.load(path)
    lines = [call_part(1, "2026-03-02T09:59:00Z", 60), call_part(2, "2026-03-02T10:00:00Z", 60)]
    imported(billing, lines, PARTS)
    assert billing.rating.run().rated == 2
    assert [cost for _, cost, _ in part_costs(billing)] == [D("1.2346"), D(0)]


def test_a_later_part_days_after_its_session_started_is_rated_from_that_day(
    billing: Billing, conn: Any, acme: int
) -> None:
    # A data session from 05:30 Berlin on 2 March (night, 0.245 a MiB in blocks of 10,240
    # bytes) whose second interim update comes two days later by day: the session is priced
    # in its night band throughout. Through part 1, 15,000 bytes: 2 blocks = 0.0048; through
    # part 2, 30,000 bytes: 3 blocks = 0.007177734375, up to 0.0072; part 2 costs 0.0024.
    # The second import's first event date is widened to the session's start, the date the
    # rater needs a band schedule for.
    billing.rating.load(MOBILE)
    first = data_part("S9", "1", 15000, 4).replace(":00:00Z", ":30:00Z")
    assert counts(imported(billing, [first], CUMULATIVE)) == (1, 1, 0, 0, 0)
    assert billing.rating.run().rated == 1
    later = data_part("S9", "2", 30000, 10).replace("2026-03-02", "2026-03-04")
    report = imported(billing, [later], CUMULATIVE)
    assert counts(report) == (1, 1, 0, 0, 0)
    start = dt.datetime(2026, 3, 2, 4, 30, tzinfo=dt.UTC)
    widened = conn.execute(
        "SELECT first_event_at, last_event_at FROM usage_imports WHERE id = %s",
        (report.import_id,),
    ).fetchone()
    assert (widened["first_event_at"], widened["last_event_at"]) == (
        start, dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC))  # fmt: skip
    assert billing.rating.run().rated == 1
    assert part_costs(billing) == [("S9#1", D("0.0048"), 20480), ("S9#2", D("0.0024"), 10240)]
    again = billing.rating.rerate(dt.datetime(2026, 3, 4, tzinfo=dt.UTC),
                                  dt.datetime(2026, 3, 5, tzinfo=dt.UTC))  # fmt: skip
    assert (again.records, again.difference) == (1, 0)
