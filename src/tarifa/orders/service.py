"""Order intake (`tarifa.connect().orders`): an order from an order-management system
creates or changes the customer, its subscriptions and their inventory in one database
transaction, once per order id.

The order's services run on the connection of that one transaction
(:class:`~tarifa.db.connection.ConnectionDatabase`: each of their own transactions becomes a
savepoint), so the order is applied whole or not at all: a failing item rolls back the
customer upsert and every item before it. The order id is claimed first, in the same
transaction, in the `orders` table: a concurrent request with the same id waits for this
one, then finds its result. The same order again (same fingerprint) gets the first result
and changes nothing; another order under a used id is refused with OrderIdReusedError.
A refused or failed order leaves no trace: it may be corrected and sent again under its id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from psycopg.types.json import Jsonb

from tarifa.audit import record
from tarifa.crm.service import Crm
from tarifa.customers.model import Customer
from tarifa.customers.service import Customers
from tarifa.db import queries
from tarifa.db.connection import Connection, ConnectionDatabase, Database
from tarifa.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    OrderIdReusedError,
    ValidationError,
)
from tarifa.inventory.model import ResourceKind
from tarifa.inventory.service import Inventory, Resource
from tarifa.orders.model import (
    Action,
    CustomerOutcome,
    ItemOutcome,
    Order,
    OrderItem,
    OrderResult,
    Outcome,
    ResourceOutcome,
    parse_order,
)
from tarifa.subscriptions.service import Subscription, Subscriptions

_SQL = queries.load("orders")
_T = TypeVar("_T")


class Orders:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def apply(
        self, order: Order | Mapping[str, Any], *, now: dt.datetime | None = None
    ) -> OrderResult:
        """Apply `order` (an Order, or a raw order for :func:`parse_order`) in one
        transaction, or return the result it had when it was applied before. `now` (default:
        the clock) is when resources are assigned or released when no later date is due."""
        parsed = order if isinstance(order, Order) else parse_order(order)
        fingerprint = parsed.fingerprint()
        moment = now or dt.datetime.now(dt.UTC)
        claim = {"order_id": parsed.order_id, "fingerprint": fingerprint, "actor": self.actor}
        with self.db.transaction() as conn:
            if conn.execute(_SQL["claim_order"], claim).fetchone() is None:
                return _replayed(conn, parsed.order_id, fingerprint)
            result = _Unit(ConnectionDatabase(conn), self.actor, parsed, moment).run()
            stored = result.to_json()
            conn.execute(
                _SQL["complete_order"],
                {"order_id": parsed.order_id, "account_id": result.customer.id,
                 "result": Jsonb(stored)},
            )  # fmt: skip
            record(
                conn,
                actor=self.actor,
                action="order.applied",
                entity_type="order",
                entity_id=parsed.order_id,
                data={"fingerprint": fingerprint, "result": stored},
            )
        return result

    def get(self, order_id: str) -> OrderResult:
        """The result of an order applied before (`replayed` false: it is no answer to a
        delivery)."""
        with self.db.transaction() as conn:
            row: dict[str, Any] | None = conn.execute(
                _SQL["order"], {"order_id": order_id}
            ).fetchone()
        if row is None or row["result"] is None:
            raise NotFoundError(f"no order {order_id!r}")
        return OrderResult.from_json(row["result"])


def _replayed(conn: Connection, order_id: str, fingerprint: str) -> OrderResult:
    row = queries.one(conn, _SQL["order"], {"order_id": order_id})
    if row["fingerprint"].strip() != fingerprint:
        raise OrderIdReusedError(
            [FieldError("order_id", f"{order_id!r} was used for another order, applied at"
                        f" {row['result']['applied_at']}; an order id names one order")]
        )  # fmt: skip
    return OrderResult.from_json(row["result"], replayed=True)


class _Unit:
    """One order applied on one connection: the services, the customer, the items."""

    def __init__(self, db: Database, actor: str, order: Order, now: dt.datetime) -> None:
        self.order = order
        self.now = now
        self.crm = Crm(db, actor=actor)
        self.customers = Customers(db, actor=actor)
        self.subscriptions = Subscriptions(db, actor=actor)
        self.inventory = Inventory(db, actor=actor)
        self.db = db

    def run(self) -> OrderResult:
        fields = self.order.customer_fields()
        try:
            upserted = self.crm.upsert(self.order.customer_external_id, fields)
        except ValidationError as err:
            raise ValidationError(_prefixed("customer", err.errors)) from None
        customer = upserted.customer
        outcome = (
            Outcome.CREATED if upserted.created
            else Outcome.UPDATED if upserted.changed else Outcome.UNCHANGED
        )  # fmt: skip
        items = tuple(
            self._item(customer, index, item) for index, item in enumerate(self.order.items)
        )
        return OrderResult(
            order_id=self.order.order_id,
            customer=CustomerOutcome(
                id=customer.id,
                external_id=customer.external_id,
                outcome=outcome,
                version=customer.version,
            ),
            items=items,
            applied_at=self.now,
        )

    def _item(self, customer: Customer, index: int, item: OrderItem) -> ItemOutcome:
        where = f"items[{index}]"
        try:
            return self._apply(customer, item)
        except ValidationError as err:
            raise ValidationError(_prefixed(where, err.errors)) from None
        except NotFoundError as err:  # a name in the order that leads nowhere
            raise ValidationError.single(where, str(err)) from None
        except ConflictError as err:
            raise type(err)(f"{where} ({item.action.value}): {err}") from None

    def _apply(self, customer: Customer, item: OrderItem) -> ItemOutcome:
        if item.action is Action.SUBSCRIBE:
            return self._subscribe(customer, item)
        named = self._subscription(customer, item) if _names_one(item) else None
        if item.action is Action.RELEASE:
            at = self._instant(item.on, customer)
            freed = self._release_all(customer, item, at, named)
            return _outcome(item, named, _local_day(at, customer), freed)
        sub = _present(named, "subscription")
        if item.action is Action.ASSIGN:
            at = self._instant(item.on, customer)
            placed = tuple(self._assign(sub, r.kind, r.value, at) for r in item.resources)
            return _outcome(item, sub, _local_day(at, customer), placed)
        sub = self._change(sub, item)
        if item.action is Action.CANCEL:
            ends = sub.timeline.cancelled_from or sub.changes[-1].effective
            at = max(self.now, _midnight(ends, customer))
            return _outcome(item, sub, ends, self._release_all(customer, item, at, sub))
        return _outcome(item, sub, sub.changes[-1].effective, ())

    def _subscribe(self, customer: Customer, item: OrderItem) -> ItemOutcome:
        start = _present(item.start, "start")
        sub = self.subscriptions.create(
            customer.id, _present(item.plan, "plan"), start, quantity=item.quantity or 1,
            alignment=item.alignment or "billing_cycle_day", coupon=item.coupon,
            external_id=item.external_id,
        )  # fmt: skip
        at = max(self.now, _midnight(start, customer))
        placed = tuple(self._assign(sub, r.kind, r.value, at) for r in item.resources)
        return _outcome(item, sub, start, placed)

    def _change(self, sub: Subscription, item: OrderItem) -> Subscription:
        """A change of the subscription's history, on the version the order read."""
        subs, on, version = self.subscriptions, item.on, sub.version
        match item.action:
            case Action.CHANGE_PLAN:
                return subs.change_plan(
                    sub.id, _present(item.plan, "plan"), on=on,
                    at_period_end=item.at_period_end, expected_version=version,
                )  # fmt: skip
            case Action.CHANGE_QUANTITY:
                quantity = _present(item.quantity, "quantity")
                return subs.change_quantity(sub.id, quantity, on=on, expected_version=version)
            case Action.SUSPEND:
                return subs.suspend(sub.id, on=on, expected_version=version)
            case Action.RESUME:
                return subs.resume(sub.id, on=on, expected_version=version)
            case Action.CANCEL:
                return subs.cancel(
                    sub.id, on=on, at_period_end=item.at_period_end, expected_version=version
                )
        raise ValidationError.single("action", f"{item.action.value} is not a change")

    def _release_all(
        self, customer: Customer, item: OrderItem, at: dt.datetime, named: Subscription | None
    ) -> tuple[ResourceOutcome, ...]:
        return tuple(
            self._release(customer, r.kind, r.value, at, item, named) for r in item.resources
        )

    def _subscription(self, customer: Customer, item: OrderItem) -> Subscription:
        if item.subscription is not None:
            sub = self.subscriptions.get_by_external_id(item.subscription)
        else:
            assert item.subscription_id is not None
            sub = self.subscriptions.get(item.subscription_id)
        if sub.account_id != customer.id:  # as if it did not exist: not this customer's
            raise ValidationError.single(
                "subscription", f"{item.subscription or item.subscription_id} is not a"
                f" subscription of customer {customer.external_id!r}",
            )  # fmt: skip
        return sub

    def _assign(
        self, sub: Subscription, kind: ResourceKind, value: str, at: dt.datetime
    ) -> ResourceOutcome:
        """Put the resource on the subscription (one reserved for this order is taken too);
        a phone number also becomes the subscription's usage identifier from `at`, so its
        calls are rated on it."""
        placed = self.inventory.assign(kind, value, sub.id, at=at, reserved_for=self.order.order_id)
        if kind is ResourceKind.PHONE_NUMBER:
            self.subscriptions.bind(sub.id, "e164", placed.value, at)
        return _resource(placed)

    def _release(
        self, customer: Customer, kind: ResourceKind, value: str, at: dt.datetime,
        item: OrderItem, named: Subscription | None,
    ) -> ResourceOutcome:  # fmt: skip
        """Take the resource off its subscription (this customer's, and the one the item
        names, if it names one) and end the usage identifier an order bound for a phone
        number."""
        held = self.inventory.get(kind, value)
        if held.subscription_id is None:
            raise ConflictError(f"{held.value} is not assigned")
        owner = self.subscriptions.get(held.subscription_id)
        if owner.account_id != customer.id or (named is not None and named.id != owner.id):
            where = customer.external_id if named is None else f"subscription {named.id}"
            raise ValidationError.single("resources", f"{held.value} is not on {where!r}")
        freed = self.inventory.release(kind, value, at=at, quarantine_days=item.quarantine_days)
        if kind is ResourceKind.PHONE_NUMBER:
            self._end_number(held.value, owner.id, at)
        return ResourceOutcome(kind=kind, value=freed.value, status=freed.status.value,
                               subscription_id=owner.id)  # fmt: skip

    def _end_number(self, value: str, subscription_id: int, at: dt.datetime) -> None:
        with self.db.transaction() as conn:
            row: dict[str, Any] | None = conn.execute(
                _SQL["open_number_identifier"],
                {"value": value, "subscription_id": subscription_id, "at": at},
            ).fetchone()
        if row is not None:
            self.customers.end_identifier(int(row["id"]), at)

    def _instant(self, day: dt.date | None, customer: Customer) -> dt.datetime:
        """When an item without a later date takes effect: now, or the start of `day` in the
        customer's time zone if that is later."""
        return self.now if day is None else max(self.now, _midnight(day, customer))


