"""Benchmark: payments received, allocated and posted to the ledger (issue 6, "Performance").

    python bench/payments.py                 # 100,000 payments, 2 sessions: PASS or FAIL
    python bench/payments.py --smoke         # 1,000 payments: checks it runs and adds up
    python bench/payments.py --sessions 1    # one session only
    python bench/payments.py -n 5000 --one-by-one    # the per-payment API, for comparison

Set up (not timed): N accounts in Germany, each with a Mobile S subscription from 1 March
2026 and two finalized invoices made by the bill runs of 1 March (11.89, the fee in advance
and the activation) and 1 April (5.94); the usage charges have no records, so the bill runs
are quick.

Timed: N bank-transfer payments, one per account, received through
`Payments.receive_many` in batches of `--batch-size` (one database transaction each), fed by
`--sessions` database sessions at once (threads, each with every other batch: as separate
feeds, a bank's and a gateway's, would book; default 2, one per core), or one by one through
`Payments.receive` with `--one-by-one`: each payment resolved to its account
and its named invoice, checked, stored, spread over the invoices (the named one, else the
oldest open ones; the rest kept as customer credit), with its allocations' and its credit's
ledger entries. The mix: 50 % pay March's invoice exactly, naming its number; 15 % pay it
naming its RF reference as banks print it (lower case, in groups of four); 15 % pay both
without naming one; 10 % pay part of April's invoice, naming it; 10 % pay more than both
(the rest becomes credit). Every payment carries an idempotency key.

Checked afterwards (not timed): N payments stored; what they brought in equals what they
allocated plus the credit they left; the trial balance is zero per currency; the ledger's
cash account holds what was received; journal entries = invoices + allocations + credits.
Target ≥ 5,000 payments/s, floor 1,000 payments/s.

Runs in a database of its own, `tarifa_bench_payments`, dropped and created fresh every run,
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
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from benchdb import fresh_database, release
from bill_run import SUBSCRIBERS, invoice_march_and_april, provider, run_script
from tarifa.db.connection import PooledDatabase
from tarifa.ledger import Ledger
from tarifa.payments import PaymentIn, Payments

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "tarifa_bench_payments"
TARGET, FLOOR = 5_000, 1_000
FULL = 100_000

INVOICES = """
SELECT account_id, number, creditor_reference, total
FROM invoices WHERE status = 'finalized' ORDER BY account_id, issue_date, id
"""

CHECKS = """
SELECT (SELECT count(*) FROM payments) AS payments,
       (SELECT coalesce(sum(amount), 0) FROM payments) AS received,
       (SELECT count(*) FROM invoice_allocations) AS allocations,
       (SELECT coalesce(sum(amount), 0) FROM invoice_allocations) AS allocated,
       (SELECT count(*) FROM customer_credits WHERE source = 'payment') AS credits,
       (SELECT coalesce(sum(amount), 0) FROM customer_credits WHERE source = 'payment')
           AS credit,
       (SELECT count(*) FROM invoices WHERE status = 'finalized') AS invoices,
       (SELECT count(*) FROM journal_entries) AS entries,
       (SELECT count(*) FROM invoices i JOIN invoice_balances b ON b.invoice_id = i.id
        WHERE i.status = 'finalized' AND b.balance = 0) AS paid
"""


def seed(url: str, accounts: int) -> None:
    """The catalog, seller and VAT rates, N accounts and their two invoices each."""
    db = PooledDatabase(url, max_size=2)
    try:
        provider(db, "bench:payments")
        with psycopg.connect(url, autocommit=True) as conn:
            run_script(conn, SUBSCRIBERS, accounts)
        invoice_march_and_april(db, url, "bench:payments")
    finally:
        db.close()


def _rf_as_printed(reference: str) -> str:
    """ "RF94INV2026000001" as a payer types it: "rf94 inv2 0260 0000 1"."""
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4)).lower()


def payments_to_make(url: str) -> list[PaymentIn]:
    """One payment per account, in the mix the module's docstring gives."""
    by_account: dict[int, list[dict[str, Any]]] = {}
    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
        for row in conn.execute(INVOICES):
            by_account.setdefault(int(row["account_id"]), []).append(row)
    made = []
    for account, (march, april) in sorted(by_account.items()):
        kind = account % 20
        if kind < 10:
            amount, invoice = march["total"], march["number"]
        elif kind < 13:
            amount, invoice = march["total"], _rf_as_printed(march["creditor_reference"])
        elif kind < 16:
            amount, invoice = march["total"] + april["total"], None
        elif kind < 18:
            amount, invoice = Decimal("2.00"), april["number"]
        else:
            amount, invoice = march["total"] + april["total"] + Decimal("10.00"), None
        made.append(
            PaymentIn(
                account=account,
                amount=amount,
                invoice=invoice,
                reference=f"Kundennr ACC{account:06d}",
                received_on=dt.date(2026, 4, 10),
                idempotency_key=f"bench:transfer:{account}",
            )
        )
    return made


