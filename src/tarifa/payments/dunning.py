"""Dunning runs (`tarifa dunning run`; DOMAIN.md "Payments").

For every finalized invoice with something left to pay past its due date (less what open
line disputes hold back; an invoice with an open chargeback waits for its end), the steps of
its account's schedule reached by the days it is overdue are taken once each (an event per
invoice and day, kept with a unique key, so running again the same day does nothing):

- a **reminder**: a notice e-mail (the first reminder, then the second);
- a **retry**: the due invoices are charged again to the accounts' cards through the gateway,
  when one is given (a collection run);
- the **suspension** of the account's running subscriptions from the run's day, with a notice;
- a **write-off** of what is left of the invoice (ledger: write-offs +, receivable -), with a
  notice; the account's subscriptions stay suspended (a person decides what becomes of them).

A run that comes late takes only the latest step reached and records the earlier ones as
passed over. When an account suspended by dunning has nothing overdue any more (and nothing
was written off since), its subscriptions are resumed.

**The schedule** of an account is its plans' (:func:`tarifa.payments.dunning_schedule.
strictest` when its subscriptions are on several plans that carry one), else the
installation's (TARIFA_DUNNING_SCHEDULE, default :data:`tarifa.catalog.dunning.DEFAULT`); a
schedule given to the run overrides both.

**Notices** are sent after the steps (:mod:`tarifa.payments.dunning_mail`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.documents.mail import SmtpSettings
from tarifa.ledger import post
from tarifa.payments.collection import collect
from tarifa.payments.dunning_mail import send_notices
from tarifa.payments.dunning_schedule import (
    DEFAULT,
    Action,
    Step,
    notice_for,
    parse_schedule,
    steps_due,
    strictest,
)
from tarifa.payments.gateway import PaymentGateway
from tarifa.subscriptions.service import Subscriptions
from tarifa.subscriptions.timeline import State

_SQL = queries.load("payments")


@dataclass(slots=True, kw_only=True)
class DunningReport:
    overdue: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    passed_over: int = 0
    suspended: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)
    #: Invoices written off, and the amounts.
    written_off: list[tuple[str, Decimal]] = field(default_factory=list)
    #: Notices sent, not sendable now (no SMTP server configured, or it failed: they wait
    #: for the next run), cancelled (paid meanwhile) or without an address.
    mail: Counter[str] = field(default_factory=Counter)


def run_dunning(
    db: Database,
    *,
    on: dt.date,
    actor: str,
    gateway: PaymentGateway | None = None,
    schedule: str | None = None,
    smtp: SmtpSettings | None = None,
    templates: Path | None = None,
) -> DunningReport:
    """One dunning run for the day `on`. Notices go out through `smtp` (None: nothing is
    sent, the notices wait), their templates overridden from `templates`."""
    given = parse_schedule(schedule) if schedule else None
    default = parse_schedule(
        os.environ.get("TARIFA_DUNNING_SCHEDULE") or DEFAULT, field="TARIFA_DUNNING_SCHEDULE"
    )
    report = DunningReport()
    subscriptions = Subscriptions(db, actor=actor)
    with db.transaction() as conn:
        overdue = queries.rows(conn, _SQL["overdue"], {"on": on})
        accounts = sorted({int(i["account_id"]) for i in overdue})
        plans = queries.rows(conn, _SQL["plan_schedules"], {"on": on, "accounts": accounts})
    schedules = _account_schedules(plans)
    retry = False
    suspend: set[int] = set()
    for invoice in overdue:
        report.overdue += 1
        steps = given or schedules.get(int(invoice["account_id"])) or default
        days = (on - invoice["due_date"]).days
        due, act = steps_due(steps, days, set(invoice["done"]))
        if act is None:
            continue
        with db.transaction() as conn:
            for step in due:
                taken = step is act
                made = _event(conn, invoice, step, taken=taken, days=days, on=on, actor=actor)
                if made is None:
                    continue  # another run took it
                if not taken:
                    report.passed_over += 1
                    continue
                report.actions[step.action.value] += 1
                if step.action is Action.RETRY:
                    retry = True
                elif step.action is Action.SUSPEND:
                    suspend.add(int(invoice["account_id"]))
                elif step.action is Action.WRITE_OFF:
                    amount = _write_off(conn, int(invoice["id"]), made, actor=actor)
                    report.written_off.append((str(invoice["number"]), amount))
    for account_id in sorted(suspend):
        report.suspended.extend(_suspend(db, subscriptions, account_id, on=on))
    if retry and gateway is not None:
        collect(db, gateway, on=on, actor=actor)
    report.mail.update(send_notices(db, on=on, actor=actor, smtp=smtp, templates=templates))
    _resume(db, subscriptions, on=on, actor=actor, report=report, overdue=overdue)
    return report


def _account_schedules(plans: list[dict[str, Any]]) -> dict[int, tuple[Step, ...]]:
    """Each account's schedule from its plans' (the strictest); none: the default."""
    by_account: dict[int, list[tuple[str, tuple[Step, ...]]]] = {}
    for row in plans:
        if row["dunning"] is not None:
            steps = parse_schedule(str(row["dunning"]), field=f"plan {row['code']}")
            by_account.setdefault(int(row["account_id"]), []).append((str(row["code"]), steps))
    chosen = {account: strictest(found) for account, found in by_account.items()}
    return {account: steps for account, steps in chosen.items() if steps is not None}


def _event(
    conn: Connection,
    invoice: dict[str, Any],
    step: Step,
    *,
    taken: bool,
    days: int,
    on: dt.date,
    actor: str,
) -> int | None:
    """Record a step for the invoice (its notice `pending`); None if it was recorded before."""
    notice = notice_for(step.action, int(invoice["reminded"])) if taken else None
    made: dict[str, Any] | None = conn.execute(
        _SQL["insert_dunning_event"],
        {
            "invoice_id": invoice["id"],
            "account_id": invoice["account_id"],
            "day": step.day,
            "action": step.action.value,
            "taken": taken,
            "detail": json.dumps({"days_overdue": days, "balance": str(invoice["balance"])}),
            "on": on,
            "actor": actor,
            "notice": notice,
        },
    ).fetchone()
    return None if made is None else int(made["id"])


def _write_off(conn: Connection, invoice_id: int, event_id: int, *, actor: str) -> Decimal:
    """Write off what is left of the invoice (less what open disputes hold back), under its
    lock, with its ledger entry and an audit row; returns the amount."""
    left = queries.one(conn, _SQL["left_to_write_off"], {"id": invoice_id})
    amount = Decimal(left["amount"])
    if amount <= 0:
        return Decimal(0)
    conn.execute(
        _SQL["insert_write_off"],
        {"invoice_id": invoice_id, "amount": amount, "reference": "dunning", "actor": actor},
    )
    post(conn, [invoice_id], actor=actor)
    conn.execute(_SQL["note_written_off"], {"id": event_id, "amount": str(amount)})
    record(
        conn,
        actor=actor,
        action="invoice.written_off",
        entity_type="invoice",
        entity_id=invoice_id,
        data={"number": left["number"], "amount": amount, "currency": left["currency"]},
    )
    return amount


def _suspend(
    db: Database, subscriptions: Subscriptions, account_id: int, *, on: dt.date
) -> list[int]:
    suspended = [
        sub.id
        for sub in subscriptions.of_account(account_id)
        if (segment := sub.timeline.on(on)) is not None and segment.state is not State.SUSPENDED
    ]
    for sub_id in suspended:
        subscriptions.suspend(sub_id, on=on)
    with db.transaction() as conn:
        conn.execute(
            _SQL["note_suspension"],
            {"account_id": account_id, "subscriptions": json.dumps(suspended), "on": on},
        )
    return suspended


def _resume(
    db: Database,
    subscriptions: Subscriptions,
    *,
    on: dt.date,
    actor: str,
    report: DunningReport,
    overdue: list[dict[str, Any]],
) -> None:
    """Resume what dunning suspended on accounts with nothing overdue any more."""
    still = {int(i["account_id"]) for i in overdue}
    with db.transaction() as conn:
        rows = queries.rows(conn, _SQL["suspended_by_dunning"])
    stopped: dict[int, set[int]] = {}
    for row in rows:
        stopped.setdefault(int(row["account_id"]), set()).update(
            int(s) for s in row["detail"].get("subscriptions", [])
        )
    for account_id, sub_ids in sorted(stopped.items()):
        if account_id in still:
            continue
        resumed = []
        for sub_id in sorted(sub_ids):
            sub = subscriptions.get(sub_id)
            segment = sub.timeline.on(on)
            if segment is not None and segment.state is State.SUSPENDED:
                subscriptions.resume(sub.id, on=on)
                resumed.append(sub.id)
        with db.transaction() as conn:
            conn.execute(
                _SQL["insert_dunning_event"],
                {"invoice_id": None, "account_id": account_id, "day": 0, "action": "resume",
                 "taken": True, "detail": json.dumps({"subscriptions": resumed}), "on": on,
                 "actor": actor, "notice": None},
            )  # fmt: skip
        report.resumed.extend(resumed)


__all__ = ["DunningReport", "run_dunning"]
