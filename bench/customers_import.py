"""Benchmark: import N customers from CSV with the real importer (target ≥ 20,000/s).

    python bench/customers_import.py            # N = 100,000: PASS or FAIL against the target
    python bench/customers_import.py --smoke    # N = 2,000: checks it runs and counts add up
    python bench/customers_import.py -n 500000 --profile

The CSV is generated first (examples/make_customers.py, fixed seed: realistic customers in 15
countries with phone numbers, SIP users, account codes, EU VAT numbers and corporate parents)
into a temporary folder; only the import is timed: reading, validating every row, COPY into
staging, the set-based inserts, the audit row and the commit.

The import runs in a database of its own, `tarifa_bench`, dropped and created fresh on every
run: on the server named by TARIFA_DATABASE_URL if set, else on an embedded server in
`.tarifa-bench/` (never the demo's or the tests'), which is stopped again if this run started it.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pstats
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from benchdb import fresh_database, release
from tarifa.customers.importer import bulk_mode
from tarifa.customers.service import Customers
from tarifa.db.connection import PooledDatabase

ROOT = Path(__file__).resolve().parent.parent
TARGET_PER_SECOND = 20_000
DATABASE = "tarifa_bench"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_customers", ROOT / "examples" /
                                                  "make_customers.py")  # fmt: skip
    if spec is None or spec.loader is None:
        raise SystemExit("examples/make_customers.py is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark the customers CSV import.")
    parser.add_argument("-n", "--count", type=int, default=None, help="customers (100,000)")
    parser.add_argument("--smoke", action="store_true", help="2,000 customers, no timing verdict")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import")
    args = parser.parse_args()
    count = args.count or (2_000 if args.smoke else 100_000)

    make_customers = _generator()
    url, started = fresh_database(DATABASE)
    try:
        with tempfile.TemporaryDirectory(prefix="tarifa-bench-") as folder:
            path = Path(folder) / "customers.csv"
            make_customers.write_csv(path, make_customers.generate(count))
            db = PooledDatabase(url, max_size=1)
            try:
                customers = Customers(db, actor="bench:customers_import")
                profiler = cProfile.Profile() if args.profile else None
                start = time.perf_counter()
                if profiler:
                    profiler.enable()
                # As `tarifa customers import` runs it: the process tuned for the bulk job.
                with bulk_mode():
                    report = customers.import_csv(path)
                if profiler:
                    profiler.disable()
                seconds = time.perf_counter() - start
            finally:
                db.close()
    finally:
        release(started)

    rate = count / seconds
    adds_up = report.received == report.accepted + report.unchanged + report.rejected
    print(f"customers:     {count:,}")
    print(f"seconds:       {seconds:.2f}")
    print(f"customers/s:   {rate:,.0f}")
    print(f"target:        {TARGET_PER_SECOND:,}/s")
    print(f"report:        received {report.received:,}, accepted {report.accepted:,},"
          f" unchanged {report.unchanged:,}, rejected {report.rejected:,}")  # fmt: skip
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if not adds_up or report.accepted != count:
        print("FAIL: the counts do not add up or good rows were not accepted")
        for rejection in report.rejections[:10]:
            print(f"  line {rejection.line}: {rejection.errors}")
        return 1
    if args.smoke:
        print("OK (smoke run: counts add up; no timing verdict)")
        return 0
    verdict = "PASS" if rate >= TARGET_PER_SECOND else "FAIL"
    print(verdict)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
