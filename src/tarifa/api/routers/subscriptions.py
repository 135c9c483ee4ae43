"""/api/v1/subscriptions: created, read (ETag: the version), listed per account, and changed
(plan, quantity, suspend, resume, cancel), each change honouring If-Match."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from tarifa.api.auth import Reader, Writer, visible
from tarifa.api.keys import ApiKey
from tarifa.api.pagination import Cursor, Limit, Page, after, next_cursor
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of, if_match, set_etag
from tarifa.api.schemas.subscriptions import (
    CancelBody,
    ChangePlanBody,
    ChangeQuantityBody,
    SubscriptionCreate,
    SubscriptionPublic,
    WhenBody,
)
from tarifa.errors import ValidationError
from tarifa.subscriptions.service import Subscription

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"], responses=COMMON)


def _answer(response: Response, subscription: Subscription) -> SubscriptionPublic:
    set_etag(response, subscription.version)
    return SubscriptionPublic.of(subscription)


def _visible(request: Request, key: ApiKey, subscription_id: int) -> Subscription:
    subscription = billing_of(request).subscriptions.get(subscription_id)
    visible(key, subscription.account_id)
    return subscription


@router.post("", status_code=201, response_model=SubscriptionPublic)
def create_subscription(
    body: SubscriptionCreate, request: Request, response: Response, key: Writer
) -> SubscriptionPublic:
    """Subscribe a customer to a plan from a local date (the plan must be sold in the
    customer's currency then; its trial applies)."""
    billing = billing_of(request)
    visible(key, billing.customers.get_by_external_id(body.account).id)
    made = billing.subscriptions.create(
        body.account, body.plan, body.start, quantity=body.quantity,
        alignment=body.alignment, coupon=body.coupon, external_id=body.external_id,
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/subscriptions/{made.id}"
    return _answer(response, made)


@router.get("", response_model=Page[SubscriptionPublic])
def list_subscriptions(
    request: Request,
    key: Reader,
    account: Annotated[str | None, Query(description="the customer's external id")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SubscriptionPublic]:
    """A customer's subscriptions in creation order (a customer's key: its own)."""
    billing = billing_of(request)
    if account is None and key.customer_id is None:
        raise ValidationError.single("account", "name the customer (its external id)")
    customer = (
        billing.customers.get_by_external_id(account)
        if account is not None
        else billing.customers.get(int(key.customer_id or 0))
    )
    visible(key, customer.id)
    found = billing.subscriptions.of_account(customer.id, limit=limit, after_id=after(cursor))
    return Page(
        data=[SubscriptionPublic.of(s) for s in found],
        next_cursor=next_cursor([s.id for s in found], limit),
    )


@router.get("/{subscription_id}", response_model=SubscriptionPublic)
def get_subscription(
    subscription_id: int, request: Request, response: Response, key: Reader
) -> SubscriptionPublic:
    """A subscription with its history and timeline; the ETag is its version."""
    return _answer(response, _visible(request, key, subscription_id))


@router.post("/{subscription_id}/change-plan", response_model=SubscriptionPublic)
def change_plan(
    subscription_id: int, body: ChangePlanBody, request: Request, response: Response, key: Writer
) -> SubscriptionPublic:
    """Move to another plan from a date, or from the end of the period holding it. With
    `If-Match: "<version>"`, 412 when the subscription changed since that version."""
    _visible(request, key, subscription_id)
    changed = billing_of(request).subscriptions.change_plan(
        subscription_id, body.plan, on=body.on, at_period_end=body.at_period_end,
        expected_version=if_match(request),
    )  # fmt: skip
    return _answer(response, changed)


@router.post("/{subscription_id}/change-quantity", response_model=SubscriptionPublic)
def change_quantity(
    subscription_id: int,
    body: ChangeQuantityBody,
    request: Request,
    response: Response,
    key: Writer,
) -> SubscriptionPublic:
    """Change the seats or lines from a date (If-Match as for change-plan)."""
    _visible(request, key, subscription_id)
    changed = billing_of(request).subscriptions.change_quantity(
        subscription_id, body.quantity, on=body.on, expected_version=if_match(request)
    )
    return _answer(response, changed)


@router.post("/{subscription_id}/suspend", response_model=SubscriptionPublic)
def suspend(
    subscription_id: int,
    request: Request,
    response: Response,
    key: Writer,
    body: WhenBody | None = None,
) -> SubscriptionPublic:
    """Suspend from a date: recurring fees stop until it is resumed (If-Match honoured)."""
    _visible(request, key, subscription_id)
    changed = billing_of(request).subscriptions.suspend(
        subscription_id, on=body.on if body else None, expected_version=if_match(request)
    )
    return _answer(response, changed)


@router.post("/{subscription_id}/resume", response_model=SubscriptionPublic)
def resume(
    subscription_id: int,
    request: Request,
    response: Response,
    key: Writer,
    body: WhenBody | None = None,
) -> SubscriptionPublic:
    """Resume a suspended subscription from a date (If-Match honoured)."""
    _visible(request, key, subscription_id)
    changed = billing_of(request).subscriptions.resume(
        subscription_id, on=body.on if body else None, expected_version=if_match(request)
    )
    return _answer(response, changed)


@router.post("/{subscription_id}/cancel", response_model=SubscriptionPublic)
def cancel(
    subscription_id: int,
    request: Request,
    response: Response,
    key: Writer,
    body: CancelBody | None = None,
) -> SubscriptionPublic:
    """End it from a date, or from the end of the period holding that date (what was paid
    in advance runs to its end). If-Match honoured."""
    _visible(request, key, subscription_id)
    changed = billing_of(request).subscriptions.cancel(
        subscription_id,
        on=body.on if body else None,
        at_period_end=body.at_period_end if body else False,
        expected_version=if_match(request),
    )
    return _answer(response, changed)
