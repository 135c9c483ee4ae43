"""Benchmark: the REST API under load (issue 7, "Performance").

    python bench/api_load.py              # 10,000 accounts, 60 s of reads, 300,000 usage records
    python bench/api_load.py --smoke      # 200 accounts, 5 s, 3,000 records: it runs, counts add up

Set up (not timed): the bill-run benchmark's accounts (each with a Mobile S subscription, its
number bound, March usage) and their finalized 1 March invoices, in a database of its own
(`tarifa_bench_api`, fresh every run); an API key with billing:read and usage:write; then
`tarifa serve --workers 2` on it, with the rate limiter on (a limit far above the load, so its
cost is in the figures).

Timed:
1. reads: wrk (a C load generator, 2 threads, 16 connections: --connections) asks for
   customers and invoices at random (`GET /api/v1/customers/{id}`, `GET /api/v1/invoices/{id}`,
   half each): requests per second and p99 latency. Target ≥ 1,000 requests/s with p99 ≤ 100 ms.
2. usage batches: two client threads POST batches of 10,000 new records (April calls of the
   seeded numbers) to `/api/v1/usage/batches`: records per second stored. Target ≥ 50,000/s.

CPU is reported apart: the server's processes (uvicorn and its workers), the load generator
(wrk, or this script's client threads), and the rest of the machine (mostly PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from benchdb import fresh_database, release
from bill_run import seed  # the same accounts, set up the same way
from tarifa.api.keys import ApiKeys
from tarifa.bill_runs import BillRuns
from tarifa.db.connection import PooledDatabase

READS_TARGET, P99_TARGET_MS, RECORDS_TARGET = 1_000, 100.0, 50_000
BATCH = 10_000
TICKS = os.sysconf("SC_CLK_TCK")

WRK_SCRIPT = """
math.randomseed(os.time())
local token = "%(token)s"
local accounts = %(accounts)d
local invoices = %(invoices)d
wrk.headers["Authorization"] = "Bearer " .. token
request = function()
  if math.random() < 0.5 then
    return wrk.format("GET", string.format("/api/v1/customers/ACC%%06d", math.random(accounts)))
  end
  return wrk.format("GET", string.format("/api/v1/invoices/%%d", math.random(invoices)))
