"""One batch of a bill run: a few hundred accounts invoiced in one transaction.

Under per-account locks (the accounts' rows, taken in id order), for every account: its
billing dates on or before the run's date that have no finalized invoice
(:mod:`tarifa.billing.schedule`), each drafted or recomputed from the subscriptions' history,
their usage of the period (one statement per kind for the whole batch) and the fees billed
already; VAT decided at the tax point (the last day the invoice covers); then the drafts
whose billing date is past the grace period finalized with a block of the seller's numbers.
Lines go in with COPY; one audit row stands for the batch.

An account whose invoices cannot be computed (a plan missing from the catalog, no VAT rate
for its country...) fails alone with its reason; when writing the batch fails, each account
is written again on its own, inside a savepoint, so one bad account never stops the others.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from tarifa.audit import record
from tarifa.billing.cycles import Cycle, Period, day_start
from tarifa.billing.draft import DraftLine, LineKind, late_usage_lines
from tarifa.billing.fees import FeeLine
from tarifa.billing.schedule import arrears_period, billing_dates, lines_at, period_index
from tarifa.billing.taxes import (
    TaxDecision,
    TaxedLine,
    TaxParty,
    TaxRates,
    TaxTotals,
    decide,
    tax_totals,
)
from tarifa.billing.usage_lines import rated_allowances
from tarifa.billing.usage_totals import Totals, Window, usage_totals
from tarifa.catalog.model import Catalog, ChargeKind
from tarifa.customers.model import Customer, CustomerKind
from tarifa.customers.records import customer_from_row
from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.errors import TarifaError
from tarifa.ledger import post
from tarifa.money import Money, RoundingPolicy
from tarifa.sellers.model import Seller, creditor_reference
from tarifa.subscriptions.service import Subscription, cycle_for
from tarifa.subscriptions.timeline import Change, ChangeKind, timeline

_SQL = queries.load("bill_runs")
_INVOICES = queries.load("invoices")
#: How far back a bill run looks for usage that arrived after its period's invoice was final.
LATE_USAGE_DAYS = 100
_FEE_KINDS = {LineKind.RECURRING.value: ChargeKind.RECURRING, "one_time": ChargeKind.ONE_TIME}


@dataclass(frozen=True, slots=True, kw_only=True)
class RunContext:
    """What every batch of one run shares."""

    as_of: dt.date
    seller: Seller
    catalog: Catalog
    rates: TaxRates
    #: Drafts of billing dates on or before this day are finalized.
    finalize_through: dt.date | None
    actor: str
    run_id: int | None = None
    rounding: RoundingPolicy = field(default_factory=RoundingPolicy)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedInvoice:
    account_id: int
    billing_date: dt.date
    currency: str
    period: Period
    lines: tuple[DraftLine, ...]
    decision: TaxDecision
    totals: TaxTotals


@dataclass(slots=True, kw_only=True)
class Outcome:
    """What became of one account in the batch."""

    account_id: int
    invoices: list[PlannedInvoice] = field(default_factory=list)
    #: Its drafts that owe nothing any more (deleted when written).
    stale: list[int] = field(default_factory=list)
    failure: str | None = None
    payment_terms_days: int = 0
    drafted: int = 0
    finalized: int = 0
    invoice_ids: list[int] = field(default_factory=list)


def bill_batch(
    conn: Connection, ctx: RunContext, account_ids: Sequence[int], *, write: bool = True
) -> list[Outcome]:
    """Invoice `account_ids` in the caller's transaction (nothing written when not `write`:
    a dry run, which takes no locks either)."""
    ids = sorted(set(account_ids))
    if write:
        conn.execute(_SQL["lock_accounts"], {"ids": ids})
    outcomes = _plan(conn, ctx, ids)
    if not write:
        return outcomes
    ready = [o for o in outcomes if o.failure is None]
    try:
        with conn.transaction():
            _write(conn, ctx, ready)
    except (psycopg.Error, TarifaError):
        for outcome in ready:
            outcome.invoice_ids.clear()
            outcome.drafted = outcome.finalized = 0
            try:
                with conn.transaction():
                    _write(conn, ctx, [outcome])
            except (psycopg.Error, TarifaError) as err:
                outcome.failure = _reason(err)
    _audit(conn, ctx, outcomes)
    return outcomes


# -- planning ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Account:
    customer: Customer
    subscriptions: list[tuple[Subscription, Cycle]]
    finalized: set[dt.date]
    drafts: dict[dt.date, int]
    #: billing date -> the subscriptions invoiced on it
    dates: dict[dt.date, list[tuple[Subscription, Cycle]]]


def _plan(conn: Connection, ctx: RunContext, ids: list[int]) -> list[Outcome]:
    accounts, outcomes = _load(conn, ctx, ids)
    late, billed_usage = _late(conn, accounts)
    windows: list[Window] = []
    at: dict[tuple[int, Period], int] = {}
    since = ctx.as_of
    for account_id, account in list(accounts.items()):
        try:
            made = _windows(ctx, account, late)
        except (TarifaError, KeyError, ValueError, ArithmeticError) as err:
            outcomes[account_id].failure = _reason(err)
            del accounts[account_id]
            continue
        for sub_id, period, window in made:
            since = min(since, period.start)
            at[(sub_id, period)] = len(windows)
            windows.append(window)
    usage = _UsageOf(ctx.catalog, usage_totals(conn, windows), at)
    billed = _billed(conn, ids, since, accounts)
    for account_id, account in accounts.items():
        outcome = outcomes[account_id]
        try:
            outcome.invoices = _invoices(ctx, account, usage, billed, late, billed_usage)
        except (TarifaError, KeyError, ValueError, ArithmeticError) as err:
            outcome.failure = _reason(err)
            continue
        planned = {i.billing_date for i in outcome.invoices}
        outcome.stale = [i for day, i in account.drafts.items() if day not in planned]
    return [outcomes[i] for i in ids]


def _windows(
    ctx: RunContext, account: _Account, late: dict[int, list[Period]]
) -> list[tuple[int, Period, Window]]:
    """The usage windows the account's invoices read: each closed period being invoiced and
    each earlier period with late usage, with its tariff charges' allowances."""
    zone = ZoneInfo(account.customer.time_zone)
    asked = [
        (sub, cyc, closed)
        for day, subs in account.dates.items()
        for sub, cyc in subs
        if (closed := arrears_period(cyc, sub.timeline, day)) is not None
    ]
    asked += [(sub, cyc, p) for sub, cyc in account.subscriptions for p in late.get(sub.id, ())]
    return [
        (
            sub.id,
            period,
            Window(
                subscription_id=sub.id,
                start=day_start(period.start, zone),
                end=day_start(period.end, zone),
                currency=account.customer.currency,
                allowances=rated_allowances(
                    history=sub.timeline, catalog=ctx.catalog, cycle=cyc, period=period, zone=zone
                ),
            ),
        )
        for sub, cyc, period in asked
    ]


