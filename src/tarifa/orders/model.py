"""Orders from an order-management system (OMS), as pure values (issue 7, integrations).

An order names a customer by the OMS's (or CRM's) external id, with the fields to create it
with or change on it, and lists items: subscribe to a plan (with the phone numbers, SIMs
and devices it gets), change a plan or a quantity, suspend, resume, cancel, assign or
release resources. :func:`parse_order` checks a raw order (a JSON-like mapping) and returns
an :class:`Order`, or raises one ValidationError listing every problem with its field
(``items[1].plan``); what only the database can tell (a plan that does not exist, a number
already taken) is found when the order is applied.

An order is applied once: its :meth:`Order.fingerprint`, a SHA-256 of its canonical JSON,
tells the same order sent again (a retry: answered with the first result) from another
order under an id already used (refused).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from tarifa.errors import FieldError, ValidationError
from tarifa.inventory.model import ResourceKind, normalized

MAX_ORDER_ID = 100
MAX_ITEMS = 100
MAX_RESOURCES = 100


class Action(StrEnum):
    SUBSCRIBE = "subscribe"
    CHANGE_PLAN = "change_plan"
    CHANGE_QUANTITY = "change_quantity"
    SUSPEND = "suspend"
    RESUME = "resume"
    CANCEL = "cancel"
    ASSIGN = "assign"
    RELEASE = "release"


#: Fields each action needs, and those it may carry besides `action` and the subscription.
_REQUIRED = {
    Action.SUBSCRIBE: ("plan", "start"),
    Action.CHANGE_PLAN: ("plan",),
    Action.CHANGE_QUANTITY: ("quantity",),
    Action.ASSIGN: ("resources",),
    Action.RELEASE: ("resources",),
}
_ALLOWED = {
    Action.SUBSCRIBE: {"plan", "start", "quantity", "alignment", "coupon", "external_id",
                       "resources"},
    Action.CHANGE_PLAN: {"plan", "on", "at_period_end"},
    Action.CHANGE_QUANTITY: {"quantity", "on"},
    Action.SUSPEND: {"on"},
    Action.RESUME: {"on"},
    Action.CANCEL: {"on", "at_period_end", "resources", "quarantine_days"},
    Action.ASSIGN: {"on", "resources"},
    Action.RELEASE: {"on", "resources", "quarantine_days"},
}  # fmt: skip
_FIELDS = {"action", "subscription", "subscription_id"} | set().union(*_ALLOWED.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceRef:
    """A phone number, SIM (ICCID) or device (IMEI), its value normalized."""

    kind: ResourceKind
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderItem:
    """One thing an order does. A subscribe item makes a subscription (named `external_id`
    if given, so later items of the same order can name it); the others name an existing
    subscription of the order's customer by `subscription` (its external id) or
    `subscription_id`."""

    action: Action
    subscription: str | None = None
    subscription_id: int | None = None
    plan: str | None = None
    start: dt.date | None = None
    on: dt.date | None = None
    quantity: int | None = None
    at_period_end: bool = False
    alignment: str | None = None
    coupon: str | None = None
    external_id: str | None = None
    resources: tuple[ResourceRef, ...] = ()
    quarantine_days: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """An order: its id in the OMS, the customer's fields (raw, as the customers service
    takes them; `external_id` at least) and its items, applied in order."""

    order_id: str
    customer: tuple[tuple[str, Any], ...]
    items: tuple[OrderItem, ...]

    @property
    def customer_external_id(self) -> str:
        return str(dict(self.customer)["external_id"])

    def customer_fields(self) -> dict[str, Any]:
        """The customer's fields as a mapping (lists where the order had lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.customer}

    def canonical(self) -> str:
        """The order as canonical JSON: keys sorted, dates in ISO form, defaults filled in."""
        items = [
            {
                "action": i.action.value, "subscription": i.subscription,
                "subscription_id": i.subscription_id, "plan": i.plan, "start": i.start,
                "on": i.on, "quantity": i.quantity, "at_period_end": i.at_period_end,
                "alignment": i.alignment, "coupon": i.coupon, "external_id": i.external_id,
                "resources": [[r.kind.value, r.value] for r in i.resources],
                "quarantine_days": i.quarantine_days,
            }
            for i in self.items
        ]  # fmt: skip
        body = {"order_id": self.order_id, "customer": self.customer_fields(), "items": items}
        return json.dumps(body, sort_keys=True, separators=(",", ":"), default=_iso)

    def fingerprint(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerOutcome:
    id: int
    external_id: str
    outcome: Outcome
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceOutcome:
    kind: ResourceKind
    value: str
    status: str
    subscription_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemOutcome:
    """What an item did: the subscription it made or changed (its version after the
    change), the date the change takes effect, and the resources it assigned or released."""

    action: Action
    subscription_id: int | None
    subscription_external_id: str | None
    version: int | None
    effective: dt.date | None
    resources: tuple[ResourceOutcome, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderResult:
    """What an order did. `replayed` is true when the order had been applied before and this
    is the first result again (nothing was changed this time)."""

    order_id: str
    customer: CustomerOutcome
    items: tuple[ItemOutcome, ...]
    applied_at: dt.datetime
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        """The result as stored (and answered): JSON types only; `replayed` is left out."""
        text = json.dumps(
            {
                "order_id": self.order_id,
                "applied_at": self.applied_at,
                "customer": {"id": self.customer.id, "external_id": self.customer.external_id,
                             "outcome": self.customer.outcome.value,
                             "version": self.customer.version},
                "items": [
                    {"action": i.action.value, "subscription_id": i.subscription_id,
                     "subscription_external_id": i.subscription_external_id,
                     "version": i.version, "effective": i.effective,
                     "resources": [{"kind": r.kind.value, "value": r.value, "status": r.status,
                                    "subscription_id": r.subscription_id}
                                   for r in i.resources]}
                    for i in self.items
                ],
            },
            default=_iso,
        )  # fmt: skip
        stored: dict[str, Any] = json.loads(text)
        return stored

    @classmethod
    def from_json(cls, stored: Mapping[str, Any], *, replayed: bool = False) -> OrderResult:
        customer = stored["customer"]
        return cls(
            order_id=stored["order_id"],
            applied_at=dt.datetime.fromisoformat(stored["applied_at"]),
            replayed=replayed,
            customer=CustomerOutcome(id=customer["id"], external_id=customer["external_id"],
                                     outcome=Outcome(customer["outcome"]),
                                     version=customer["version"]),
            items=tuple(
                ItemOutcome(
                    action=Action(i["action"]), subscription_id=i["subscription_id"],
                    subscription_external_id=i["subscription_external_id"],
                    version=i["version"],
                    effective=None if i["effective"] is None
                    else dt.date.fromisoformat(i["effective"]),
                    resources=tuple(
                        ResourceOutcome(kind=ResourceKind(r["kind"]), value=r["value"],
                                        status=r["status"], subscription_id=r["subscription_id"])
                        for r in i["resources"]
                    ),
                )
                for i in stored["items"]
            ),
        )  # fmt: skip


def parse_order(raw: Mapping[str, Any]) -> Order:
    """Check a raw order; ValidationError lists every problem, each with its field."""
    problems: list[FieldError] = []
    if not isinstance(raw, Mapping):
        raise ValidationError.single("order", "must be an object")
    for key in raw.keys() - {"order_id", "customer", "items"}:
        problems.append(FieldError(str(key), "unknown field"))
    order_id = raw.get("order_id")
    if not isinstance(order_id, str) or not 1 <= len(order_id.strip()) <= MAX_ORDER_ID:
        problems.append(FieldError("order_id", f"must be text of 1 to {MAX_ORDER_ID} characters"))
    customer = _customer(raw.get("customer"), problems)
    items_raw = raw.get("items")
    items: list[OrderItem] = []
    if not isinstance(items_raw, list | tuple) or not 1 <= len(items_raw) <= MAX_ITEMS:
        problems.append(FieldError("items", f"must be a list of 1 to {MAX_ITEMS} items"))
    else:
        for index, item in enumerate(items_raw):
            parsed = _item(item, f"items[{index}]", problems)
            if parsed is not None:
                items.append(parsed)
    if problems:
        raise ValidationError(problems)
    assert isinstance(order_id, str)
    return Order(order_id=order_id.strip(), customer=customer, items=tuple(items))


def _customer(raw: object, problems: list[FieldError]) -> tuple[tuple[str, Any], ...]:
    if not isinstance(raw, Mapping):
        problems.append(FieldError("customer", "must be an object with at least external_id"))
        return ()
    external_id = raw.get("external_id")
    if not isinstance(external_id, str) or not external_id.strip():
        problems.append(FieldError("customer.external_id", "is required"))
    fields = {str(k): tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    if isinstance(external_id, str):
        fields["external_id"] = external_id.strip()
    return tuple(sorted(fields.items()))


def _item(raw: object, where: str, problems: list[FieldError]) -> OrderItem | None:
    if not isinstance(raw, Mapping):
        problems.append(FieldError(where, "must be an object"))
        return None
    before = len(problems)
    try:
        action = Action(str(raw.get("action")))
    except ValueError:
        known = ", ".join(a.value for a in Action)
        problems.append(FieldError(f"{where}.action", f"must be one of: {known}"))
        return None
    given = {k for k, v in raw.items() if v is not None}
    for key in sorted(given - {"action", "subscription", "subscription_id"} - _ALLOWED[action]):
        reason = "unknown field" if key not in _FIELDS else f"is not used by {action.value}"
        problems.append(FieldError(f"{where}.{key}", reason))
    for key in _REQUIRED.get(action, ()):
        if key not in given:
            problems.append(FieldError(f"{where}.{key}", f"is required for {action.value}"))
    named = given & {"subscription", "subscription_id"}
    if action is Action.SUBSCRIBE and named:
        problems.append(FieldError(f"{where}.subscription", "a subscribe item makes a new one"))
    elif action not in (Action.SUBSCRIBE, Action.RELEASE) and len(named) != 1:
        reason = "give subscription (its external id) or subscription_id"
        problems.append(FieldError(f"{where}.subscription", reason))
    item = OrderItem(
        action=action,
        subscription=_text(raw, "subscription", where, problems),
        subscription_id=_whole(raw, "subscription_id", where, problems, low=1),
        plan=_text(raw, "plan", where, problems),
        start=_date(raw, "start", where, problems),
        on=_date(raw, "on", where, problems),
        quantity=_whole(raw, "quantity", where, problems, low=1),
        at_period_end=_flag(raw, "at_period_end", where, problems),
        alignment=_text(raw, "alignment", where, problems),
        coupon=_text(raw, "coupon", where, problems),
        external_id=_text(raw, "external_id", where, problems),
        resources=_resources(raw.get("resources"), f"{where}.resources", problems),
        quarantine_days=_whole(raw, "quarantine_days", where, problems, low=0),
    )
    if action is Action.SUBSCRIBE and item.quantity is None:
        item = replace(item, quantity=1)
    return item if len(problems) == before else None


def _resources(raw: object, where: str, problems: list[FieldError]) -> tuple[ResourceRef, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list | tuple) or not 1 <= len(raw) <= MAX_RESOURCES:
        problems.append(FieldError(where, f"must be a list of 1 to {MAX_RESOURCES} resources"))
        return ()
    found: list[ResourceRef] = []
    for index, entry in enumerate(raw):
        at = f"{where}[{index}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("value"), str):
            problems.append(FieldError(at, "must be an object with kind and value"))
            continue
        try:
            kind = ResourceKind(str(entry.get("kind")))
        except ValueError:
            problems.append(FieldError(f"{at}.kind", "must be phone_number, sim or device"))
            continue
        value, problem = normalized(kind, entry["value"])
        if problem:
            problems.append(FieldError(f"{at}.value", problem))
            continue
        ref = ResourceRef(kind=kind, value=value)
        if ref in found:
            problems.append(FieldError(at, f"{value} is named twice"))
        found.append(ref)
    return tuple(found)


def _text(raw: Mapping[str, Any], key: str, where: str, problems: list[FieldError]) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(FieldError(f"{where}.{key}", "must be non-empty text"))
        return None
    return value.strip()


def _whole(
    raw: Mapping[str, Any], key: str, where: str, problems: list[FieldError], *, low: int
) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        problems.append(FieldError(f"{where}.{key}", f"must be a whole number of at least {low}"))
        return None
    return value


def _flag(raw: Mapping[str, Any], key: str, where: str, problems: list[FieldError]) -> bool:
    value = raw.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        problems.append(FieldError(f"{where}.{key}", "must be true or false"))
        return False
    return value


def _date(
    raw: Mapping[str, Any], key: str, where: str, problems: list[FieldError]
) -> dt.date | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(FieldError(f"{where}.{key}", "must be a date (YYYY-MM-DD)"))
    return None


def _iso(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in an order's fingerprint")


__all__ = [
    "Action",
    "CustomerOutcome",
    "ItemOutcome",
    "Order",
    "OrderItem",
    "OrderResult",
    "Outcome",
    "ResourceOutcome",
    "ResourceRef",
    "parse_order",
]
