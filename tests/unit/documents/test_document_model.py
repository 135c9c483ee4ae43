"""The document model: lines as EN 16931 wants them, the VAT breakdown, totals, payment.
Every figure is computed by hand in the test's docstring."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from document_builders import (
    OUTSIDE,
    REVERSE_CHARGE,
    customer,
    invoice,
    line,
    mobile_s,
    seller,
)

from tarifa.billing.taxes import TaxCategory
from tarifa.customers.model import CustomerKind
from tarifa.documents.csv_export import lines_csv
from tarifa.documents.lines import LineFacts, Tier, document_lines, unit_price
from tarifa.documents.model import DocumentType, build_document
from tarifa.documents.wording import wording
from tarifa.errors import ValidationError

D = Decimal


def facts(net: str, quantity: str | None) -> LineFacts:
    return LineFacts(
        position=3,
        kind="usage",
        description="Voice minutes",
        service_start=dt.date(2026, 3, 1),
        service_end=dt.date(2026, 3, 31),
        quantity=None if quantity is None else D(quantity),
        net=D(net),
        tax_category=TaxCategory.STANDARD,
        tax_percent=D(19),
    )


def test_vat_is_taken_once_per_category_on_the_sum_of_its_nets() -> None:
    """Ten lines of 0.10 at 19 %: 1.00 x 19 % = 0.19 of VAT, not 10 x round(0.019) = 0.20;
    total 1.19."""
    lines = [line(n, "0.10", description=f"SMS bundle {n}") for n in range(1, 11)]
    document = build_document(
        invoice(lines, net="1.00", tax="0.19", total="1.19"), seller(), customer()
    )
    assert [(t.category, t.percent, t.taxable, t.tax) for t in document.tax_summary] == [
        (TaxCategory.STANDARD, D(19), D("1.00"), D("0.19"))
    ]
    assert (document.totals.net, document.totals.tax, document.totals.total) == (
        D("1.00"),
        D("0.19"),
        D("1.19"),
    )


def test_totals_due_date_and_payment_instructions_come_from_the_finalized_invoice() -> None:
    """Mobile S's first month: 4.99 + 5.00 + 7.50 = 17.49 net, 17.49 x 19 % = 3.3231 -> 3.32,
    total 20.81, payable by transfer to the seller's IBAN quoting RF94INV2026000001."""
    document = build_document(mobile_s(), seller(), customer())
    assert (document.totals.net, document.totals.tax, document.totals.due) == (
        D("17.49"),
        D("3.32"),
        D("20.81"),
    )
    assert document.type_code is DocumentType.INVOICE
    assert document.payment is not None
    assert (document.payment.iban, document.payment.bic, document.payment.reference) == (
        "DE89370400440532013000",
        "COBADEFFXXX",
        "RF94INV2026000001",
    )
    assert document.payment.due_date == dt.date(2026, 5, 1)
    assert document.period_last_day == dt.date(2026, 3, 31)
    assert sum(x.net for x in document.lines) == document.totals.net


def test_a_line_whose_net_is_an_exact_short_product_keeps_its_quantity() -> None:
    """150 minutes for 7.50: 7.50 / 150 = 0.05 exactly, so 150 x 0.05."""
    assert unit_price(D(150), D("7.50")) == (D(150), D("0.05"))


def test_a_line_whose_net_is_not_quantity_times_a_short_price_is_one_at_its_net() -> None:
    """350 minutes (200 of them included) for 7.50: 7.50 / 350 = 0.0214285714... has no end,
    so the line reads 1 x 7.50; a line without quantity reads the same."""
    assert unit_price(D(350), D("7.50")) == (D(1), D("7.50"))
    assert unit_price(None, D("7.50")) == (D(1), D("7.50"))
    assert unit_price(D(0), D("0.00")) == (D(1), D("0.00"))


def test_a_credit_or_discount_keeps_a_positive_price_and_takes_a_negative_quantity() -> None:
    """EN 16931 BR-27 forbids a negative price: -2.50 is -1 x 2.50, -3.00 for 3 units is
    -3 x 1."""
    assert unit_price(None, D("-2.50")) == (D(-1), D("2.50"))
    assert unit_price(D(3), D("-3.00")) == (D(-3), D(1))


def test_a_tiered_charge_becomes_one_line_per_tier() -> None:
    """150 minutes at 0.05 (7.50) and 50 at 0.04 (2.00): the stored line of 9.50 is printed
    as two lines, each quantity x price = net."""
    tiers = [
        Tier(quantity=D(150), unit_price=D("0.05"), label="tier 1"),
        Tier(quantity=D(50), unit_price=D("0.04"), label="tier 2"),
    ]
    printed = document_lines(facts("9.50", "200"), "EUR", tiers)
    assert [(p.line_id, p.quantity, p.unit_price, p.net) for p in printed] == [
        ("3.1", D(150), D("0.05"), D("7.50")),
        ("3.2", D(50), D("0.04"), D("2.00")),
    ]
    assert all(p.quantity * p.unit_price == p.net for p in printed)


