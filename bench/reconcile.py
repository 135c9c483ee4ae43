"""Benchmark: a camt.053 bank statement imported and matched (issue 6, "Performance").

    python bench/reconcile.py                # 100,000 entries: PASS or FAIL
    python bench/reconcile.py --smoke        # 2,000 entries: checks it runs and adds up
    python bench/reconcile.py -n 20000 --profile

Set up (not timed): N/2 accounts in Germany, each with a Mobile S subscription from 1 March
2026, a SEPA direct-debit mandate (its IBAN known) and two finalized invoices made by the bill
runs of 1 March (11.89) and 1 April (5.94); then a camt.053.001.08 of N entries booked on
10 April, one per invoice, written by the library's statement writer
(`tarifa.reconciliation.statement_writer`), in this mix (by entry number modulo 100):

    0-69   the invoice's RF creditor reference, structured, its exact amount   -> matched
    70-79  the invoice number in the free text ("Rechnung INV-…"), exact       -> matched
    80-83  the RF reference, 2.00 of it                                         -> partially
    84-85  the RF reference, 5.00 more than it (the rest: customer credit)     -> partially
    86-91  no reference, no text to go by (NONREF): the payer's IBAN and amount -> matched
    92-95  a credit naming nothing ("Spende"), from an unknown IBAN            -> unmatched
    96-99  a debit (bank fees)                                                  -> unmatched

Timed: `Reconciliation.import_file(path)`, as `tarifa reconcile import` runs it: reading and
parsing the file, keying, storing and matching every transaction, the payments with their
allocations, credits and ledger entries, the queue. Then, timed apart for information, the
same file imported again (every transaction `already_imported`, nothing paid twice).

Checked afterwards: the counts add up and equal the mix; one payment per applied
transaction; the trial balance is zero; cash equals what the applied credits brought in.
Target ≤ 30 s for 100,000 entries.

Runs in a database of its own, `tarifa_bench_reconcile`, dropped and created fresh every run,
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
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from benchdb import fresh_database, release
from bill_run import SUBSCRIBERS, invoice_march_and_april, provider, run_script
from tarifa.db.connection import PooledDatabase
from tarifa.ledger import Ledger
from tarifa.reconciliation.service import Reconciliation
from tarifa.reconciliation.statement_writer import Booking, Detail, camt

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "tarifa_bench_reconcile"
TARGET_SECONDS = 30
FULL = 100_000

BOOKED = dt.date(2026, 4, 10)
#: Where the unknown payers send from (a valid IBAN no customer has).
STRANGER = "DE02100100109307118603"

INVOICES = """
SELECT i.account_id, i.number, i.creditor_reference, i.total, m.iban
FROM invoices i JOIN payment_methods m ON m.account_id = i.account_id
WHERE i.status = 'finalized'
ORDER BY i.issue_date, i.account_id
"""

CHECKS = """
SELECT (SELECT count(*) FROM payments) AS payments,
       (SELECT coalesce(sum(amount), 0) FROM payments) AS received,
       (SELECT count(*) FROM reconciliation_transactions) AS stored,
       (SELECT count(*) FROM reconciliation_transactions WHERE status = 'queued') AS queued,
       (SELECT coalesce(sum(amount), 0) FROM reconciliation_transactions
        WHERE status IN ('matched', 'partially_matched')) AS applied,
       (SELECT count(*) FROM invoice_allocations) AS allocations,
       (SELECT count(*) FROM customer_credits WHERE source = 'payment') AS credits
