"""Benchmark: invoice documents (targets: bulk PDF ≥ 50 invoices/s, floor 20; one invoice
on demand ≤ 300 ms).

    python bench/render.py            # N = 300 invoices: PASS or FAIL against the targets
    python bench/render.py --smoke    # N = 10: checks it runs and every file is a PDF

Setup (not timed): a fresh `tarifa_bench` database in `.tarifa-bench/` (never the demo's or
the tests'), the example seller, one German consumer on Mobile S billed for N months: N
finalized one-page invoices (fee, usage lines). Timed, as the service runs
them: `Documents.render_many(ids, folder, ["pdf"])` (load each invoice, its seller and
customer and its usage from PostgreSQL, build the document, render, write the file), then
one invoice on demand `Documents.render(number, "pdf")`: the first call in the process
(fonts and locale data still to load) and the median of 20 more; and, for information, one
Factur-X file (PDF + CII XML + XSD check + PDF/A output intent).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchdb import fresh_database, release
from tarifa.db.connection import PooledDatabase
from tarifa.facade import Billing

ROOT = Path(__file__).resolve().parent.parent
TARGET_PER_SECOND = 50
FLOOR_PER_SECOND = 20
TARGET_SINGLE_MS = 300
DATABASE = "tarifa_bench"


def _invoices(billing: Billing, count: int) -> list[int]:
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.customers.create(
        {
            "external_id": "BENCH",
            "kind": "person",
            "legal_name": "Erika Mustermann",
            "emails": "erika@example.org",
            "address_line1": "Marienplatz 1",
            "postal_code": "80331",
            "city": "München",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.taxes.load(ROOT / "examples" / "tax" / "vat-rates.json")
    # One Mobile S subscription billed `count` months: an invoice per billing date (the
    # first with the fee and the activation, then March's usage lines and the next fee).
    billing.subscriptions.create("BENCH", "mobile-s", dt.date(2026, 3, 1))
    months = count - 1
    last = dt.date(2026 + (2 + months) // 12, (2 + months) % 12 + 1, 1)
    drafted = billing.invoices.bill("BENCH", on=last)
    return [billing.invoices.finalize(i.id, issue_date=i.billing_date).id for i in drafted]


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark invoice documents.")
    parser.add_argument("-n", "--count", type=int, default=None, help="invoices (300)")
    parser.add_argument("--smoke", action="store_true", help="10 invoices, no timing verdict")
    args = parser.parse_args()
    count = args.count or (10 if args.smoke else 300)
    url, started = fresh_database(DATABASE)
    try:
        db = PooledDatabase(url, max_size=2)
        try:
            billing = Billing(db, actor="bench:render")
            ids = _invoices(billing, count)
            number = billing.invoices.get(ids[0]).number or ""
            documents = billing.documents
            start = time.perf_counter()
            first = documents.render(number, "pdf")
            cold_ms = (time.perf_counter() - start) * 1000
            warm = []
            for _ in range(20):
                start = time.perf_counter()
                documents.render(number, "pdf")
                warm.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            facturx = documents.render(number, "facturx")
            facturx_ms = (time.perf_counter() - start) * 1000
            with tempfile.TemporaryDirectory(prefix="tarifa-bench-") as folder:
                start = time.perf_counter()
                written = documents.render_many(ids, Path(folder), ["pdf"])
                seconds = time.perf_counter() - start
                pdfs = all(p.read_bytes().startswith(b"%PDF") for p in written)
        finally:
            db.close()
    finally:
        release(started)

    rate = count / seconds
    single_ms = statistics.median(warm)
    print(f"invoices:            {count:,} (one page each: fee and usage lines)")
    print(f"bulk PDF seconds:    {seconds:.2f}")
    print(f"bulk PDF invoices/s: {rate:,.1f}  (target ≥ {TARGET_PER_SECOND},"
          f" floor {FLOOR_PER_SECOND})")  # fmt: skip
    print(f"one PDF on demand:   first {cold_ms:.0f} ms, then median {single_ms:.0f} ms"
          f"  (target ≤ {TARGET_SINGLE_MS} ms)")  # fmt: skip
    print(f"one Factur-X:        {facturx_ms:.0f} ms ({len(facturx):,} bytes; PDF {len(first):,})")
    if not pdfs or len(written) != count:
        print("FAIL: not every invoice was written as a PDF")
        return 1
    if args.smoke:
        print("OK (smoke run: every invoice rendered; no timing verdict)")
        return 0
    passed = rate >= TARGET_PER_SECOND and max(cold_ms, single_ms) <= TARGET_SINGLE_MS
    if passed:
        print("PASS")
        return 0
    above_floor = rate >= FLOOR_PER_SECOND and max(cold_ms, single_ms) <= TARGET_SINGLE_MS
    print("FAIL (above the floor of 20/s)" if above_floor else "FAIL")
    return 1


if __name__ == "__main__":
    sys.exit(main())
