"""Benchmark: a monthly bill run, drafted and finalized (issue 5, "Performance").

    python bench/bill_run.py                 # 100,000 accounts, 2 workers: PASS or FAIL
    python bench/bill_run.py --smoke         # 500 accounts: checks it runs and counts add up
    python bench/bill_run.py -n 20000 --workers 1 --profile

Set up (not timed), set-based in SQL: N accounts in Germany (billing day 1), each with a
Mobile S subscription (a recurring fee billed in advance and usage charges for calls, SMS and
data, with allowances) from 1 March 2026, its phone number bound to it, and 30 stored usage
records in March (10 calls, 10 SMS, 10 data sessions); the VAT rates; and the bill run of
1 March (each account's first invoice, its March fee in advance), finalized.

Timed: `BillRuns.run(2026-04-01, finalize=True, workers=W)`: per account, March's usage
after allowances, the settlement of the fee billed in advance, April's fee in advance, VAT,
totals, the invoice and its lines written, numbered and frozen. Target ≤ 60 s for 100,000
accounts with 2 workers, floor 180 s.

Runs in a database of its own, `tarifa_bench_bill_run`, dropped and created fresh every run,
on the server of TARIFA_DATABASE_URL if set, else on the embedded server in `.tarifa-bench/`
(never the demo's or the tests'), which is stopped again if this run started it.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from benchdb import fresh_database, release
from tarifa.bill_runs import BillRuns
from tarifa.catalog.service import CatalogService
from tarifa.db.connection import PooledDatabase
from tarifa.sellers.service import Sellers
from tarifa.taxes.service import TaxRatesStore

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "tarifa_bench_bill_run"
TARGET_SECONDS, FLOOR_SECONDS = 60, 180
FULL = 100_000


MARCH = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

# Accounts in Berlin, each with a Mobile S subscription from 1 March 2026 (the payments and
# reconciliation benches start from them too).
SUBSCRIBERS = """
INSERT INTO customers (id, external_id, kind, legal_name, country, currency, time_zone,
                       billing_cycle_day, locale, postal_code, city)
OVERRIDING SYSTEM VALUE
SELECT i, 'ACC' || lpad(i::text, 6, '0'), 'person', 'Account ' || i, 'DE', 'EUR',
       'Europe/Berlin', 1, 'de-DE', '10117', 'Berlin'
FROM generate_series(1, %(n)s) AS i;

INSERT INTO subscriptions (id, account_id, started_on) OVERRIDING SYSTEM VALUE
SELECT i, i, DATE '2026-03-01' FROM generate_series(1, %(n)s) AS i;

INSERT INTO subscription_changes (subscription_id, position, kind, effective, plan, quantity,
                                  actor)
SELECT i, 0, 'created', DATE '2026-03-01', 'mobile-s', 1, 'bench'
FROM generate_series(1, %(n)s) AS i;
"""

# Their numbers bound to their subscriptions, and 30 records each in March (started between
# 1 and 30 March, UTC noon, so within Berlin's March too).
USAGE = """
INSERT INTO usage_identifiers (id, account_id, subscription_id, kind, value, validity)
OVERRIDING SYSTEM VALUE
SELECT i, i, i, 'e164', '+49151' || lpad(i::text, 7, '0'), '[2026-03-01,)'
FROM generate_series(1, %(n)s) AS i;

SELECT usage_ensure_partitions(ARRAY[TIMESTAMPTZ '2026-03-15']);

INSERT INTO usage_imports (source, format, file, actor, received, accepted)
VALUES ('bench', 'csv', 'seed', 'bench', 30 * %(n)s, 30 * %(n)s);

INSERT INTO usage_records (id, import_id, account_id, subscription_id, usage_identifier_id, source,
                           record_id, service, unit, category, subject, destination,
                           started_at, usage, raw)
SELECT nextval('usage_records_id_seq'), (SELECT max(id) FROM usage_imports), a, a, a, 'bench',
       a || '-' || k,
       s.service, s.unit, s.category, 'ACC' || lpad(a::text, 6, '0'), '4930901820',
       TIMESTAMPTZ '2026-03-01 12:00+00' + (k * interval '1 day'),
       CASE s.service WHEN 'voice' THEN 60 + (a * 7 + k * 131) %% 1800
                      WHEN 'data' THEN 1000000 * (1 + (a + k) %% 900)
                      ELSE 1 END,
       'seed'
FROM generate_series(1, %(n)s) AS a,
     generate_series(0, 9) AS k,
     (VALUES ('voice', 'seconds', 'call'), ('sms', 'events', 'sms'),
             ('data', 'bytes', 'data')) AS s (service, unit, category);
