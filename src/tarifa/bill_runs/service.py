"""Bill runs (`tarifa.connect().bill_runs`, `tarifa bill-run`): every account invoiced for
its billing dates on or before a date, in batches, by one or more workers.

A run is a row of ``bill_runs`` and a work queue of its accounts (``bill_run_accounts``).
Workers claim a batch of pending accounts with ``FOR UPDATE SKIP LOCKED``, invoice them
(:func:`tarifa.bill_runs.batch.bill_batch`) and mark them done or failed in the same
transaction; so a run killed midway is resumed by running it again (the open run with the
same date and options is picked up), nothing is done twice and nothing is skipped. Two runs at
once share the queue when their options match, and otherwise meet at the per-account locks
and the unique key of an invoice (account, billing date).

Drafts are finalized once their billing date is `grace_days` behind the run's date (late
usage still lands on them until then), or at once with `finalize=True`.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tarifa.bill_runs.batch import Outcome, RunContext, bill_batch
from tarifa.catalog import store as catalog_store
from tarifa.db import queries
from tarifa.db.connection import Connection, Database, PooledDatabase
from tarifa.errors import NotFoundError, ValidationError
from tarifa.sellers.model import Seller
from tarifa.sellers.service import Sellers
from tarifa.taxes.service import current_rates

_SQL = queries.load("bill_runs")
DEFAULT_GRACE_DAYS = 3
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class CurrencyTotal:
    status: str
    currency: str
    invoices: int
    net: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountFailure:
    account_id: int
    external_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """What a run did (for a dry run, what it would do; `run_id` is then None)."""

    run_id: int | None
    as_of: dt.date
    seller: str
    dry_run: bool
    accounts: int
    drafted: int
    finalized: int
    totals: tuple[CurrencyTotal, ...]
    failures: tuple[AccountFailure, ...]
    completed: bool


class BillRuns:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def run(
        self,
        as_of: dt.date,
        *,
        seller: str | None = None,
        workers: int = 1,
        finalize: bool = False,
        grace_days: int | None = None,
        dry_run: bool = False,
        batch_size: int = 500,
        progress: Progress | None = None,
    ) -> RunSummary:
        """Invoice every account's billing dates on or before the local date `as_of`.

        `seller`: the seller's code (may be left out when there is only one). `grace_days`:
        default TARIFA_GRACE_DAYS, else 3. A run of the same date and options that did not
        complete is resumed."""
        grace = _grace(grace_days)
        if workers < 1 or batch_size < 1:
            raise ValidationError.single("workers", "workers and batch size must be at least 1")
        issuer = Sellers(self.db, actor=self.actor).issuer(seller)
        if dry_run:
            return self._dry_run(as_of, issuer, finalize, grace, batch_size)
        with self.db.transaction() as conn:
            params = {
                "as_of": as_of,
                "seller_id": issuer.id,
                "finalize": finalize,
                "grace_days": grace,
                "actor": self.actor,
            }
            run = conn.execute(_SQL["open_run"], params).fetchone()
            if run is None:
                run = queries.one(conn, _SQL["insert_run"], params)
            run_id = int(str(run["id"]))
            conn.execute(_SQL["enqueue_accounts"], {"run_id": run_id, "as_of": as_of})
        url = getattr(self.db, "url", None)
        if workers > 1 and url is not None:
            self._in_processes(url, run_id, workers, batch_size, progress)
        else:
            work(self.db, run_id, actor=self.actor, batch_size=batch_size, progress=progress)
        return self.summary(run_id, complete=True)

    def summary(self, run_id: int, *, complete: bool = False) -> RunSummary:
        """A run's figures; with `complete`, a run with no pending account is marked done."""
        with self.db.transaction() as conn:
            run = conn.execute(_SQL["run"], {"run_id": run_id}).fetchone()
            if run is None:
                raise NotFoundError(f"no bill run {run_id}")
            counts = queries.one(conn, _SQL["progress"], {"run_id": run_id})
            if complete and counts["worked"] == counts["accounts"]:
                conn.execute(_SQL["complete"], {"run_id": run_id})
                run = queries.one(conn, _SQL["run"], {"run_id": run_id})
            made = queries.one(conn, _SQL["created"], {"run_id": run_id})
            seller = queries.one(conn, _SQL["seller_code"], {"id": run["seller_id"]})
            return RunSummary(
                run_id=run_id,
                as_of=_date(run["as_of"]),
                seller=str(seller["code"]),
                dry_run=False,
                accounts=int(str(counts["accounts"])),
                drafted=int(str(made["drafted"])),
                finalized=int(str(made["finalized"])),
                totals=tuple(_total(r) for r in conn.execute(_SQL["totals"], {"run_id": run_id})),
                failures=tuple(
                    AccountFailure(
                        account_id=int(str(r["account_id"])),
                        external_id=str(r["external_id"]),
                        reason=str(r["reason"]),
                    )
                    for r in conn.execute(_SQL["failures"], {"run_id": run_id})
                ),
                completed=run["status"] == "completed",
            )

    # -- internals ------------------------------------------------------------------------------

    def _dry_run(
        self, as_of: dt.date, seller: Seller, finalize: bool, grace: int, batch_size: int
    ) -> RunSummary:
        """Plan every account without writing or locking anything (the transaction only
        reads, and is rolled back)."""
        outcomes: list[Outcome] = []
        # force_rollback: even the temporary tables the planning uses are gone afterwards.
        with self.db.transaction() as conn, conn.transaction(force_rollback=True):
            ctx = _context(conn, as_of, seller, finalize, grace, self.actor, None)
            ids = [
                int(str(r["account_id"])) for r in conn.execute(_SQL["eligible"], {"as_of": as_of})
            ]
            for start in range(0, len(ids), batch_size):
                outcomes += bill_batch(conn, ctx, ids[start : start + batch_size], write=False)
        totals: dict[tuple[str, str], CurrencyTotal] = {}
        drafted = finalized = 0
        for outcome in outcomes:
            for invoice in outcome.invoices:
                due = (
                    ctx.finalize_through is not None
                    and invoice.billing_date <= ctx.finalize_through
                )
                status = "finalized" if due else "draft"
                finalized += due
                drafted += 1
                key = (status, invoice.currency)
                was = totals.get(key) or CurrencyTotal(
                    status=status,
                    currency=invoice.currency,
                    invoices=0,
                    net=Decimal(0),
                    tax=Decimal(0),
                    total=Decimal(0),
                )
                totals[key] = CurrencyTotal(
                    status=status,
                    currency=invoice.currency,
                    invoices=was.invoices + 1,
                    net=was.net + invoice.totals.net.amount,
                    tax=was.tax + invoice.totals.tax.amount,
                    total=was.total + invoice.totals.total.amount,
                )
        failures = tuple(
            AccountFailure(account_id=o.account_id, external_id=str(o.account_id), reason=o.failure)
            for o in outcomes
            if o.failure is not None
        )
        return RunSummary(
            run_id=None,
            as_of=as_of,
            seller=seller.code,
            dry_run=True,
            accounts=len(outcomes),
            drafted=drafted,
            finalized=finalized,
            totals=tuple(totals[k] for k in sorted(totals)),
            failures=failures,
            completed=False,
        )

    def _in_processes(
        self, url: str, run_id: int, workers: int, batch_size: int, progress: Progress | None
    ) -> None:
        spawn = multiprocessing.get_context("spawn")
        procs = [
            spawn.Process(target=_worker, args=(url, run_id, self.actor, batch_size), daemon=True)
            for _ in range(workers)
        ]
        for proc in procs:
            proc.start()
        while any(p.is_alive() for p in procs):
            if progress is not None:
                _report(self.db, run_id, progress)
            time.sleep(0.5)
        for proc in procs:
            proc.join()
        if progress is not None:
            _report(self.db, run_id, progress)
        failed = [p.exitcode for p in procs if p.exitcode != 0]
        if failed:
            raise RuntimeError(f"{len(failed)} bill-run worker(s) died (exit codes {failed})")


