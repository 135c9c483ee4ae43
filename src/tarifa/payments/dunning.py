"""Dunning runs (`tarifa dunning run`; DOMAIN.md "Payments").

For every finalized invoice with something left to pay past its due date, the schedule's
steps reached by the days it is overdue are taken once each (an event per invoice and day,
kept with a unique key, so running again the same day does nothing): a **reminder** (recorded
for the e-mail or letter that goes out), a **retry** (the invoice is charged again to the
account's default card through the gateway, when one is given), the **suspension** of the
account's running subscriptions from the run's day. A run that comes late takes only the
latest step reached and records the earlier ones as passed over. When an account suspended by
dunning has nothing overdue any more, its subscriptions are resumed.

The schedule is one per installation for now (TARIFA_DUNNING_SCHEDULE, default
:data:`tarifa.payments.dunning_schedule.DEFAULT`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tarifa.db import queries
from tarifa.db.connection import Database
from tarifa.payments.collection import collect
from tarifa.payments.dunning_schedule import DEFAULT, Action, parse_schedule, steps_due
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


def run_dunning(
    db: Database,
    *,
    on: dt.date,
    actor: str,
    gateway: PaymentGateway | None = None,
    schedule: str | None = None,
) -> DunningReport:
    steps = parse_schedule(schedule or os.environ.get("TARIFA_DUNNING_SCHEDULE") or DEFAULT)
    report = DunningReport()
    subscriptions = Subscriptions(db, actor=actor)
    retry = False
    with db.transaction() as conn:
        overdue: list[dict[str, Any]] = conn.execute(_SQL["overdue"], {"on": on}).fetchall()
    suspend: set[int] = set()
    for invoice in overdue:
        report.overdue += 1
        days = (on - invoice["due_date"]).days
        due, act = steps_due(steps, days, set(invoice["done"]))
        if act is None:
            continue
        with db.transaction() as conn:
            for step in due:
                taken = step is act
                made = conn.execute(
                    _SQL["insert_dunning_event"],
                    {
                        "invoice_id": invoice["id"],
                        "account_id": invoice["account_id"],
                        "day": step.day,
                        "action": step.action.value,
                        "taken": taken,
                        "detail": json.dumps(
                            {"days_overdue": days, "balance": str(invoice["balance"])}
                        ),
                        "on": on,
                        "actor": actor,
                    },
                ).fetchone()
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
    for account_id in sorted(suspend):
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
        report.suspended.extend(suspended)
    if retry and gateway is not None:
        collect(db, gateway, on=on, actor=actor)
    _resume(db, subscriptions, on=on, actor=actor, report=report, overdue=overdue)
    return report


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
        rows: list[dict[str, Any]] = conn.execute(_SQL["suspended_by_dunning"]).fetchall()
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
                 "actor": actor},
            )  # fmt: skip
        report.resumed.extend(resumed)


__all__ = ["DunningReport", "run_dunning"]
