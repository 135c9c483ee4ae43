"""/api/v1/orders: an order from an order-management system applied in one transaction,
once per order id (docs/integration.md)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from tarifa.api.auth import Reader, Writer, staff_only
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of
from tarifa.api.schemas.orders import OrderCreate, OrderPublic

router = APIRouter(prefix="/api/v1/orders", tags=["orders"], responses=COMMON)


@router.post(
    "",
    status_code=201,
    response_model=OrderPublic,
    responses={200: {"model": OrderPublic, "description": "applied before: the first result"}},
)
def apply_order(
    body: OrderCreate, request: Request, response: Response, key: Writer
) -> OrderPublic:
    """Create or change the customer, its subscriptions and their inventory, all or nothing
    (201). The same order again changes nothing and answers the first result (200,
    `replayed`); another order under a used order id is refused (422, `order_id_reused`). A
    refused order leaves nothing behind and may be sent again, corrected."""
    staff_only(key)
    result = billing_of(request).orders.apply(body.raw())
    if result.replayed:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/orders/{quote(result.order_id, safe='')}"
    return OrderPublic.model_validate(result)


@router.get("/{order_id}", response_model=OrderPublic)
def get_order(order_id: str, request: Request, key: Reader) -> OrderPublic:
    """What an order did when it was applied."""
    staff_only(key)
    return OrderPublic.model_validate(billing_of(request).orders.get(order_id))