def _midnight(day: dt.date, customer: Customer) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZoneInfo(customer.time_zone))


def _local_day(at: dt.datetime, customer: Customer) -> dt.date:
    return at.astimezone(ZoneInfo(customer.time_zone)).date()


def _names_one(item: OrderItem) -> bool:
    return item.subscription is not None or item.subscription_id is not None


def _resource(resource: Resource) -> ResourceOutcome:
    return ResourceOutcome(kind=resource.kind, value=resource.value,
                           status=resource.status.value,
                           subscription_id=resource.subscription_id)  # fmt: skip


def _outcome(
    item: OrderItem,
    sub: Subscription | None,
    effective: dt.date | None,
    resources: tuple[ResourceOutcome, ...],
) -> ItemOutcome:
    return ItemOutcome(
        action=item.action,
        subscription_id=None if sub is None else sub.id,
        subscription_external_id=None if sub is None else sub.external_id,
        version=None if sub is None else sub.version,
        effective=effective,
        resources=resources,
    )


def _present(value: _T | None, field: str) -> _T:
    # parse_order requires the field for the action; an Order built by hand may lack it.
    if value is None:
        raise ValidationError.single(field, "is required for this action")
    return value


def _prefixed(where: str, errors: tuple[FieldError, ...]) -> list[FieldError]:
    return [FieldError(f"{where}.{e.field}", e.reason) for e in errors]


__all__ = ["OrderIdReusedError", "Orders"]
