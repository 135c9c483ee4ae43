"""Measurement: intake and rating of parts of sessions (docs/rating.md, "Parts of sessions").

    python bench/usage_parts.py             # 50,000 sessions in 4 parts: 200,000 records
    python bench/usage_parts.py --smoke     # 500 sessions: checks it runs and counts add up

Issue 4 sets no target for parts; this prints what they cost next to bench/rating.py's whole
records. Set up (not timed) as bench/rating.py does, in its database (dropped and created
fresh): its 100,000 accounts and its tariff. Then two files of `--sessions` sessions in four
parts each: calls cut hourly (delta counters: each part up to an hour, so a session of up to
four hours, often across a band change) and data sessions in interim updates (cumulative
counters). Each file is timed imported, imported again (every part a duplicate) and rated
(one `Rating.run()`). The counts must add up: every part accepted, then every part a
duplicate, then every part rated.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import rating as deck  # bench/rating.py: its accounts, tariff and database
from benchdb import fresh_database, release
from tarifa.db.connection import PooledDatabase
from tarifa.rating.service import Rating
from tarifa.usage import Usage

MAPPING = {
    "delimiter": ";",
    "header": False,
    "session": {"column": 1},
    "sequence": {"column": 2},
    "account": {"column": 3},
    "account_kind": {"value": "e164"},
    "start": {"column": 4},
    "usage": {"column": 5},
    "service": {"column": 6},
    "destination": {"column": 7, "default": ""},
}
PARTS = 4


def write_sessions(path: Path, sessions: int, counters: str) -> None:
    """`sessions` sessions of PARTS parts each, one account and destination per session."""
    rnd = random.Random(1)
    codes = deck.country_codes()
    with path.open("w") as out:
        for session in range(sessions):
            account = deck.msisdn(rnd.randrange(1, deck.ACCOUNTS + 1))
            number = rnd.choice(codes) + f"{rnd.randrange(10**7):07d}"
            counter = 0
            for sequence in range(1, PARTS + 1):
                start = f"2026-03-02T{7 + sequence:02d}:{session % 60:02d}:00Z"
                if counters == "delta":
                    seconds = rnd.randrange(1, 3601)
                    line = f"{session};{sequence};{account};{start};{seconds};voice;{number}"
                else:
                    counter += rnd.randrange(1, 10**6)
                    line = f"{session};{sequence};{account};{start};{counter};data;"
                out.write(line + "\n")


def measure(db: PooledDatabase, path: Path, counters: str, records: int) -> bool:
    mapping = {**MAPPING, "counters": counters}
    usage = Usage(db, actor="bench:usage_parts")
    figures = []
    begin = time.perf_counter()
    first = usage.import_file(path, format="csv", source=counters, mapping=mapping)
    figures.append(("imported", time.perf_counter() - begin))
    begin = time.perf_counter()
    again = usage.import_file(path, format="csv", source=counters, mapping=mapping)
    figures.append(("imported again", time.perf_counter() - begin))
    begin = time.perf_counter()
    run = Rating(db, actor="bench:usage_parts").run()
    figures.append(("rated", time.perf_counter() - begin))
    for what, seconds in figures:
        rate = records / seconds
        print(f"{counters:10} {what + ':':15} {rate:9,.0f} records/s ({seconds:.1f} s)")
    accounted = first.accepted == again.duplicates == run.rated == records
    if not accounted:
        print(f"FAIL: the counts do not add up: {first}, {again}, rated {run.rated}")
    return accounted


def main() -> int:
    parser = argparse.ArgumentParser(description="Measure intake and rating of parts.")
    parser.add_argument("--sessions", type=int, default=None, help="sessions (50,000)")
    parser.add_argument("--smoke", action="store_true", help="500 sessions")
    args = parser.parse_args()
    sessions = args.sessions or (500 if args.smoke else 50_000)
    url, started = fresh_database(deck.DATABASE)
    try:
        deck.add_accounts(url)
        db = PooledDatabase(url, max_size=2)
        try:
            Rating(db, actor="bench:usage_parts").save(deck.tariff(), source="bench")
            print(f"sessions:  {sessions:,} in {PARTS} parts ({sessions * PARTS:,} records)")
            ok = True
            with tempfile.TemporaryDirectory(prefix="tarifa-bench-") as folder:
                for counters in ("delta", "cumulative"):
                    path = Path(folder) / f"{counters}.csv"
                    write_sessions(path, sessions, counters)
                    ok &= measure(db, path, counters, sessions * PARTS)
        finally:
            db.close()
    finally:
        release(started)
    if ok and args.smoke:
        print("OK (smoke run: counts add up; no timing verdict)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