@dataclass(frozen=True, slots=True)
class _UsageOf:
    """The batch's usage totals, by subscription and period, in each plan's units."""

    catalog: Catalog
    totals: list[Totals]
    at: dict[tuple[int, Period], int]

    def __call__(
        self, sub: Subscription, period: Period | None
    ) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
        inside = sub.timeline.within(period) if period else ()
        if not inside:
            return {}, {}
        assert period is not None
        last = inside[-1]
        version = self.catalog.plan(last.plan).version_on(sub.timeline.plan_since(last.start))
        return self.totals[self.at[(sub.id, period)]].for_plan(self.catalog, version)


def _late(
    conn: Connection, accounts: dict[int, _Account]
) -> tuple[dict[int, list[Period]], dict[tuple[int, Period], dict[str, tuple[Decimal, Decimal]]]]:
    """Periods invoiced on finalized invoices with usage stored or rated since (per
    subscription), and what those invoices billed for their usage (per charge: quantity and
    precise amount)."""
    subs, before, zones = [], [], []
    for account in accounts.values():
        for sub, _ in account.subscriptions:
            days = [day for day, on in account.dates.items() if any(s.id == sub.id for s, _ in on)]
            if days:
                subs.append(sub.id)
                before.append(min(days))
                zones.append(account.customer.time_zone)
    late: dict[int, list[Period]] = defaultdict(list)
    if not subs:
        return late, {}
    params = {"subs": subs, "before": before, "zones": zones, "lookback": LATE_USAGE_DAYS}
    for r in queries.rows(conn, _SQL["late_periods"], params):
        late[int(r["subscription_id"])].append(Period(r["service_start"], r["service_end"]))
    flagged = [(s, p) for s, periods in late.items() for p in periods]
    billed: dict[tuple[int, Period], dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    if flagged:
        params = {
            "subs": [s for s, _ in flagged],
            "starts": [p.start for _, p in flagged],
            "ends": [p.end for _, p in flagged],
        }
        for r in queries.rows(conn, _SQL["billed_usage"], params):
            key = (int(r["subscription_id"]), Period(r["service_start"], r["service_end"]))
            billed[key][str(r["charge"])] = (Decimal(r["quantity"]), Decimal(r["amount"]))
    return late, billed


def _load(
    conn: Connection, ctx: RunContext, ids: list[int]
) -> tuple[dict[int, _Account], dict[int, Outcome]]:
    outcomes = {i: Outcome(account_id=i) for i in ids}
    customers = {
        int(r["id"]): customer_from_row(r)
        for r in queries.rows(conn, _SQL["customers"], {"ids": ids})
    }
    changes: dict[int, list[Change]] = defaultdict(list)
    for c in queries.rows(conn, _SQL["changes"], {"ids": ids}):
        changes[int(c["subscription_id"])].append(
            Change(
                kind=ChangeKind(c["kind"]),
                effective=c["effective"],
                plan=c["plan"],
                quantity=c["quantity"],
                trial_days=int(c["trial_days"]),
            )
        )
    finalized: dict[int, set[dt.date]] = defaultdict(set)
    drafts: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for r in queries.rows(conn, _SQL["invoices"], {"ids": ids}):
        if r["status"] == "draft":
            if r["billing_date"] <= ctx.as_of:
                drafts[int(r["account_id"])][r["billing_date"]] = int(r["id"])
        else:
            finalized[int(r["account_id"])].add(r["billing_date"])
    subscriptions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in queries.rows(conn, _SQL["subscriptions"], {"ids": ids}):
        subscriptions[int(r["account_id"])].append(r)
    accounts: dict[int, _Account] = {}
    for account_id in ids:
        customer = customers.get(account_id)
        if customer is None:
            outcomes[account_id].failure = "no such account"
            continue
        outcomes[account_id].payment_terms_days = customer.payment_terms_days
        try:
            subs = []
            for row in subscriptions[account_id]:
                history = tuple(changes[int(row["id"])])
                sub = Subscription.from_row(row, history, timeline(history))
                subs.append((sub, cycle_for(ctx.catalog, sub, customer)))
            dates: dict[dt.date, list[tuple[Subscription, Cycle]]] = defaultdict(list)
            for sub, cyc in subs:
                for day in billing_dates(cyc, sub.timeline, until=ctx.as_of):
                    if day not in finalized[account_id]:
                        dates[day].append((sub, cyc))
        except (TarifaError, KeyError, ValueError) as err:
            outcomes[account_id].failure = _reason(err)
            continue
        accounts[account_id] = _Account(
            customer=customer,
            subscriptions=subs,
            finalized=finalized[account_id],
            drafts=drafts[account_id],
            dates=dict(sorted(dates.items())),
        )
    return accounts, outcomes


def _billed(
    conn: Connection, ids: list[int], since: dt.date, accounts: dict[int, _Account]
) -> dict[int, list[tuple[dt.date, FeeLine]]]:
    """Fee lines billed already, per subscription, with their billing date (the lines of
    drafts about to be recomputed are left out: they are made again)."""
    recomputed = {
        (a.customer.id, day) for a in accounts.values() for day in a.drafts if day in a.dates
    }
    owner = {sub.id: a.customer.id for a in accounts.values() for sub, _ in a.subscriptions}
    billed: dict[int, list[tuple[dt.date, FeeLine]]] = defaultdict(list)
    for r in queries.rows(conn, _SQL["billed_fees"], {"ids": ids, "since": since}):
        sub_id = r["subscription_id"]
        if sub_id is None or (owner.get(sub_id), r["billing_date"]) in recomputed:
            continue
        if r["full_amount"] is None:
            continue  # billed before fee lines kept their price (nothing to settle against)
        currency = accounts[owner[sub_id]].customer.currency
        amount, full = Decimal(r["amount"]), Decimal(r["full_amount"])
        billed[sub_id].append(
            (
                r["billing_date"],
                FeeLine(
                    subscription_id=sub_id,
                    kind=_FEE_KINDS[r["kind"]],
                    charge=r["charge"],
                    description=r["description"],
                    plan=r["plan"],
                    quantity=int(r["quantity"]),
                    start=r["service_start"],
                    end=r["service_end"],
                    share=Fraction(amount / full) if full else Fraction(0),
                    full=Money.of(full, currency),
                    amount=Money.of(amount, currency),
                ),
            )
        )
    return billed


def _invoices(
    ctx: RunContext,
    account: _Account,
    usage_of: _UsageOf,
    billed: dict[int, list[tuple[dt.date, FeeLine]]],
    late: dict[int, list[Period]],
    billed_usage: dict[tuple[int, Period], dict[str, tuple[Decimal, Decimal]]],
) -> list[PlannedInvoice]:
    customer = account.customer
    zone = ZoneInfo(customer.time_zone)
    party = _party(customer)
    planned = []
    for day, subs in account.dates.items():
        lines: list[DraftLine] = []
        for sub, cyc in subs:
            usage, rated = usage_of(sub, arrears_period(cyc, sub.timeline, day))
            made = lines_at(
                subscription_id=sub.id,
                history=sub.timeline,
                catalog=ctx.catalog,
                cycle=cyc,
                billing_date=day,
                currency=customer.currency,
                zone=zone,
                usage=usage,
                rated=rated,
                billed=[fee for when, fee in billed.get(sub.id, ()) if when < day],
                coupon=ctx.catalog.coupon(sub.coupon) if sub.coupon else None,
                rounding=ctx.rounding,
            )
            billed.setdefault(sub.id, []).extend((day, fee) for fee in _fees(made))
            lines += made
            # Late usage of finalized periods goes on the subscription's next invoice.
            for period in late.pop(sub.id, ()):
                used, costs = usage_of(sub, period)
                lines += late_usage_lines(
                    subscription_id=sub.id,
                    history=sub.timeline,
                    catalog=ctx.catalog,
                    cycle=cyc,
                    period=period,
                    period_index=period_index(cyc, sub.timeline, period),
                    currency=customer.currency,
                    zone=zone,
                    usage=used,
                    rated=costs,
                    billed=billed_usage.get((sub.id, period), {}),
                    rounding=ctx.rounding,
                )
        if not lines:
            continue
        period = Period(min(line.start for line in lines), max(line.end for line in lines))
        decision = decide(
            ctx.rates,
            seller_country=ctx.seller.address.country,
            customer=party,
            tax_point=period.end - dt.timedelta(days=1),
        )
        taxed = [TaxedLine(line.rounded, decision.category, decision.percent) for line in lines]
        planned.append(
            PlannedInvoice(
                account_id=customer.id,
                billing_date=day,
                currency=customer.currency,
                period=period,
                lines=tuple(lines),
                decision=decision,
                totals=tax_totals(taxed, customer.currency, rounding=ctx.rounding),
            )
        )
    return planned


def _fees(lines: Sequence[DraftLine]) -> list[FeeLine]:
    """The fee lines of a new invoice, as a later invoice settles against them."""
    return [
        FeeLine(
            subscription_id=line.subscription_id,
            kind=_FEE_KINDS[line.kind.value],
            charge=str(line.charge),
            description=line.description,
            plan=str(line.plan),
            quantity=int(line.quantity or 0),
            start=line.start,
            end=line.end,
            share=Fraction(line.amount.amount / line.full.amount)
            if line.full.amount
            else Fraction(0),
            full=line.full,
            amount=line.amount,
        )
        for line in lines
        if line.kind.value in _FEE_KINDS and line.full is not None
    ]


def _party(customer: Customer) -> TaxParty:
    return TaxParty(
        country=customer.country,
        business=customer.kind is CustomerKind.BUSINESS,
        # Stored VAT ids passed their country's checksum when the customer was saved.
        vat_id_valid=customer.tax_id is not None,
        postcode=customer.address.postal_code,
        exempt_reason=customer.tax_exempt_reason,
    )


# -- writing ----------------------------------------------------------------------------------


def _write(conn: Connection, ctx: RunContext, outcomes: Sequence[Outcome]) -> None:
    invoices = [i for o in outcomes for i in o.invoices]
    by_key = {o.account_id: o for o in outcomes}
    stale = [i for o in outcomes for i in o.stale]
    if stale:
        conn.execute(_SQL["delete_lines"], {"ids": stale})
        conn.execute(_SQL["delete_drafts"], {"ids": stale})
    if not invoices:
        return
    rows: list[dict[str, Any]] = conn.execute(
        _SQL["upsert_invoices"],
        {
            "seller_id": [ctx.seller.id] * len(invoices),
            "account_id": [i.account_id for i in invoices],
            "currency": [i.currency for i in invoices],
            "billing_date": [i.billing_date for i in invoices],
            "period_start": [i.period.start for i in invoices],
            "period_end": [i.period.end for i in invoices],
            "net": [i.totals.net.amount for i in invoices],
            "tax": [i.totals.tax.amount for i in invoices],
            "total": [i.totals.total.amount for i in invoices],
            "run_id": [ctx.run_id] * len(invoices),
        },
    ).fetchall()
    stored = {(int(r["account_id"]), r["billing_date"]): r for r in rows}
    conn.execute(_SQL["delete_lines"], {"ids": [int(r["id"]) for r in rows]})
    due: list[tuple[dt.date, int, int]] = []
    charge_products = _charge_products(ctx.catalog)
    with conn.cursor().copy(_SQL["copy_lines"]) as copy:
        for invoice in invoices:
            row = stored.get((invoice.account_id, invoice.billing_date))
            if row is None:
                continue  # finalized meanwhile by someone else: left as it is
            invoice_id = int(row["id"])
            outcome = by_key[invoice.account_id]
            outcome.invoice_ids.append(invoice_id)
            outcome.drafted += 1 if row["created"] else 0
            if ctx.finalize_through is not None and invoice.billing_date <= ctx.finalize_through:
                due.append((invoice.billing_date, invoice.account_id, invoice_id))
            decision = invoice.decision
            products = _products(charge_products, invoice.lines)
            for position, line in enumerate(invoice.lines, start=1):
                copy.write_row(
                    (
                        invoice_id,
                        position,
                        line.subscription_id,
                        line.kind.value,
                        line.key,
                        line.description,
                        line.start,
                        line.end,
                        line.quantity,
                        line.amount.amount,
                        line.rounded.amount,
                        decision.category.value,
                        decision.percent,
                        decision.note,
                        line.plan,
                        line.charge,
                        line.full.amount if line.full is not None else None,
                        products.get(line.key),
                    )
                )
    if due:
        _finalize(conn, ctx, sorted(due), by_key)


def _finalize(
    conn: Connection,
    ctx: RunContext,
    due: list[tuple[dt.date, int, int]],
    by_key: dict[int, Outcome],
) -> None:
    """Number `due` (billing date, account, invoice), oldest first, with one block of the
    seller's series; issued on the run's date."""
    issued = ctx.as_of
    numbers = conn.execute(
        _SQL["take_numbers"], {"seller_id": ctx.seller.id, "day": issued, "count": len(due)}
    ).fetchall()
    terms = {o.account_id: o.payment_terms_days for o in by_key.values()}
    formatted = [str(n["formatted"]) for n in numbers]
    conn.execute(
        _SQL["finalize"],
        {
            "issue_date": issued,
            "ids": [invoice_id for _, _, invoice_id in due],
            "numbers": formatted,
            "references": [creditor_reference(f) for f in formatted],
            "due_dates": [issued + dt.timedelta(days=terms[account]) for _, account, _ in due],
        },
    )
    settle_credit(conn, [invoice_id for _, _, invoice_id in due], actor=ctx.actor)
    for _, account, _ in due:
        by_key[account].finalized += 1


def settle_credit(conn: Connection, ids: Sequence[int], *, actor: str) -> None:
    """After finalizing `ids`: those of zero or less give their credit to the customer, the
    customer's credit pays the others as far as it goes (allocations, oldest first), and all
    of it is posted to the ledger."""
    params = {"ids": list(ids), "actor": actor}
    conn.execute(_INVOICES["grant_invoice_credits"], params)
    conn.execute(_INVOICES["apply_customer_credit"], params)
    post(conn, ids, actor=actor)


def _charge_products(catalog: Catalog) -> dict[tuple[str, str], str]:
    """(plan, charge) -> the product its revenue is booked to."""
    return {
        (plan.code, charge.code): charge.product
        for plan in catalog.plans
        for version in plan.versions
        for charge in version.charges
    }


def _products(of: dict[tuple[str, str], str], lines: Sequence[DraftLine]) -> dict[str, str]:
    """The product of each line, by line key: its charge's; a discount's, the product of the
    line it reduces; none for a minimum commitment (booked as "other")."""
    found = {
        line.key: of[(line.plan, line.charge)]
        for line in lines
        if line.plan is not None and line.charge is not None and (line.plan, line.charge) in of
    }
    for line in lines:
        if line.applies_to is not None and line.applies_to in found:
            found[line.key] = found[line.applies_to]
    return found


def _audit(conn: Connection, ctx: RunContext, outcomes: Sequence[Outcome]) -> None:
    invoice_ids = [i for o in outcomes if o.failure is None for i in o.invoice_ids]
    failed = {o.account_id: o.failure for o in outcomes if o.failure is not None}
    record(
        conn,
        actor=ctx.actor,
        action="bill_run.batch",
        entity_type="bill_run",
        entity_id=ctx.run_id,
        data={
            "as_of": ctx.as_of,
            "accounts": [o.account_id for o in outcomes],
            "invoices": invoice_ids,
            "drafted": sum(o.drafted for o in outcomes),
            "finalized": sum(o.finalized for o in outcomes),
            "failed": {str(k): v for k, v in failed.items()},
        },
    )


def _reason(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    if isinstance(err, KeyError):
        text = str(err.args[0]) if err.args else text
    return text[:500]


__all__ = ["Outcome", "PlannedInvoice", "RunContext", "bill_batch", "settle_credit"]