def work(
    db: Database,
    run_id: int,
    *,
    actor: str,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> int:
    """Work a run's queue until no pending account is left; returns the accounts worked."""
    with db.transaction() as conn:
        run = conn.execute(_SQL["run"], {"run_id": run_id}).fetchone()
        if run is None:
            raise NotFoundError(f"no bill run {run_id}")
        code = str(queries.one(conn, _SQL["seller_code"], {"id": run["seller_id"]})["code"])
    seller = Sellers(db, actor=actor).get(code)
    with db.transaction() as conn:
        ctx = _context(
            conn,
            _date(run["as_of"]),
            seller,
            bool(run["finalize"]),
            int(str(run["grace_days"])),
            actor,
            run_id,
        )
    worked = 0
    while True:
        with db.transaction() as conn:
            claimed = [
                int(str(r["account_id"]))
                for r in conn.execute(_SQL["claim"], {"run_id": run_id, "size": batch_size})
            ]
            if not claimed:
                break
            outcomes = bill_batch(conn, ctx, claimed)
            conn.execute(
                _SQL["mark_accounts"],
                {
                    "run_id": run_id,
                    "ids": [o.account_id for o in outcomes],
                    "statuses": ["failed" if o.failure else "done" for o in outcomes],
                    "reasons": [o.failure for o in outcomes],
                    "drafted": [o.drafted for o in outcomes],
                    "finalized": [o.finalized for o in outcomes],
                },
            )
        worked += len(claimed)
        if progress is not None:
            _report(db, run_id, progress)
    return worked


def _worker(url: str, run_id: int, actor: str, batch_size: int) -> None:
    db = PooledDatabase(url, max_size=1)
    try:
        work(db, run_id, actor=actor, batch_size=batch_size)
    finally:
        db.close()


def _context(
    conn: Connection,
    as_of: dt.date,
    seller: Seller,
    finalize: bool,
    grace: int,
    actor: str,
    run_id: int | None,
) -> RunContext:
    return RunContext(
        as_of=as_of,
        seller=seller,
        catalog=catalog_store.stored_catalog(conn),
        rates=current_rates(conn),
        finalize_through=as_of if finalize else as_of - dt.timedelta(days=grace),
        actor=actor,
        run_id=run_id,
    )


def _report(db: Database, run_id: int, progress: Progress) -> None:
    with db.transaction() as conn:
        counts = queries.one(conn, _SQL["progress"], {"run_id": run_id})
    progress(int(str(counts["worked"])), int(str(counts["accounts"])))


def _grace(days: int | None) -> int:
    if days is None:
        raw = os.environ.get("TARIFA_GRACE_DAYS", str(DEFAULT_GRACE_DAYS))
        try:
            days = int(raw)
        except ValueError:
            raise ValidationError.single(
                "TARIFA_GRACE_DAYS", f"must be a whole number of days, not {raw!r}"
            ) from None
    if days < 0:
        raise ValidationError.single("grace_days", "must not be negative")
    return days


def _total(row: dict[str, Any]) -> CurrencyTotal:
    return CurrencyTotal(
        status=str(row["status"]),
        currency=str(row["currency"]),
        invoices=int(row["invoices"]),
        net=row["net"],
        tax=row["tax"],
        total=row["total"],
    )


def _date(value: object) -> dt.date:
    assert isinstance(value, dt.date)
    return value


__all__ = [
    "DEFAULT_GRACE_DAYS",
    "AccountFailure",
    "BillRuns",
    "CurrencyTotal",
    "RunSummary",
    "work",
]
