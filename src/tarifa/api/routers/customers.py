"""/api/v1/customers: accounts (created, read, listed, updated with ETag/If-Match) and their
usage identifiers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from tarifa.api.auth import Reader, Writer, staff_only, visible
from tarifa.api.pagination import Cursor, Limit, Page, after, next_cursor
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of, if_match, set_etag
from tarifa.api.schemas.customers import (
    CustomerCreate,
    CustomerPublic,
    CustomerUpdate,
    IdentifierCreate,
    IdentifierPublic,
)

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], responses=COMMON)


@router.get("", response_model=Page[CustomerPublic])
def list_customers(
    request: Request,
    key: Reader,
    search: Annotated[str | None, Query(description="part of the name, id or e-mail")] = None,
    status: Annotated[str | None, Query(pattern="^(active|suspended|closed)$")] = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CustomerPublic]:
    """Customers in creation order, a page at a time."""
    staff_only(key)
    found = billing_of(request).customers.list(
        search, status=status, country=country, limit=limit, after_id=after(cursor)
    )
    return Page(
        data=[CustomerPublic.model_validate(c) for c in found],
        next_cursor=next_cursor([c.id for c in found], limit),
    )


@router.post("", status_code=201, response_model=CustomerPublic)
def create_customer(
    body: CustomerCreate, request: Request, response: Response, key: Writer
) -> CustomerPublic:
    """A new customer; every problem with its fields is named at once (422)."""
    staff_only(key)
    customer = billing_of(request).customers.create(body.raw())
    set_etag(response, customer.version)
    response.headers["Location"] = f"/api/v1/customers/{customer.external_id}"
    return CustomerPublic.model_validate(customer)


@router.get("/{external_id}", response_model=CustomerPublic)
def get_customer(
    external_id: str, request: Request, response: Response, key: Reader
) -> CustomerPublic:
    """A customer by its external id; the ETag is its version."""
    customer = billing_of(request).customers.get_by_external_id(external_id)
    visible(key, customer.id)
    set_etag(response, customer.version)
    return CustomerPublic.model_validate(customer)


@router.patch("/{external_id}", response_model=CustomerPublic)
def update_customer(
    external_id: str, body: CustomerUpdate, request: Request, response: Response, key: Writer
) -> CustomerPublic:
    """Change some fields. With `If-Match: "<version>"` the change is refused (412) when
    someone changed the customer since that version."""
    customers = billing_of(request).customers
    current = customers.get_by_external_id(external_id)
    visible(key, current.id)
    updated = customers.update(current.id, body.raw(), expected_version=if_match(request))
    set_etag(response, updated.version)
    return CustomerPublic.model_validate(updated)


@router.get("/{external_id}/identifiers", response_model=list[IdentifierPublic])
def list_identifiers(external_id: str, request: Request, key: Reader) -> list[IdentifierPublic]:
    """The customer's usage identifiers (phone numbers, SIP users...), past and present."""
    customers = billing_of(request).customers
    customer = customers.get_by_external_id(external_id)
    visible(key, customer.id)
    return [IdentifierPublic.model_validate(i) for i in customers.identifiers(customer.id)]


@router.post("/{external_id}/identifiers", status_code=201, response_model=IdentifierPublic)
def add_identifier(
    external_id: str, body: IdentifierCreate, request: Request, key: Writer
) -> IdentifierPublic:
    """Bind a usage identifier to the customer over [valid_from, valid_to) (409 when another
    account holds it over an overlapping time)."""
    staff_only(key)
    customers = billing_of(request).customers
    customer = customers.get_by_external_id(external_id)
    made = customers.add_identifier(
        customer.id, body.kind, body.value, body.valid_from, body.valid_to
    )
    return IdentifierPublic.model_validate(made)