end
"""


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if children.exists():
        for child in children.read_text().split():
            found.extend(_tree(int(child)))
    return found


def _machine_busy() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS  # all but idle and iowait


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {"TARIFA_DATABASE_URL": url, "TARIFA_API_RATE_LIMIT": "100000000"}
    server = subprocess.Popen(
        [sys.executable, "-m", "tarifa", "serve", "--port", str(port), "--workers", "2"],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                time.sleep(1.0)  # both workers up
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("tarifa serve did not start")


def _reads(
    base: str, token: str, accounts: int, seconds: int, connections: int
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"token": token, "accounts": accounts, "invoices": accounts})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, base],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.unlink(script.name)
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": rate,
        "p99_ms": float(p99.group(1)) * scale,
        "non_2xx": float(errors.group(1)) if errors else 0.0,
        "wrk_cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    }


def _records(first: int, count: int, accounts: int) -> list[dict[str, str]]:
    return [
        {"id": f"api-{n}", "account": f"+49151{(n % accounts) + 1:07d}",
         "start": f"2026-04-{(n % 28) + 1:02d}T10:00:00+00:00", "usage": str(30 + n % 600),
         "service": "voice", "unit": "seconds", "destination": "4930901820"}
        for n in range(first, first + count)
    ]  # fmt: skip


def _batches(base: str, token: str, accounts: int, total: int) -> dict[str, float]:
    bodies = [
        json.dumps({"source": "bench", "records": _records(i, min(BATCH, total - i), accounts)})
        for i in range(0, total, BATCH)
    ]
    counts = {"accepted": 0, "received": 0, "duplicates": 0, "quarantined": 0}
    lock = threading.Lock()
    start_cpu = time.process_time()

    def post(mine: list[str]) -> None:
        with httpx.Client(base_url=base, timeout=300,
                          headers={"Authorization": f"Bearer {token}",
                                   "Content-Type": "application/json"}) as client:  # fmt: skip
            for body in mine:
                answer = client.post("/api/v1/usage/batches", content=body)
                answer.raise_for_status()
                with lock:
                    for k in counts:
                        counts[k] += answer.json()[k]

    threads = [threading.Thread(target=post, args=(bodies[i::2],)) for i in range(2)]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - begin
    return {**counts, "seconds": seconds, "client_cpu": time.process_time() - start_cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark the REST API under load.")
    parser.add_argument("-n", "--accounts", type=int, default=None, help="accounts (10,000)")
    parser.add_argument("--seconds", type=int, default=None, help="seconds of reads (60)")
    parser.add_argument("--records", type=int, default=None, help="usage records (300,000)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--smoke", action="store_true", help="a small run, no timing verdict")
    args = parser.parse_args()
    accounts = args.accounts or (200 if args.smoke else 10_000)
    seconds = args.seconds or (5 if args.smoke else 60)
    records = args.records or (3_000 if args.smoke else 300_000)

    url, started = fresh_database("tarifa_bench_api")
    server = None
    try:
        seed(url, accounts)
        db = PooledDatabase(url, max_size=2)
        try:
            first = BillRuns(db, actor="bench:api").run(dt.date(2026, 3, 1), finalize=True)
            _key, token = ApiKeys(db, actor="bench:api").create(
                "bench", ["billing:read", "usage:write"]
            )
        finally:
            db.close()
        port = 20000 + secrets.randbelow(20000)
        server = _serve(url, port)
        base = f"http://127.0.0.1:{port}"
        pids = _tree(server.pid)
        cpu0, busy0 = _cpu_seconds(pids), _machine_busy()
        reads = _reads(base, token, accounts, seconds, args.connections)
        cpu1, busy1 = _cpu_seconds(_tree(server.pid)), _machine_busy()
        batches = _batches(base, token, accounts, records)
        cpu2, busy2 = _cpu_seconds(_tree(server.pid)), _machine_busy()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        release(started)

    per_record = batches["accepted"] / batches["seconds"]
    print(f"accounts:        {accounts:,} ({first.finalized:,} invoices finalized)")
    print(f"server:          tarifa serve --workers 2, rate limiter on; load average "
          f"{os.getloadavg()[0]:.2f} (1 min, at the end)")  # fmt: skip
    print(f"reads:           {seconds} s, wrk 2 threads {args.connections} connections: "
          f"{reads['rate']:,.0f} "
          f"requests/s (target {READS_TARGET:,}), p99 {reads['p99_ms']:.1f} ms "
          f"(target {P99_TARGET_MS:.0f}), non-2xx {reads['non_2xx']:.0f}")  # fmt: skip
    rest = busy1 - busy0 - (cpu1 - cpu0) - reads["wrk_cpu"]
    print(f"  CPU seconds:   server {cpu1 - cpu0:.1f}, wrk {reads['wrk_cpu']:.1f}, rest of the "
          f"machine (PostgreSQL) {rest:.1f}")  # fmt: skip
    print(f"usage batches:   {records:,} records in batches of {BATCH:,}, 2 client threads: "
          f"{batches['accepted']:,.0f} accepted of {batches['received']:,.0f} in "
          f"{batches['seconds']:.1f} s = {per_record:,.0f} records/s "
          f"(target {RECORDS_TARGET:,})")  # fmt: skip
    print(f"  CPU seconds:   server {cpu2 - cpu1:.1f}, client {batches['client_cpu']:.1f}, rest "
          f"{busy2 - busy1 - (cpu2 - cpu1) - batches['client_cpu']:.1f}")  # fmt: skip
    complete = batches["accepted"] == records and reads["non_2xx"] == 0
    if not complete:
        print(f"FAIL: records lost or refused, or reads answered non-2xx: {batches}, {reads}")
        return 1
    if args.smoke:
        print("OK (smoke run: every read answered, every record stored; no timing verdict)")
        return 0
    verdicts = {
        "reads": reads["rate"] >= READS_TARGET and reads["p99_ms"] <= P99_TARGET_MS,
        "usage batches": per_record >= RECORDS_TARGET,
    }
    for name, ok in verdicts.items():
        print(f"{name}: {'PASS' if ok else 'BELOW TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
