"""Benchmark: usage intake and batch rating of N synthetic records (issue 4, "Performance").

    python bench/rating.py               # N = 10,000,000: every target, PASS or FAIL
    python bench/rating.py --smoke       # N = 20,000: checks it runs and counts add up
    python bench/rating.py -n 1000000 --sessions 2

Set up (not timed): 100,000 accounts with their phone numbers (COPYed straight into customers
and usage_identifiers), a tariff of 20,000 prefixes in 2,000 destinations (peak, evening,
weekend and default bands; voice 60/1, data per MB, SMS per message) and a CSV file of N
records (70 % calls, 20 % data sessions, 10 % SMS, March 2026 across peak and off-peak hours).

Timed, separately: **intake** (the file read, validated and stored by the usage importer),
**rating** (every stored record rated by `Rating.run()` in one session per core, each
claiming batches with FOR UPDATE SKIP LOCKED) and both together (**end to end**); the peak
memory of this Python process is read at the end. Each figure is printed with its target and
floor; a figure below its floor means issue 4 is not resolved.

Runs in a database of its own, `tarifa_bench_rating`, dropped and created fresh every run, on
the server of TARIFA_DATABASE_URL if set, else on the embedded server in `.tarifa-bench/`
(never the demo's or the tests'), which is stopped again if this run started it.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import resource
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import psycopg

from benchdb import fresh_database, release
from tarifa.db.connection import PooledDatabase
from tarifa.rating import (
    ANY,
    Destination,
    DestinationRate,
    DestinationRates,
    Rate,
    RateGroup,
    RatingPlan,
    RatingPlanEntry,
    RatingProfile,
    RoundingMethod,
    Tariff,
    TimeBand,
)
from tarifa.rating.service import Rating, RunReport
from tarifa.usage import Usage

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "tarifa_bench_rating"
ACCOUNTS = 100_000
COUNTRIES = 200  # x (1 + 10 destinations of 10 prefixes) = 20,200 prefixes
MIB = 1024 * 1024
# (name, target, floor, unit): rates in records/s are "at least", seconds and MiB "at most".
TARGETS = {
    "rating": (500_000, 250_000),
    "intake": (300_000, 150_000),
    "end_to_end_10m_seconds": (60, 120),
    "peak_memory_mib": (1024, 1024),
}


MAPPING = {
    "delimiter": ",",
    "header": True,
    "record_id": {"column": "id"},
    "account": {"column": "msisdn"},
    "account_kind": {"value": "e164"},
    "destination": {"column": "destination"},
    "start": {"column": "start"},
    "usage": {"column": "usage"},
    "service": {"column": "service"},
    "unit": {"column": "unit"},
}


# -- set-up ------------------------------------------------------------------------------------


def country_codes() -> list[str]:
    rnd = random.Random(4)
    codes: set[str] = set()
    while len(codes) < COUNTRIES:
        code = str(rnd.randint(20, 999))
        if not any(code.startswith(c) or c.startswith(code) for c in codes):
            codes.add(code)
    return sorted(codes)


def tariff() -> Tariff:
    """20,200 prefixes: per country its code and 10 destinations of 10 longer prefixes."""
    rnd = random.Random(5)
    destinations, peak, offpeak, weekend = [], [], [], []
    tiers = [Decimal(n) / 1000 for n in range(5, 205, 10)]  # 20 price tiers a minute
    for code in country_codes():
        names = [f"C{code}"] + [f"C{code}_{i}" for i in range(10)]
        prefixes = [(code,)] + [
            tuple(
                sorted(
                    {
                        code + str(rnd.randint(10**k, 10 ** (k + 1) - 1))
                        for k in (1, 2, 2, 3, 3, 3, 4, 4, 4, 4)
                    }
                )
            )
            for _ in range(10)
        ]
        for name, found in zip(names, prefixes, strict=True):
            destinations.append(Destination(code=name, prefixes=found))
            tier = rnd.randrange(len(tiers))
            for group, rate in ((peak, "P"), (offpeak, "O"), (weekend, "W")):
                group.append(
                    DestinationRate(
                        destination=name,
                        rate=f"{rate}{tier}",
                        rounding_method=RoundingMethod.HALF_UP,
                        rounding_decimals=4,
                    )
                )
    rates = []
    for tier, price in enumerate(tiers):
        rates.append(_rate(f"P{tier}", price, ("0", "60", "60"), ("60", "60", "1")))
        rates.append(_rate(f"O{tier}", price / 2, ("0", "60", "60"), ("60", "60", "1")))
        rates.append(_rate(f"W{tier}", price / 4, ("0", "60", "60")))
    rates.append(_rate("DATA_MB", Decimal("0.01"), ("0", "1000000", "1024")))
    rates.append(_rate("SMS", Decimal("0.09"), ("0", "1", "1")))
    every = RoundingMethod.UP
    groups = (
        DestinationRates(code="DR_PEAK", entries=tuple(peak)),
        DestinationRates(code="DR_OFFPEAK", entries=tuple(offpeak)),
        DestinationRates(code="DR_WEEKEND", entries=tuple(weekend)),
        DestinationRates(
            code="DR_DATA",
            entries=(
                DestinationRate(
                    destination=ANY, rate="DATA_MB", rounding_method=every, rounding_decimals=4
                ),
            ),
        ),
        DestinationRates(
            code="DR_SMS",
            entries=(
                DestinationRate(
                    destination=ANY, rate="SMS", rounding_method=every, rounding_decimals=2
                ),
            ),
        ),
    )
    bands = (
        TimeBand(code="PEAK", weekdays=(1, 2, 3, 4, 5), start_time=dt.time(8)),
        TimeBand(code="EVENING", weekdays=(1, 2, 3, 4, 5), start_time=dt.time(18)),
        TimeBand(code="WEEKEND", weekdays=(6, 7)),
    )
    plans = (
        RatingPlan(
            code="VOICE",
            entries=(
                RatingPlanEntry(destination_rates="DR_PEAK", time_band="PEAK", weight=Decimal(20)),
                RatingPlanEntry(
                    destination_rates="DR_OFFPEAK", time_band="EVENING", weight=Decimal(20)
                ),
                RatingPlanEntry(destination_rates="DR_OFFPEAK", time_band=ANY, weight=Decimal(10)),
                RatingPlanEntry(
                    destination_rates="DR_WEEKEND", time_band="WEEKEND", weight=Decimal(30)
                ),
            ),
        ),
        RatingPlan(
            code="DATA",
            entries=(
                RatingPlanEntry(destination_rates="DR_DATA", time_band=ANY, weight=Decimal(10)),
            ),
        ),
        RatingPlan(
            code="SMS",
            entries=(
                RatingPlanEntry(destination_rates="DR_SMS", time_band=ANY, weight=Decimal(10)),
            ),
        ),
    )
    since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    profiles = tuple(
        RatingProfile(
            tenant="default", category=category, subject=ANY, activation=since, rating_plan=plan
        )
        for category, plan in (("call", "VOICE"), ("data", "DATA"), ("sms", "SMS"))
    )
    return Tariff(
        code="BENCH",
        currency="EUR",
        time_zone="Europe/Berlin",
        destinations=tuple(destinations),
        rates=tuple(rates),
        destination_rates=groups,
        time_bands=bands,
        rating_plans=plans,
        profiles=profiles,
    )


def _rate(code: str, price: Decimal, *groups: tuple[str, str, str]) -> Rate:
    return Rate(
        code=code,
        connect_fee=Decimal(0),
        groups=tuple(
            RateGroup(
                interval_start=Decimal(s), price=price, rate_unit=Decimal(u), increment=Decimal(i)
            )
            for s, u, i in groups
        ),
    )


def msisdn(account: int) -> str:
    return f"+49151{account:07d}"


def add_accounts(url: str, accounts: int = ACCOUNTS) -> None:
    """`accounts` accounts and their phone numbers, COPYed 100,000 at a time (the customers
    importer is measured by its own benchmark)."""
    blocks = [range(first, min(first + 100_000, accounts + 1))
              for first in range(1, accounts + 1, 100_000)]  # fmt: skip
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY customers (id, external_id, kind, legal_name, country, currency,"
            " time_zone, billing_cycle_day, locale) FROM STDIN"
        ) as copy:
            for block in blocks:
                copy.write(
                    "".join(
                        f"{i}\tACC{i:07d}\tperson\tAccount {i}\tDE\tEUR\tEurope/Berlin\t1\tde-DE\n"
                        for i in block
                    )
                )
        with cur.copy(
            "COPY usage_identifiers (account_id, kind, value, validity) FROM STDIN"
        ) as copy:
            for block in blocks:
                copy.write("".join(f"{i}\te164\t{msisdn(i)}\t[2020-01-01,)\n" for i in block))


def write_records(path: Path, count: int, accounts: int = ACCOUNTS) -> None:
    """`count` records as CSV (id, msisdn, destination, start, usage, service, unit)."""
    rnd = random.Random(6)
    codes = country_codes()
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC).timestamp()
    month = 31 * 86400
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,msisdn,destination,start,usage,service,unit\n")
        lines = io.StringIO()
        for i in range(count):
            kind = rnd.random()
            start = dt.datetime.fromtimestamp(base + rnd.random() * month, dt.UTC)
            when = start.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            account = msisdn(rnd.randint(1, accounts))
            number = rnd.choice(codes) + str(rnd.randint(10**7, 10**9))
            if kind < 0.7:
                line = f"r{i},{account},{number},{when},{rnd.randint(1, 1200)},voice,seconds\n"
            elif kind < 0.9:
                line = f"r{i},{account},,{when},{rnd.randint(1000, 50_000_000)},data,bytes\n"
            else:
                line = f"r{i},{account},{number},{when},1,sms,events\n"
            lines.write(line)
            if i % 100_000 == 99_999:
                out.write(lines.getvalue())
                lines = io.StringIO()
        out.write(lines.getvalue())


# -- timed parts -------------------------------------------------------------------------------


def rate_in_sessions(url: str, sessions: int) -> list[RunReport]:
    """`sessions` threads, each rating on a connection of its own until nothing is pending."""
    reports: list[RunReport] = []
    failures: list[BaseException] = []

    def one() -> None:
        db = PooledDatabase(url, max_size=1)
        try:
            reports.append(Rating(db, actor="bench:rating").run())
        except BaseException as err:  # reported by the main thread
            failures.append(err)
        finally:
            db.close()

    threads = [threading.Thread(target=one) for _ in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return reports


def verdict(value: float, target: float, floor: float, *, at_least: bool) -> str:
    if (value >= target) if at_least else (value <= target):
        return "PASS"
    if (value >= floor) if at_least else (value <= floor):
        return "FAIL (above the floor)" if at_least else "FAIL (within the floor)"
    return "FAIL (below the floor)" if at_least else "FAIL (beyond the floor)"


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark usage intake and batch rating.")
    parser.add_argument("-n", "--count", type=int, default=None, help="records (10,000,000)")
    parser.add_argument("--smoke", action="store_true", help="20,000 records, no verdict")
    parser.add_argument(
        "--sessions",
        type=int,
        default=os.cpu_count() or 1,
        help="rating sessions at once (one per core)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the Python side")
    parser.add_argument(
        "--accounts",
        type=int,
        default=ACCOUNTS,
        help=f"accounts, one phone number each ({ACCOUNTS:,}, the issue's; more for scaling)",
    )
    args = parser.parse_args()
    count = args.count or (20_000 if args.smoke else 10_000_000)
    url, started = fresh_database(DATABASE)
    try:
        return _run(
            url, count, args.sessions, args.accounts, smoke=args.smoke, profile=args.profile
        )
    finally:
        release(started)


def _run(url: str, count: int, sessions: int, accounts: int, *, smoke: bool, profile: bool) -> int:
    add_accounts(url, accounts)
    db = PooledDatabase(url, max_size=2)
    try:
        Rating(db, actor="bench:rating").save(tariff(), source="bench")
        with tempfile.TemporaryDirectory(prefix="tarifa-bench-") as folder:
            path = Path(folder) / "records.csv"
            write_records(path, count, accounts)
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            begin = time.perf_counter()
            imported = Usage(db, actor="bench:rating").import_file(
                path, format="csv", source="bench", mapping=MAPPING
            )
            intake_seconds = time.perf_counter() - begin
    finally:
        db.close()
    begin = time.perf_counter()
    reports = rate_in_sessions(url, sessions)
    rating_seconds = time.perf_counter() - begin
    if profiler:
        profiler.disable()
    rated = sum(r.rated for r in reports)
    errors = sum(r.errors for r in reports)
    cost = {
        currency: sum((r.costs.get(currency, Decimal(0)) for r in reports), Decimal(0))
        for currency in sorted({c for r in reports for c in r.costs})
    }
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = intake_seconds + rating_seconds
    print(
        f"records:        {count:,} (accepted {imported.accepted:,}, quarantined "
        f"{imported.quarantined:,}, duplicates {imported.duplicates:,})"
    )
    print(f"rated:          {rated:,}, rating errors {errors:,}, cost {cost}")
    print(f"sessions:       {sessions} (batches: {[r.batches for r in reports]})")
    print(f"accounts:       {accounts:,}")
    print(f"load average:   {os.getloadavg()[0]:.2f} (1 min, after the run)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
    accounted = rated + errors == imported.accepted == count
    if not accounted:
        print("FAIL: the counts do not add up (accepted = rated + rating errors = N)")
        return 1
    rows = (
        ("intake", count / intake_seconds, intake_seconds, True),
        ("rating", count / rating_seconds, rating_seconds, True),
    )
    failed = False
    for name, rate, seconds, _ in rows:
        target, floor = TARGETS[name]
        line = f"{name + ':':15} {rate:,.0f} records/s ({seconds:.1f} s), target {target:,}/s,"
        line += f" floor {floor:,}/s"
        print(line if smoke else f"{line}: {verdict(rate, target, floor, at_least=True)}")
        failed |= rate < floor
    per_10m = total * 10_000_000 / count
    target, floor = TARGETS["end_to_end_10m_seconds"]
    extrapolated = "" if count == 10_000_000 else f" (extrapolated from N={count:,})"
    line = f"end to end:     {total:.1f} s for N, {per_10m:.1f} s per 10M{extrapolated},"
    line += f" target {target} s, floor {floor} s"
    print(line if smoke else f"{line}: {verdict(per_10m, target, floor, at_least=False)}")
    target, floor = TARGETS["peak_memory_mib"]
    line = f"peak memory:    {peak_mib:,.0f} MiB (Python process), target {target:,} MiB"
    print(line if smoke else f"{line}: {verdict(peak_mib, target, floor, at_least=False)}")
    if smoke:
        print("OK (smoke run: counts add up; no timing verdict)")
        return 0
    return 1 if failed or per_10m > floor or peak_mib > TARGETS["peak_memory_mib"][1] else 0


if __name__ == "__main__":
    sys.exit(main())