def test_tier_nets_are_shares_of_the_stored_net_by_largest_remainder() -> None:
    """7 units at 0.0123 (0.0861) and 10 at 0.01 (0.10): the stored net is round(0.1861) =
    0.19. Shares of 19 cents by 0.0861 : 0.10 are 8.79 and 10.21 cents: 8 and 10, and the
    cent left goes to the larger remainder (0.79): 0.09 and 0.10. 0.09 / 7 has no end, so
    the first tier reads 1 x 0.09; the second 10 x 0.01."""
    tiers = [
        Tier(quantity=D(7), unit_price=D("0.0123"), label="first 7"),
        Tier(quantity=D(10), unit_price=D("0.01"), label="next 10"),
    ]
    printed = document_lines(facts("0.19", "17"), "EUR", tiers)
    assert [(p.quantity, p.unit_price, p.net) for p in printed] == [
        (D(1), D("0.09"), D("0.09")),
        (D(10), D("0.01"), D("0.10")),
    ]
    assert sum(p.net for p in printed) == D("0.19")


def test_reverse_charge_and_outside_scope_carry_their_legal_notes() -> None:
    """A business in Austria with a VAT id, billed from Germany: AE at 0 %, the reverse-charge
    note; a customer in Switzerland: O, not subject to EU VAT."""
    business = customer(kind=CustomerKind.BUSINESS, country="AT", tax_id="ATU13585627")
    ae = invoice(
        [line(1, "100.00", category="AE", percent="0", note=REVERSE_CHARGE)],
        net="100.00",
        tax="0.00",
        total="100.00",
    )
    document = build_document(ae, seller(), business)
    assert [(t.category, t.tax, t.note) for t in document.tax_summary] == [
        (TaxCategory.REVERSE_CHARGE, D("0.00"), REVERSE_CHARGE)
    ]
    assert document.notes == (REVERSE_CHARGE,)
    outside = invoice(
        [line(1, "40.00", category="O", percent="0", note=None)],
        net="40.00",
        tax="0.00",
        total="40.00",
    )
    document = build_document(outside, seller(), customer(country="CH", locale="de-CH"))
    assert document.notes == (OUTSIDE,)


def test_an_exempt_line_without_its_reason_is_refused() -> None:
    exempt = invoice(
        [line(1, "10.00", category="E", percent="0")], net="10.00", tax="0.00", total="10.00"
    )
    with pytest.raises(ValidationError, match="category E needs its reason"):
        build_document(exempt, seller(), customer())


def test_a_document_that_disagrees_with_its_stored_totals_is_refused() -> None:
    wrong = replace(mobile_s(), tax=D("3.33"), total=D("20.82"))
    with pytest.raises(ValidationError, match="disagree"):
        build_document(wrong, seller(), customer())


def test_a_draft_has_no_document_and_a_credit_note_names_its_invoice() -> None:
    with pytest.raises(ValidationError, match="finalize it first"):
        build_document(replace(mobile_s(), number=None, issue_date=None), seller(), customer())
    with pytest.raises(ValidationError, match="names its invoice"):
        build_document(mobile_s(), seller(), customer(), type_code=DocumentType.CREDIT_NOTE)


def test_a_credit_note_has_no_payment_instructions() -> None:
    document = build_document(
        mobile_s(),
        seller(),
        customer(),
        type_code=DocumentType.CREDIT_NOTE,
        preceding_invoice="INV-2026-000001",
    )
    assert (document.is_credit_note, document.payment) == (True, None)


def test_csv_lines_add_up_to_the_invoice_net() -> None:
    """Rows 4.99 + 5.00 + 7.50 = 17.49, written plain whatever the customer's locale."""
    text = lines_csv(build_document(mobile_s(), seller(), customer())).decode()
    rows = [r.split(",") for r in text.strip().split("\r\n")]
    net = rows[0].index("net")
    assert [r[net] for r in rows[1:]] == ["4.99", "5.00", "7.50"]
    assert sum(D(r[net]) for r in rows[1:]) == D("17.49")


def test_the_wording_follows_the_locale_and_falls_back_to_english() -> None:
    """Babel: 1234.5 EUR is "1.234,50 €" in German, "€1,234.50" in English; a locale Babel does
    not know reads in English."""
    assert wording("de-DE").money(D("1234.5"), "EUR") == "1.234,50\xa0€"
    assert wording("de-DE").label("total") == "Gesamtbetrag"
    assert wording("xx-YY").money(D("1234.5"), "EUR") == "€1,234.50"
    assert wording("not a locale").label("total") == "Total"
    assert wording("fr-FR").usage(D(6000), "seconds") == "100\xa0min"