"""


def iban(account: int) -> str:
    """A German IBAN (bank code 37040044) for the account, with its MOD 97 check digits."""
    bban = f"37040044{account:010d}"
    check = 98 - int(bban + "131400") % 97
    return f"DE{check:02d}{bban}"


def seed(url: str, accounts: int) -> None:
    """The catalog, seller and VAT rates, the accounts with their mandates, two invoices each."""
    db = PooledDatabase(url, max_size=2)
    try:
        provider(db, "bench:reconcile")
        with psycopg.connect(url, autocommit=True) as conn:
            run_script(conn, SUBSCRIBERS, accounts)
            with conn.cursor().copy(
                "COPY payment_methods (account_id, kind, is_default, iban, bic, mandate_id,"
                " mandate_signed_on, sequence) FROM STDIN"
            ) as copy:
                for a in range(1, accounts + 1):
                    copy.write_row((a, "sepa_debit", True, iban(a), "COBADEFFXXX",
                                    f"BENCH-M-{a:07d}", dt.date(2026, 2, 1), "FRST"))  # fmt: skip
        invoice_march_and_april(db, url, "bench:reconcile")
    finally:
        db.close()


def _entry(i: int, invoice: dict[str, Any]) -> tuple[Booking, str]:
    """Entry `i` of the statement for `invoice`, and the outcome it should have."""
    kind = i % 100
    total: Decimal = invoice["total"]
    rf, number = str(invoice["creditor_reference"]), str(invoice["number"])
    reference = f"BNK{i:09d}"
    if kind < 70:
        detail = Detail(creditor_reference=rf, payer_iban=invoice["iban"])
        return Booking(amount=str(total), reference=reference, details=(detail,)), "matched"
    if kind < 80:
        text = f"Rechnung {number} Kundennr ACC{invoice['account_id']:06d}"
        return Booking(amount=str(total), reference=reference,
                       details=(Detail(text=text),)), "matched"  # fmt: skip
    if kind < 86:
        amount = Decimal("2.00") if kind < 84 else total + Decimal("5.00")
        return Booking(amount=str(amount), reference=reference,
                       details=(Detail(creditor_reference=rf),)), "partially_matched"  # fmt: skip
    if kind < 92:
        detail = Detail(payer_iban=invoice["iban"], text="Handy")
        return Booking(amount=str(total), details=(detail,)), "matched"
    if kind < 96:
        detail = Detail(payer_iban=STRANGER, text="Spende")
        amount = Decimal(7 + i % 50) + Decimal("0.50")
        return Booking(amount=str(amount), reference=reference, details=(detail,)), "unmatched"
    detail = Detail(text="Kontoführungsgebühr")
    return Booking(amount="4.90", credit=False, reference=reference,
                   details=(detail,)), "unmatched"  # fmt: skip


def statement(url: str, entries: int) -> tuple[bytes, Counter[str]]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        invoices = conn.execute(INVOICES).fetchall()
    bookings, expected = [], Counter[str]()
    for i in range(entries):
        booking, outcome = _entry(i, invoices[i % len(invoices)])
        bookings.append(booking)
        expected[outcome] += 1
    return camt(bookings, booked=BOOKED), expected


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark a camt.053 import and its matching.")
    parser.add_argument("-n", "--entries", type=int, default=None, help="entries (100,000)")
    parser.add_argument("--smoke", action="store_true", help="2,000 entries, no verdict")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed import")
    args = parser.parse_args()
    entries = args.entries or (2_000 if args.smoke else FULL)
    accounts = (entries + 1) // 2

    url, started = fresh_database(DATABASE)
    try:
        begin = time.perf_counter()
        seed(url, accounts)
        data, expected = statement(url, entries)
        setup_seconds = time.perf_counter() - begin
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "camt053-bench.xml"
            path.write_bytes(data)
            db = PooledDatabase(url, max_size=2)
            try:
                reconciliation = Reconciliation(db, actor="bench:reconcile")
                profiler = cProfile.Profile() if args.profile else None
                if profiler:
                    profiler.enable()
                begin = time.perf_counter()
                report = reconciliation.import_file(path)
                seconds = time.perf_counter() - begin
                if profiler:
                    profiler.disable()
                begin = time.perf_counter()
                again = reconciliation.import_file(path)
                again_seconds = time.perf_counter() - begin
                with db.transaction() as conn:
                    counts = conn.execute(CHECKS).fetchone()
                trial = Ledger(db, actor="bench:reconcile").trial_balance()
            finally:
                db.close()
    finally:
        release(started)

    assert counts is not None
    debits = sum((r.debit for r in trial), Decimal(0))
    credits = sum((r.credit for r in trial), Decimal(0))
    cash = sum((r.balance for r in trial if r.kind == "cash"), Decimal(0))
    got = report.counts()
    print(f"accounts:      {accounts:,} (2 finalized invoices each, a SEPA mandate each)")
    print(f"setup:         {setup_seconds:.1f} s (seed, bill runs, the statement:"
          f" {len(data) / 1e6:.1f} MB)")  # fmt: skip
    print(f"entries:       {entries:,}")
    print(f"counts:        {got}")
    print(f"expected:      {dict(sorted(expected.items()))}")
    print(f"stored:        {counts['stored']:,} transactions, {counts['queued']:,} queued;"
          f" {counts['payments']:,} payments, {counts['allocations']:,} allocations,"
          f" {counts['credits']:,} credits")  # fmt: skip
    print(f"ledger:        trial balance debits {debits}, credits {credits},"
          f" difference {debits - credits}; cash {cash} (applied {counts['applied']})")  # fmt: skip
    print(f"again:         {again.counts()['already_imported']:,} already imported,"
          f" {again_seconds:.1f} s")  # fmt: skip
    print(f"seconds:       {seconds:.1f} ({entries / seconds:,.0f} entries/s),"
          f" target {TARGET_SECONDS} s for {FULL:,}")  # fmt: skip
    print(f"load average:  {os.getloadavg()[0]:.2f} (1 min, after the run)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    applied = got["matched"] + got["partially_matched"]
    adds_up = (
        got["entries"] == got["transactions"] == entries
        and all(got[k] == expected[k] for k in ("matched", "partially_matched", "unmatched"))
        and got["already_imported"] == got["skipped"] == 0
        and again.counts()["already_imported"] == entries
        and counts["stored"] == entries
        and counts["payments"] == applied
        and counts["queued"] == got["unmatched"]
        and debits == credits
        and cash == counts["received"] == counts["applied"]
    )
    if not adds_up:
        print("FAIL: the counts or the ledger do not add up")
        return 1
    if args.smoke:
        print("OK (smoke run: counts and ledger add up; no timing verdict)")
        return 0
    per_full = seconds * FULL / entries
    scaled = "" if entries == FULL else f" (extrapolated from N={entries:,})"
    print(f"per 100,000:   {per_full:.1f} s{scaled}")
    verdict = "PASS" if per_full <= TARGET_SECONDS else "FAIL: above target"
    print(verdict)
    return 0 if per_full <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
