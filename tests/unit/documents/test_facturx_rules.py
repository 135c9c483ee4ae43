"""Every kind of invoice tarifa issues passes the Factur-X EN16931 XSD and the EN 16931
schematron (run offline with saxonche; tests/en16931_checks.py): standard-rated, reverse
charge, outside the scope of EU VAT, exempt, with tiers and discounts, and a credit note."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import facturx
from document_builders import REVERSE_CHARGE, customer, invoice, line, mobile_s, seller
from lxml import etree

from en16931_checks import assert_valid_en16931, failed_rules
from tarifa.customers.model import CustomerKind
from tarifa.documents.cii import RAM, cii_xml
from tarifa.documents.einvoice import render_facturx
from tarifa.documents.lines import Tier
from tarifa.documents.model import DocumentType, build_document

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_a_standard_rated_invoice_passes_the_xsd_and_the_en_16931_rules() -> None:
    assert_valid_en16931(cii_xml(build_document(mobile_s(), seller(), customer())))


def test_the_factur_x_pdf_embeds_the_same_valid_xml() -> None:
    document = build_document(mobile_s(), seller(), customer())
    pdf = render_facturx(document)
    name, xml = facturx.get_xml_from_pdf(io.BytesIO(pdf), check_xsd=True)
    assert name == "factur-x.xml"
    assert xml == cii_xml(document)
    assert_valid_en16931(xml)
    assert b"/OutputIntents" in pdf
    assert b"GTS_PDFA1" in pdf


def test_a_reverse_charged_business_invoice_passes_the_rules() -> None:
    """A business in Austria with a valid VAT id, billed from Germany: AE, 0 %, the reverse
    charge note and VATEX-EU-AE; both VAT ids are on the invoice (BR-AE-02)."""
    business = customer(
        kind=CustomerKind.BUSINESS, country="AT", tax_id="ATU13585627", name="Wien Telekom GmbH"
    )
    ae = invoice(
        [
            line(1, "100.00", category="AE", percent="0", note=REVERSE_CHARGE),
            line(2, "12.34", kind="usage", quantity="617", category="AE", percent="0"),
        ],
        net="112.34",
        tax="0.00",
        total="112.34",
    )
    xml = cii_xml(build_document(ae, seller(), business))
    assert_valid_en16931(xml)
    assert b"VATEX-EU-AE" in xml
    assert b"ATU13585627" in xml


def test_an_invoice_outside_the_scope_of_eu_vat_passes_the_rules() -> None:
    """A customer in Switzerland: O, no rate, no VAT ids at all (BR-O-02, BR-O-05)."""
    outside = invoice(
        [line(1, "40.00", category="O", percent="0"), line(2, "2.50", category="O", percent="0")],
        net="42.50",
        tax="0.00",
        total="42.50",
    )
    xml = cii_xml(build_document(outside, seller(), customer(country="CH", locale="de-CH")))
    assert_valid_en16931(xml)
    assert b"DE136695976" not in xml


def test_an_exempt_invoice_passes_the_rules_with_its_reason() -> None:
    reason = "Exempt under Article 132(1)(a) of Directive 2006/112/EC (public postal services)"
    exempt = invoice(
        [line(1, "10.00", category="E", percent="0", note=reason)],
        net="10.00",
        tax="0.00",
        total="10.00",
    )
    xml = cii_xml(build_document(exempt, seller(), customer(exempt=reason)))
    assert_valid_en16931(xml)
    assert reason.encode() in xml


def test_tiers_discounts_and_credits_pass_the_line_rules() -> None:
    """Tiers 150 x 0.05 + 50 x 0.04 = 9.50, a discount of -1.00 and a credit of -3.33 for a
    plan change: net 4.99 + 9.50 - 1.00 - 3.33 = 10.16, VAT 19 % = 1.9304 -> 1.93, total
    12.09. Line nets are quantity x price (BR-LIN / BR-27: prices stay positive)."""
    lines = [
        line(1, "4.99"),
        line(2, "9.50", kind="usage", quantity="200", description="Voice minutes"),
        line(3, "-1.00", kind="discount", quantity=None, description="WELCOME10"),
        line(4, "-3.33", kind="credit", quantity="1", description="credit: Mobile S"),
    ]
    tiers = {
        2: [
            Tier(quantity=D(150), unit_price=D("0.05"), label="0-150 min"),
            Tier(quantity=D(50), unit_price=D("0.04"), label="150+ min"),
        ]
    }
    document = build_document(
        invoice(lines, net="10.16", tax="1.93", total="12.09"), seller(), customer(), tiers=tiers
    )
    assert len(document.lines) == 5
    assert_valid_en16931(cii_xml(document))


def test_a_credit_note_is_type_381_and_names_the_invoice_it_corrects() -> None:
    credit = invoice(
        [line(1, "4.99"), line(2, "5.00", kind="one_time")], net="9.99", tax="1.90", total="11.89"
    )
    document = build_document(
        replace(credit, number="CN-2026-000001"),
        seller(),
        customer(),
        type_code=DocumentType.CREDIT_NOTE,
        preceding_invoice="INV-2026-000001",
    )
    xml = cii_xml(document)
    assert_valid_en16931(xml)
    root = etree.fromstring(xml)
    assert root.findtext(f".//{{{RAM}}}TypeCode") == "381"
    referenced = root.find(f".//{{{RAM}}}InvoiceReferencedDocument")
    assert referenced is not None
    assert referenced.findtext(f"{{{RAM}}}IssuerAssignedID") == "INV-2026-000001"
    assert render_facturx(document).startswith(b"%PDF")


def test_the_schematron_check_catches_a_wrong_total() -> None:
    """The harness is not vacuous: a grand total that is not net + VAT breaks BR-CO-15."""
    xml = cii_xml(build_document(mobile_s(), seller(), customer()))
    broken = xml.replace(b"<ram:GrandTotalAmount>20.81<", b"<ram:GrandTotalAmount>20.80<")
    assert any(rule.startswith("BR-CO-15") for rule in failed_rules(broken))


def test_the_schematron_check_passes_the_factur_x_packages_own_en16931_sample() -> None:
    """The control the other way round: a published valid invoice breaks no rule
    (tests/fixtures/einvoicing/README.md)."""
    sample = FIXTURES / "einvoicing" / "factur-x-en16931.xml"
    assert_valid_en16931(sample.read_bytes())
