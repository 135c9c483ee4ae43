"""/api/v1 payment routes: payment methods, payments received, card collection, refunds,
disputes, bank statements (reconciliation) and the gateways' signed webhooks."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import stripe
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.exceptions import HTTPException
from starlette.concurrency import run_in_threadpool

from tarifa.api.auth import Payer, Reader, staff_only, visible
from tarifa.api.problems import COMMON
from tarifa.api.routers._shared import billing_of
from tarifa.api.schemas.payments import (
    BankTransactionPublic,
    CollectionCreate,
    CollectionPublic,
    MatchCreate,
    PaymentCreate,
    PaymentMethodCreate,
    PaymentMethodPublic,
    PaymentPublic,
    RefundCreate,
    RefundPublic,
    ResolveCreate,
    StatementImportPublic,
)
from tarifa.api.threads import bulk, in_bulk
from tarifa.payments.configured import configured_gateway, stripe_gateway
from tarifa.payments.received import Payment

router = APIRouter(prefix="/api/v1", responses=COMMON)
#: A bank statement larger than this is refused (413): 64 MiB holds ~200,000 camt entries.
MAX_STATEMENT_BYTES = 64 * 1024 * 1024


def _payment(payment: Payment) -> PaymentPublic:
    fields = {f: getattr(payment, f) for f in PaymentPublic.model_fields if f != "allocations"}
    allocations = [{"invoice_id": i, "amount": a} for i, a in payment.allocations]
    return PaymentPublic.model_validate(fields | {"allocations": allocations})


@router.get(
    "/customers/{external_id}/payment-methods",
    tags=["payment methods"],
    response_model=list[PaymentMethodPublic],
)
def list_methods(external_id: str, request: Request, key: Reader) -> list[PaymentMethodPublic]:
    """A customer's payment methods (tokens and mandates, never card numbers)."""
    billing = billing_of(request)
    customer = billing.customers.get_by_external_id(external_id)
    visible(key, customer.id)
    found = billing.payment_methods.of_account(customer.id)
    return [PaymentMethodPublic.model_validate(m) for m in found]


@router.post(
    "/customers/{external_id}/payment-methods",
    tags=["payment methods"],
    status_code=201,
    response_model=PaymentMethodPublic,
)
def add_method(
    external_id: str, body: PaymentMethodCreate, request: Request, key: Payer
) -> PaymentMethodPublic:
    """Store a card token or a SEPA mandate (the first, or one marked default, becomes the
    default). Anything that looks like a card number is refused (422)."""
    billing = billing_of(request)
    customer = billing.customers.get_by_external_id(external_id)
    visible(key, customer.id)
    return PaymentMethodPublic.model_validate(billing.payment_methods.add(customer.id, body.raw()))


@router.post(
    "/payment-methods/{method_id}/default",
    tags=["payment methods"],
    response_model=PaymentMethodPublic,
)
def make_default(method_id: int, request: Request, key: Payer) -> PaymentMethodPublic:
    """Make a method its account's default (collection charges it)."""
    staff_only(key)
    return PaymentMethodPublic.model_validate(
        billing_of(request).payment_methods.make_default(method_id)
    )


@router.post(
    "/payment-methods/{method_id}/revoke",
    tags=["payment methods"],
    response_model=PaymentMethodPublic,
)
def revoke_method(method_id: int, request: Request, key: Payer) -> PaymentMethodPublic:
    """Revoke a method (kept, never used again)."""
    staff_only(key)
    return PaymentMethodPublic.model_validate(billing_of(request).payment_methods.revoke(method_id))


