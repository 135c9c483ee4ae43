"""Hand-built sellers, customers and finalized invoices for the document tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tarifa.customers.model import Address, Customer, CustomerKind
from tarifa.invoices.service import Invoice, InvoiceLine
from tarifa.sellers.model import Seller

D = dt.date
NOW = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
MARCH = (D(2026, 3, 1), D(2026, 4, 1))
REVERSE_CHARGE = (
    "Reverse charge: VAT to be accounted for by the recipient (Article 196 of Council "
    "Directive 2006/112/EC)"
)
OUTSIDE = "Not subject to EU VAT: the customer is outside the EU VAT area"


def seller() -> Seller:
    return Seller(
        id=1,
        code="acme-de",
        legal_name="ACME Telecom GmbH",
        address=Address(
            line1="Friedrichstraße 1", postal_code="10117", city="Berlin", country="DE"
        ),
        vat_id="DE136695976",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        email="billing@acme.example",
        legal_footer="ACME Telecom GmbH · Amtsgericht Charlottenburg HRB 12345",
        created_at=NOW,
    )


def customer(
    *,
    kind: CustomerKind = CustomerKind.PERSON,
    country: str = "DE",
    locale: str = "de-DE",
    tax_id: str | None = None,
    exempt: str | None = None,
    name: str = "Max Muster",
) -> Customer:
    return Customer(
        id=7,
        external_id="MUC",
        kind=kind,
        legal_name=name,
        emails=("max@example.org",),
        address=Address(
            line1="Marienplatz 1", postal_code="80331", city="München", country=country
        ),
        currency="EUR",
        time_zone="Europe/Berlin",
        billing_cycle_day=1,
        locale=locale,
        tax_id=tax_id,
        tax_exempt_reason=exempt,
        created_at=NOW,
        updated_at=NOW,
    )


def line(
    position: int,
    net: str,
    *,
    kind: str = "recurring",
    description: str = "Mobile S",
    quantity: str | None = "1",
    category: str = "S",
    percent: str = "19",
    note: str | None = None,
) -> InvoiceLine:
    return InvoiceLine(
        position=position,
        subscription_id=1,
        kind=kind,
        key=f"{kind}:{position}",
        description=description,
        service_start=MARCH[0],
        service_end=MARCH[1],
        quantity=None if quantity is None else Decimal(quantity),
        amount=Decimal(net),
        net=Decimal(net),
        tax_category=category,
        tax_percent=Decimal(percent),
        tax_note=note,
    )


def invoice(lines: list[InvoiceLine], *, net: str, tax: str, total: str) -> Invoice:
    return Invoice(
        id=42,
        seller_id=1,
        account_id=7,
        currency="EUR",
        billing_date=MARCH[1],
        period_start=MARCH[0],
        period_end=MARCH[1],
        status="finalized",
        number="INV-2026-000001",
        creditor_reference="RF94INV2026000001",
        issue_date=D(2026, 4, 1),
        due_date=D(2026, 5, 1),
        net=Decimal(net),
        tax=Decimal(tax),
        total=Decimal(total),
        lines=tuple(lines),
    )


def mobile_s() -> Invoice:
    """Mobile S's first month (tests/integration/test_invoices.py): 4.99 + 5.00 + 150 minutes
    at 0.05 = 7.50, net 17.49; 19 % of it is 3.3231 -> 3.32; total 20.81."""
    return invoice(
        [
            line(1, "4.99", description="Mobile S (mobile-s), 2026-03-01 - 2026-04-01"),
            line(2, "5.00", kind="one_time", description="Activation"),
            line(3, "7.50", kind="usage", description="Voice minutes", quantity="350"),
        ],
        net="17.49",
        tax="3.32",
        total="20.81",
    )
