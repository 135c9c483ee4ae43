"""A small typed client for tarifa's REST API (httpx), for other Python systems and for
tarifa's own end-to-end tests::

    from tarifa.client import TarifaClient
    with TarifaClient("https://billing.example", token="tk_…") as api:
        customer = api.get_customer("CRM-DE-000034")
        for invoice in api.invoices(account=customer.external_id, state="overdue"):
            print(invoice.number, invoice.balance)

Answers are the API's `…Public` models (money as `Decimal`); an error answer raises
:class:`ApiError` with the problem's status, `code` and field errors. POSTs that create or
charge take an `idempotency_key` (sent as `Idempotency-Key`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from tarifa.api.schemas.catalog import BillRunPublic, PlanQuotePublic
from tarifa.api.schemas.customers import CustomerPublic
from tarifa.api.schemas.invoices import BalancePublic, CreditNotePublic, InvoicePublic
from tarifa.api.schemas.ledger import AgingRowPublic, TrialBalanceRowPublic
from tarifa.api.schemas.payments import PaymentPublic, StatementImportPublic
from tarifa.api.schemas.rating import RateQuotePublic
from tarifa.api.schemas.usage import UsageBatchPublic
from tarifa.errors import TarifaError

M = TypeVar("M", bound=BaseModel)


class ApiError(TarifaError):
    """An error answer of the API (RFC 9457 problem details)."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        super().__init__(str(problem.get("detail") or problem.get("title") or status))
        self.status = status
        self.code = str(problem.get("code", "http_error"))
        self.errors: list[dict[str, str]] = list(problem.get("errors", ()))
        self.problem = dict(problem)


class TarifaClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> TarifaClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # -- plumbing --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Any API call (`path` under /api/v1); raises ApiError for an error answer."""
        clean = {k: _text(v) for k, v in (params or {}).items() if v is not None}
        response = self.http.request(
            method, f"/api/v1{path}", json=json, params=clean, headers=headers, content=content
        )
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text}
            raise ApiError(response.status_code, problem)
        return response

    def _post(self, path: str, body: Any, model: type[M], key: str | None = None) -> M:
        headers = {"Idempotency-Key": key} if key else None
        return model.model_validate(self.request("POST", path, json=body, headers=headers).json())

    def _get(self, path: str, model: type[M], **params: Any) -> M:
        return model.model_validate(self.request("GET", path, params=params).json())

    def _pages(self, path: str, model: type[M], **params: Any) -> Iterator[M]:
        cursor = None
        while True:
            page = self.request("GET", path, params=params | {"cursor": cursor}).json()
            yield from (model.model_validate(item) for item in page["data"])
            cursor = page["next_cursor"]
            if cursor is None:
                return

    # -- customers -------------------------------------------------------------------------

    def create_customer(
        self, customer: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> CustomerPublic:
        return self._post("/customers", dict(customer), CustomerPublic, idempotency_key)

    def get_customer(self, external_id: str) -> CustomerPublic:
        return self._get(f"/customers/{external_id}", CustomerPublic)

    def update_customer(
        self, external_id: str, changes: Mapping[str, Any], *, version: int | None = None
    ) -> CustomerPublic:
        """Change some fields; with `version`, only if it is still the current one (else an
        ApiError with status 412)."""
        headers = {"If-Match": f'"{version}"'} if version is not None else None
        response = self.request(
            "PATCH", f"/customers/{external_id}", json=dict(changes), headers=headers
        )
        return CustomerPublic.model_validate(response.json())

    def customers(self, *, page_size: int = 50, **filters: Any) -> Iterator[CustomerPublic]:
        """Every customer (filters: search, status, country), fetched page by page."""
        return self._pages("/customers", CustomerPublic, limit=page_size, **filters)

    def balance(self, external_id: str) -> list[BalancePublic]:
        data = self.request("GET", f"/customers/{external_id}/balance").json()["data"]
        return [BalancePublic.model_validate(b) for b in data]

    # -- invoices --------------------------------------------------------------------------

    def invoices(self, *, page_size: int = 50, **filters: Any) -> Iterator[InvoicePublic]:
        """Invoices (filters: account, status, state, billed_from, billed_to), page by page."""
        return self._pages("/invoices", InvoicePublic, limit=page_size, **filters)

    def get_invoice(self, invoice_id: int) -> InvoicePublic:
        return self._get(f"/invoices/{invoice_id}", InvoicePublic)

    def finalize_invoice(self, invoice_id: int) -> InvoicePublic:
        return self._post(f"/invoices/{invoice_id}/finalize", None, InvoicePublic)

    def credit_invoice(
        self,
        invoice_id: int,
        *,
        reason: str,
        positions: Sequence[int] | None = None,
        amount: Decimal | None = None,
        idempotency_key: str | None = None,
    ) -> CreditNotePublic:
        body = {
            "reason": reason,
            "positions": list(positions) if positions else None,
            "amount": None if amount is None else str(amount),
        }
        return self._post(
            f"/invoices/{invoice_id}/credit-notes", body, CreditNotePublic, idempotency_key
        )

    def invoice_document(self, invoice_id: int, format: str = "pdf") -> bytes:
        return self.request(
            "GET", f"/invoices/{invoice_id}/document", params={"format": format}
        ).content

    # -- usage, rating, catalog, bill runs -------------------------------------------------

    def post_usage(
        self,
        source: str,
        records: Sequence[Mapping[str, Any]],
        *,
        tenant: str = "default",
        idempotency_key: str | None = None,
    ) -> UsageBatchPublic:
        body = {"source": source, "tenant": tenant, "records": [dict(r) for r in records]}
        return self._post("/usage/batches", body, UsageBatchPublic, idempotency_key)

    def rate_quote(
        self, *, category: str, subject: str, destination: str, start: dt.datetime, usage: str
    ) -> RateQuotePublic:
        body = {
            "category": category,
            "subject": subject,
            "destination": destination,
            "start": start.isoformat(),
            "usage": usage,
        }
        return self._post("/rating/quote", body, RateQuotePublic)

    def quote_plan(
        self, plan: str, usage: Mapping[str, str] | None = None, **options: Any
    ) -> PlanQuotePublic:
        body = {"plan": plan, "usage": dict(usage or {})} | {
            k: _text(v) for k, v in options.items()
        }
        return self._post("/catalog/quote", body, PlanQuotePublic)

    def bill_run(
        self, as_of: dt.date, *, finalize: bool = False, dry_run: bool = False
    ) -> BillRunPublic:
        body = {"as_of": as_of.isoformat(), "finalize": finalize, "dry_run": dry_run}
        return self._post("/bill-runs", body, BillRunPublic)

    # -- payments and the ledger -----------------------------------------------------------

    def receive_payment(
        self,
        account: str,
        amount: Decimal,
        *,
        invoice: str | None = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> PaymentPublic:
        body = {
            "account": account,
            "amount": str(amount),
            "invoice": invoice,
            "reference": reference,
        }
        return self._post("/payments", body, PaymentPublic, idempotency_key)

    def import_statement(
        self, content: bytes, *, filename: str = "statement.xml"
    ) -> StatementImportPublic:
        response = self.request(
            "POST",
            "/reconciliation/statements",
            params={"filename": filename},
            content=content,
            headers={"Content-Type": "application/xml"},
        )
        return StatementImportPublic.model_validate(response.json())

    def trial_balance(self) -> list[TrialBalanceRowPublic]:
        rows = self.request("GET", "/ledger/trial-balance").json()
        return [TrialBalanceRowPublic.model_validate(r) for r in rows]

    def aging(self, as_of: dt.date | None = None) -> list[AgingRowPublic]:
        rows = self.request("GET", "/ledger/aging", params={"as_of": as_of}).json()
        return [AgingRowPublic.model_validate(r) for r in rows]


def _text(value: Any) -> Any:
    if isinstance(value, dt.date | Decimal):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


__all__ = ["ApiError", "TarifaClient"]