@router.post("/payments", tags=["payments"], status_code=201, response_model=PaymentPublic)
def receive_payment(
    body: PaymentCreate,
    request: Request,
    key: Payer,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> PaymentPublic:
    """Book money received. With an Idempotency-Key the payment is also booked once under
    it in the database, whatever happens to the HTTP response."""
    staff_only(key)
    payment = billing_of(request).payments.receive(
        body.account,
        body.amount,
        invoice=body.invoice,
        reference=body.reference,
        received_on=body.received_on,
        kind=body.kind,
        idempotency_key=f"api:{key.id}:{idempotency_key}" if idempotency_key else None,
    )
    return _payment(payment)


@router.get("/payments", tags=["payments"], response_model=list[PaymentPublic])
def list_payments(
    request: Request, key: Reader, account: Annotated[str, Query(description="external id")]
) -> list[PaymentPublic]:
    """An account's payments with what each paid."""
    billing = billing_of(request)
    customer = billing.customers.get_by_external_id(account)
    visible(key, customer.id)
    return [_payment(p) for p in billing.payments.of_account(customer.id)]


@router.post("/payments/collect", tags=["payments"], response_model=CollectionPublic)
@bulk
def collect(body: CollectionCreate, request: Request, key: Payer) -> CollectionPublic:
    """Charge every due invoice to its account's default card on the gateway (each attempt
    committed before the gateway is called; a card declined today is not charged again
    today)."""
    staff_only(key)
    report = billing_of(request).payments.collect(configured_gateway(body.gateway), on=body.date)
    return CollectionPublic.model_validate(report)


@router.post("/payments/resolve", tags=["payments"], response_model=CollectionPublic)
@bulk
def resolve(body: ResolveCreate, request: Request, key: Payer) -> CollectionPublic:
    """Settle the attempts left pending or unknown by asking the gateway."""
    staff_only(key)
    report = billing_of(request).payments.resolve(
        configured_gateway(body.gateway), older_than=body.older_than
    )
    return CollectionPublic.model_validate(report)


@router.post(
    "/payments/{payment_id}/refunds",
    tags=["refunds"],
    status_code=201,
    response_model=RefundPublic,
)
def refund(payment_id: int, body: RefundCreate, request: Request, key: Payer) -> RefundPublic:
    """Refund a payment, in full or in part, never more than it paid: a card through its
    gateway, a transfer or a direct debit by a credit transfer (exported as pain.001)."""
    staff_only(key)
    gateway = configured_gateway(body.gateway) if body.gateway else None
    made = billing_of(request).refunds.refund(
        payment_id, reason=body.reason, amount=body.amount, gateway=gateway, iban=body.iban
    )
    return RefundPublic.model_validate(made)


@router.post(
    "/reconciliation/statements",
    tags=["reconciliation"],
    response_model=StatementImportPublic,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_statement(
    request: Request,
    key: Payer,
    filename: Annotated[str, Query(pattern=r"^[\w.-]{1,100}$")] = "statement",
) -> Any:
    """A bank statement as the request body: camt.053 / camt.054 (XML) or MT940 (text).
    Exact matches are applied; the rest wait in the queue. Importing it again changes
    nothing."""
    staff_only(key)
    data = await request.body()
    if len(data) > MAX_STATEMENT_BYTES:
        raise HTTPException(413, f"a statement is at most {MAX_STATEMENT_BYTES} bytes")
    billing = billing_of(request)

    def run() -> StatementImportPublic:
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / filename
            path.write_bytes(data)
            report = billing.reconciliation.import_file(path)
        return StatementImportPublic.model_validate(report)

    return await in_bulk(request, run)


@router.get(
    "/reconciliation/queue", tags=["reconciliation"], response_model=list[BankTransactionPublic]
)
def queue(request: Request, key: Reader) -> list[BankTransactionPublic]:
    """Bank transactions waiting for a person: no invoice found, ambiguous, debits."""
    staff_only(key)
    return [
        BankTransactionPublic.model_validate(t) for t in billing_of(request).reconciliation.queue()
    ]


@router.post(
    "/reconciliation/transactions/{transaction_id}/match",
    tags=["reconciliation"],
    response_model=BankTransactionPublic,
)
def match(
    transaction_id: int, body: MatchCreate, request: Request, key: Payer
) -> BankTransactionPublic:
    """Apply a queued credit to an invoice by hand."""
    staff_only(key)
    done = billing_of(request).reconciliation.match(transaction_id, body.invoice)
    return BankTransactionPublic.model_validate(done)


def stripe_signed(
    request: Request, stripe_signature: Annotated[str | None, Header()] = None
) -> str:
    """Stripe's webhooks carry no API key: the Stripe-Signature over the body (with the
    endpoint's secret, STRIPE_WEBHOOK_SECRET) is their authentication."""
    if stripe_signature is None:
        raise HTTPException(401, "a Stripe-Signature header is required")
    return stripe_signature


stripe_signed.scope = "stripe:signature"  # type: ignore[attr-defined]


@router.post("/gateways/stripe/events", tags=["payments"], response_model=dict[str, str | None])
async def stripe_event(
    request: Request, signature: Annotated[str, Depends(stripe_signed)]
) -> dict[str, str | None]:
    """A Stripe webhook (charge.dispute.created / .closed): verified by its signature, then
    applied once (by the dispute's id). An unsigned or wrongly signed event is 401."""
    payload = await request.body()
    try:
        event = stripe_gateway().parse_webhook(payload, signature)
    except (stripe.SignatureVerificationError, ValueError) as err:
        raise HTTPException(401, f"the event's signature does not verify: {err}") from None
    dispute = await run_in_threadpool(billing_of(request).payments.apply_gateway_event, event)
    return {"event": str(event["id"]), "dispute": None if dispute is None else dispute.status}