def receive(
    db: PooledDatabase, todo: list[PaymentIn], *, one_by_one: bool, batch: int, sessions: int
) -> int:
    """Book `todo`, one by one or in batches; with several sessions, each takes its share of
    the accounts (every `sessions`-th batch), as separate feeds would."""
    payments = Payments(db, actor="bench:payments")
    if one_by_one:
        for p in todo:
            payments.receive(
                p.account,
                p.amount,
                invoice=p.invoice,
                reference=p.reference,
                received_on=p.received_on,
                idempotency_key=p.idempotency_key,
            )
        return len(todo)
    batches = [todo[start : start + batch] for start in range(0, len(todo), batch)]

    def feed(share: list[list[PaymentIn]]) -> int:
        return sum(len(payments.receive_many(b)) for b in share)

    if sessions == 1:
        return feed(batches)
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        shares = [batches[i::sessions] for i in range(sessions)]
        return sum(pool.map(feed, shares))


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark payments received.")
    parser.add_argument("-n", "--payments", type=int, default=None, help="payments (100,000)")
    parser.add_argument("--batch-size", type=int, default=2_000)
    parser.add_argument("--sessions", type=int, default=2, help="database sessions (2)")
    parser.add_argument("--one-by-one", action="store_true", help="Payments.receive per payment")
    parser.add_argument("--smoke", action="store_true", help="1,000 payments, no verdict")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed part")
    args = parser.parse_args()
    n = args.payments or (1_000 if args.smoke else FULL)

    url, started = fresh_database(DATABASE)
    try:
        begin = time.perf_counter()
        seed(url, n)
        todo = payments_to_make(url)
        setup_seconds = time.perf_counter() - begin
        db = PooledDatabase(url, max_size=max(2, args.sessions))
        try:
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            begin = time.perf_counter()
            done = receive(db, todo, one_by_one=args.one_by_one, batch=args.batch_size,
                           sessions=1 if args.one_by_one else args.sessions)  # fmt: skip
            seconds = time.perf_counter() - begin
            if profiler:
                profiler.disable()
            with db.transaction() as conn:
                counts = conn.execute(CHECKS).fetchone()
            trial = Ledger(db, actor="bench:payments").trial_balance()
        finally:
            db.close()
    finally:
        release(started)

    assert counts is not None
    rate = n / seconds
    debits = sum((r.debit for r in trial), Decimal(0))
    credits = sum((r.credit for r in trial), Decimal(0))
    cash = sum((r.balance for r in trial if r.kind == "cash"), Decimal(0))
    wanted = sum((p.amount for p in todo), Decimal(0))
    mode = "one by one (Payments.receive)" if args.one_by_one else (
        f"receive_many, batches of {args.batch_size:,}, {args.sessions} session(s)"
    )  # fmt: skip
    print(f"accounts:      {n:,} (2 finalized invoices each: {counts['invoices']:,})")
    print(f"setup:         {setup_seconds:.1f} s (seed and the bill runs of 1 March and 1 April)")
    print(f"mode:          {mode}")
    print(f"payments:      {done:,} made, {counts['payments']:,} stored,"
          f" received {counts['received']} (asked {wanted})")  # fmt: skip
    print(f"allocations:   {counts['allocations']:,} ({counts['allocated']}),"
          f" credits {counts['credits']:,} ({counts['credit']});"
          f" invoices paid {counts['paid']:,}")  # fmt: skip
    print(f"ledger:        {counts['entries']:,} entries; trial balance debits {debits},"
          f" credits {credits}, difference {debits - credits}; cash {cash}")  # fmt: skip
    print(f"seconds:       {seconds:.2f}")
    print(f"rate:          {rate:,.0f} payments/s, target {TARGET:,}/s, floor {FLOOR:,}/s")
    print(f"load average:  {os.getloadavg()[0]:.2f} (1 min, after the run)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    adds_up = (
        done == counts["payments"] == n
        and counts["received"] == wanted == counts["allocated"] + counts["credit"]
        and debits == credits
        and cash == wanted
        and counts["entries"] == counts["invoices"] + counts["allocations"] + counts["credits"]
    )
    if not adds_up:
        print("FAIL: the counts or the ledger do not add up")
        return 1
    if args.smoke:
        print("OK (smoke run: counts and ledger add up; no timing verdict)")
        return 0
    verdict = (
        "PASS" if rate >= TARGET else "BELOW TARGET (above floor)" if rate >= FLOOR else "FAIL"
    )
    print(verdict)
    return 0 if rate >= FLOOR else 1


if __name__ == "__main__":
    sys.exit(main())
