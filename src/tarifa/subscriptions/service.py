"""The subscriptions service (`tarifa.connect().subscriptions`).

Every change is appended to the subscription's history in one transaction with one audit row,
after the whole history with the new change has been checked (:func:`timeline`): a change
that could not have happened (resuming what runs, anything after a cancellation, a date
before an earlier change) is refused and nothing is written. Changes "at period end" take
the end of the billing period that holds the day they are asked on, in the account's time
zone (:mod:`tarifa.billing.cycles`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from tarifa.audit import record
from tarifa.billing.cycles import Alignment, Cycle, cycle
from tarifa.catalog import store as catalog_store
from tarifa.catalog.model import Catalog, PlanVersion
from tarifa.customers.model import Customer, CustomerStatus, UsageIdentifier
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from tarifa.subscriptions.timeline import Change, ChangeKind, Timeline, timeline

_SQL = queries.load("subscriptions")


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    id: int
    account_id: int
    external_id: str | None
    alignment: Alignment
    started_on: dt.date
    coupon: str | None
    version: int
    changes: tuple[Change, ...]
    timeline: Timeline

    @classmethod
    def from_row(
        cls, row: Mapping[str, Any], changes: tuple[Change, ...], history: Timeline
    ) -> Subscription:
        return cls(
            id=int(row["id"]),
            account_id=int(row["account_id"]),
            external_id=row["external_id"],
            alignment=Alignment(row["alignment"]),
            started_on=row["started_on"],
            coupon=row["coupon"],
            version=int(row["version"]),
            changes=changes,
            timeline=history,
        )


class Subscriptions:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def create(
        self,
        account: int | str,
        plan: str,
        start: dt.date,
        *,
        quantity: int = 1,
        alignment: Alignment | str = Alignment.BILLING_CYCLE_DAY,
        coupon: str | None = None,
        external_id: str | None = None,
    ) -> Subscription:
        """Subscribe `account` (its id, or its external id) to `plan` from local date
        `start`. The plan must have a version in force on `start` sold in the account's
        currency; its trial days apply. ValidationError lists every problem."""
        customer = self._customer(account)
        with self.db.transaction() as conn:
            catalog = catalog_store.stored_catalog(conn)
            problems: list[FieldError] = []
            version = _version(catalog, plan, start, customer, problems)
            try:
                aligned = Alignment(alignment)
            except ValueError:
                problems.append(FieldError("alignment", "must be billing_cycle_day or anniversary"))
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                problems.append(FieldError("quantity", "must be a whole number of at least 1"))
            if customer.status is CustomerStatus.CLOSED:
                problems.append(FieldError("account", "is closed"))
            if coupon is not None:
                _check_coupon(conn, catalog, coupon, start, problems)
            if problems:
                raise ValidationError(problems)
            assert version is not None
            first = Change(
                kind=ChangeKind.CREATED,
                effective=start,
                plan=plan,
                quantity=quantity,
                trial_days=version.trial_days,
            )
            timeline([first])
            try:
                with conn.transaction():
                    row = queries.one(
                        conn,
                        _SQL["insert_subscription"],
                        {
                            "account_id": customer.id,
                            "external_id": external_id,
                            "alignment": aligned.value,
                            "started_on": start,
                            "coupon": coupon,
                        },
                    )
            except psycopg.errors.UniqueViolation:
                raise ConflictError(f"a subscription {external_id!r} exists") from None
            subscription_id = int(row["id"])
            self._append(conn, subscription_id, 0, first)
            record(
                conn,
                actor=self.actor,
                action="subscription.created",
                entity_type="subscription",
                entity_id=subscription_id,
                data={
                    "account_id": customer.id,
                    "plan": plan,
                    "start": start,
                    "quantity": quantity,
                    "alignment": aligned.value,
                    "coupon": coupon,
                    "trial_days": version.trial_days,
                },
            )
            return self._load(conn, subscription_id)

    def change_plan(
        self,
        subscription_id: int,
        plan: str,
        *,
        on: dt.date | None = None,
        at_period_end: bool = False,
        expected_version: int | None = None,
    ) -> Subscription:
        """Move to `plan` from `on` (default: today in the account's time zone), or from the
        end of the billing period that holds that day. Every change may name the version it
        was based on (`expected_version`, an ETag): StaleVersionError if another came first."""
        return self._change(
            subscription_id,
            ChangeKind.PLAN_CHANGED,
            on,
            at_period_end,
            plan=plan,
            expected_version=expected_version,
        )

    def change_quantity(
        self,
        subscription_id: int,
        quantity: int,
        *,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Subscription:
        return self._change(
            subscription_id,
            ChangeKind.QUANTITY_CHANGED,
            on,
            False,
            quantity=quantity,
            expected_version=expected_version,
        )

    def suspend(
        self,
        subscription_id: int,
        *,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Subscription:
        return self._change(
            subscription_id, ChangeKind.SUSPENDED, on, False, expected_version=expected_version
        )

    def resume(
        self,
        subscription_id: int,
        *,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Subscription:
        return self._change(
            subscription_id, ChangeKind.RESUMED, on, False, expected_version=expected_version
        )

    def cancel(
        self,
        subscription_id: int,
        *,
        on: dt.date | None = None,
        at_period_end: bool = False,
        expected_version: int | None = None,
    ) -> Subscription:
        """End it from `on` (default today), or from the end of the period holding that day
        (what was paid in advance runs to its end)."""
        return self._change(
            subscription_id,
            ChangeKind.CANCELLED,
            on,
            at_period_end,
            expected_version=expected_version,
        )

    def bind(
        self,
        subscription_id: int,
        kind: str,
        value: str,
        valid_from: dt.datetime,
        valid_to: dt.datetime | None = None,
    ) -> UsageIdentifier:
        """Tie a usage identifier (a phone number, a SIP user...) to the subscription over
        ``[valid_from, valid_to)``: usage records it identifies then name the subscription.
        ConflictError when someone holds it over an overlapping period."""
        subscription = self.get(subscription_id)
        customers = Customers(self.db, actor=self.actor)
        return customers.add_identifier(
            subscription.account_id,
            kind,
            value,
            valid_from,
            valid_to,
            subscription_id=subscription_id,
        )

    def get(self, subscription_id: int) -> Subscription:
        with self.db.transaction() as conn:
            return self._load(conn, subscription_id)

    def get_by_external_id(self, external_id: str) -> Subscription:
        """The subscription another system (an order-management system, a CRM) knows by
        `external_id`."""
        with self.db.transaction() as conn:
            row: dict[str, Any] | None = conn.execute(
                _SQL["subscription_by_external_id"], {"external_id": external_id}
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no subscription with external id {external_id!r}")
            return self._load(conn, int(row["id"]))

    def of_account(
        self, account: int | str, *, limit: int | None = None, after_id: int | None = None
    ) -> list[Subscription]:
        """The account's subscriptions in id order; all of them, or `limit` after `after_id`."""
        customer = self._customer(account)
        with self.db.transaction() as conn:
            if limit is None:
                rows: list[dict[str, Any]] = conn.execute(
                    _SQL["subscriptions_of_account"], {"account_id": customer.id}
                ).fetchall()
            else:
                rows = queries.rows(
                    conn,
                    _SQL["subscriptions_of_account_page"],
                    {"account_id": customer.id, "after_id": after_id or 0, "limit": limit},
                )
            return [self._load(conn, int(row["id"])) for row in rows]

    def cycle_of(self, subscription: Subscription) -> Cycle:
        """The billing cycle of `subscription`: its plan's period, its alignment and the
        account's billing cycle day (weekly plans: the BCD's weekday, 1-7, counted modulo 7)."""
        customer = self._customer(subscription.account_id)
        with self.db.transaction() as conn:
            catalog = catalog_store.stored_catalog(conn)
        return cycle_for(catalog, subscription, customer)

    # -- internals ------------------------------------------------------------------------------

    def _change(
        self,
        subscription_id: int,
        kind: ChangeKind,
        on: dt.date | None,
        at_period_end: bool,
        *,
        plan: str | None = None,
        quantity: int | None = None,
        expected_version: int | None = None,
    ) -> Subscription:
        with self.db.transaction() as conn:
            if conn.execute(_SQL["lock_subscription"], {"id": subscription_id}).fetchone() is None:
                raise NotFoundError(f"no subscription {subscription_id}")
            current = self._load(conn, subscription_id)
            if expected_version is not None and expected_version != current.version:
                raise StaleVersionError(
                    f"subscription {subscription_id} changed since version {expected_version}"
                    f" (now version {current.version}); read it again and retry"
                )
            customer = self._customer(current.account_id)
            day = on or dt.datetime.now(ZoneInfo(customer.time_zone)).date()
            catalog = catalog_store.stored_catalog(conn)
            if at_period_end:
                day = cycle_for(catalog, current, customer).next_boundary(day)
            problems: list[FieldError] = []
            if plan is not None:
                _version(catalog, plan, day, customer, problems)
            if quantity is not None and (isinstance(quantity, bool) or quantity < 1):
                problems.append(FieldError("quantity", "must be a whole number of at least 1"))
            if problems:
                raise ValidationError(problems)
            change = Change(kind=kind, effective=day, plan=plan, quantity=quantity)
            history = (*current.changes, change)
            try:
                timeline(history)
            except ValidationError as err:
                reasons = "; ".join(e.reason for e in err.errors)
                raise ValidationError.single(
                    "change", f"{kind.value} on {day}: {reasons}"
                ) from None
            self._append(conn, subscription_id, len(current.changes), change)
            conn.execute(_SQL["bump_version"], {"id": subscription_id})
            record(
                conn,
                actor=self.actor,
                action=f"subscription.{kind.value}",
                entity_type="subscription",
                entity_id=subscription_id,
                data={
                    "effective": day,
                    "plan": plan,
                    "quantity": quantity,
                    "at_period_end": at_period_end,
                },
            )
            return self._load(conn, subscription_id)

    def _append(
        self, conn: Connection, subscription_id: int, position: int, change: Change
    ) -> None:
        conn.execute(
            _SQL["insert_change"],
            {
                "subscription_id": subscription_id,
                "position": position,
                "kind": change.kind.value,
                "effective": change.effective,
                "plan": change.plan,
                "quantity": change.quantity,
                "trial_days": change.trial_days,
                "actor": self.actor,
            },
        )

    def _load(self, conn: Connection, subscription_id: int) -> Subscription:
        row: dict[str, Any] | None = conn.execute(
            _SQL["subscription"], {"id": subscription_id}
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no subscription {subscription_id}")
        rows: list[dict[str, Any]] = conn.execute(
            _SQL["changes"], {"id": subscription_id}
        ).fetchall()
        changes = tuple(
            Change(
                kind=ChangeKind(c["kind"]),
                effective=c["effective"],
                plan=c["plan"],
                quantity=c["quantity"],
                trial_days=int(c["trial_days"]),
            )
            for c in rows
        )
        return Subscription.from_row(row, changes, timeline(changes))

    def _customer(self, account: int | str) -> Customer:
        return Customers(self.db, actor=self.actor).account(account)


def _version(
    catalog: Catalog, plan: str, day: dt.date, customer: Customer, problems: list[FieldError]
) -> PlanVersion | None:
    try:
        version = catalog.plan(plan).version_on(day)
    except NotFoundError as err:
        problems.append(FieldError("plan", str(err)))
        return None
    if customer.currency not in version.currencies:
        problems.append(
            FieldError("plan", f"{plan} is not sold in {customer.currency} on {day.isoformat()}")
        )
        return None
    return version


def _check_coupon(
    conn: Connection, catalog: Catalog, code: str, day: dt.date, problems: list[FieldError]
) -> None:
    try:
        coupon = catalog.coupon(code)
    except NotFoundError as err:
        problems.append(FieldError("coupon", str(err)))
        return
    row = queries.one(conn, _SQL["coupon_redemptions"], {"coupon": code})
    problem = coupon.redeemable(day, int(row["n"]))
    if problem:
        problems.append(FieldError("coupon", problem))


def cycle_for(catalog: Catalog, subscription: Subscription, customer: Customer) -> Cycle:
    """The billing cycle of `subscription` (see :meth:`Subscriptions.cycle_of`)."""
    first = subscription.timeline.segments[0] if subscription.timeline.segments else None
    plan = first.plan if first else subscription.changes[0].plan
    assert plan is not None
    period = catalog.plan(plan).version_on(subscription.started_on).billing_period
    bcd = customer.billing_cycle_day
    if period.value == "weekly":
        bcd = (bcd - 1) % 7 + 1
    return cycle(
        period,
        start=subscription.started_on,
        alignment=subscription.alignment,
        billing_cycle_day=bcd,
    )


__all__ = ["Subscription", "Subscriptions", "cycle_for"]