"""


def provider(db: PooledDatabase, actor: str) -> None:
    """The provider's side: the Mobile catalog, the seller ACME Telecom GmbH, VAT rates."""
    CatalogService(db, actor).load(ROOT / "examples" / "catalog" / "mobile.yaml")
    Sellers(db, actor=actor).add(
        {
            "code": "acme-de",
            "legal_name": "ACME Telecom GmbH",
            "address": {
                "line1": "Friedrichstraße 1",
                "postal_code": "10117",
                "city": "Berlin",
                "country": "DE",
            },
            "vat_id": "DE136695976",
            "iban": "DE89370400440532013000",
            "bic": "COBADEFFXXX",
            "series": {"pattern": "INV-{year}-{number}", "width": 7},
        }
    )
    TaxRatesStore(db, actor=actor).load(ROOT / "examples" / "tax" / "vat-rates.json")


def run_script(conn: psycopg.Connection[Any], script: str, accounts: int) -> None:
    """The statements of `script` for `accounts` accounts, then ANALYZE."""
    for statement in script.split(";\n"):
        if statement.strip():
            conn.execute(statement, {"n": accounts})
    conn.execute("ANALYZE")


def invoice_march_and_april(db: PooledDatabase, url: str, actor: str) -> None:
    """The bill runs of 1 March and 1 April, finalized: two invoices per account."""
    runs = BillRuns(db, actor=actor)
    for day in (dt.date(2026, 3, 1), dt.date(2026, 4, 1)):
        summary = runs.run(day, finalize=True, workers=2)
        if summary.failures:
            raise SystemExit(f"the bill run of {day} failed: {summary.failures[:3]}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def seed(url: str, accounts: int) -> None:
    db = PooledDatabase(url, max_size=2)
    try:
        provider(db, "bench:bill_run")
    finally:
        db.close()
    with psycopg.connect(url, autocommit=True) as conn:
        run_script(conn, SUBSCRIBERS + USAGE, accounts)


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark a monthly bill run.")
    parser.add_argument("-n", "--accounts", type=int, default=None, help="accounts (100,000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--smoke", action="store_true", help="500 accounts, no timing verdict")
    parser.add_argument("--profile", action="store_true", help="profile (runs with 1 worker)")
    args = parser.parse_args()
    accounts = args.accounts or (500 if args.smoke else FULL)
    workers = 1 if args.profile else args.workers

    url, started = fresh_database(DATABASE)
    try:
        begin = time.perf_counter()
        seed(url, accounts)
        db = PooledDatabase(url, max_size=2)
        try:
            runs = BillRuns(db, actor="bench:bill_run")
            first = runs.run(dt.date(2026, 3, 1), finalize=True, workers=workers)
            setup_seconds = time.perf_counter() - begin
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            begin = time.perf_counter()
            summary = runs.run(
                dt.date(2026, 4, 1), finalize=True, workers=workers, batch_size=args.batch_size
            )
            seconds = time.perf_counter() - begin
            if profiler:
                profiler.disable()
            with db.transaction() as conn:
                counts = conn.execute(
                    "SELECT count(*) AS invoices, count(DISTINCT number) AS numbers,"
                    " (SELECT count(*) FROM invoice_lines) AS lines FROM invoices"
                ).fetchone()
        finally:
            db.close()
    finally:
        release(started)

    assert counts is not None
    print(f"accounts:      {accounts:,} (30 usage records each, {30 * accounts:,} in all)")
    print(f"workers:       {workers}, batch size {args.batch_size}")
    print(f"setup:         {setup_seconds:.1f} s (seed + the 1 March run: {first.finalized:,})")
    print(f"invoices:      {summary.drafted:,} drafted, {summary.finalized:,} finalized")
    for t in summary.totals:
        print(f"totals:        {t.status} {t.currency}: {t.invoices:,} invoices, total {t.total}")
    print(f"stored:        {counts['invoices']:,} invoices, {counts['numbers']:,} numbers,"
          f" {counts['lines']:,} lines")  # fmt: skip
    print(f"seconds:       {seconds:.1f} ({accounts / seconds:,.0f} accounts/s)")
    per_100k = seconds * FULL / accounts
    scaled = "" if accounts == FULL else f" (extrapolated from N={accounts:,})"
    print(f"per 100,000:   {per_100k:.1f} s{scaled}, target {TARGET_SECONDS} s,"
          f" floor {FLOOR_SECONDS} s")  # fmt: skip
    print(f"load average:  {os.getloadavg()[0]:.2f} (1 min, after the run)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    complete = (
        summary.failures == ()
        and summary.finalized == accounts
        and counts["invoices"] == counts["numbers"] == 2 * accounts
    )
    if not complete:
        print(f"FAIL: not every account was invoiced once: failures {summary.failures[:5]}")
        return 1
    if args.smoke:
        print("OK (smoke run: every account invoiced once; no timing verdict)")
        return 0
    verdict = (
        "PASS"
        if per_100k <= TARGET_SECONDS
        else "BELOW TARGET (above floor)"
        if per_100k <= FLOOR_SECONDS
        else "FAIL"
    )
    print(verdict)
    return 0 if per_100k <= FLOOR_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
