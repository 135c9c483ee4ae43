"""The invoice as EN 16931 Cross Industry Invoice XML (UN/CEFACT CII D16B), profile EN16931,
the XML that Factur-X / ZUGFeRD 2 embeds in a PDF/A-3 (lxml).

Choices the standard leaves open or that its business rules force:

- the guideline is ``urn:cen.eu:en16931:2017`` (Factur-X profile EN16931, BT-24);
- every party carries an identifier (the seller's code, the account's external id): an
  invoice outside the scope of VAT (category O) may not carry VAT ids (BR-O-02), and the
  seller must still be identified (BR-CO-26);
- the VAT breakdown of a category other than S carries its exemption reason text and, for
  AE and O, the VATEX code (BR-AE-10, BR-O-10, BR-E-10); category O carries no rate (BR-O-05);
- payment: a SEPA credit transfer (UNTDID 4461 code 58) to the seller's IBAN, quoting the
  ISO 11649 reference as remittance information (BT-83), due on the due date (BT-9);
- a credit note is type 381 with positive amounts and names the invoice it corrects (BT-25).

Amounts are written at the currency's minor unit, quantities and prices as they are (the
lines keep quantity x price = net exactly, see :mod:`tarifa.documents.lines`). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from lxml import etree

from tarifa.billing.taxes import TaxCategory
from tarifa.documents.lines import DocumentLine
from tarifa.documents.model import InvoiceDocument, Party
from tarifa.money import currency as currency_of

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
GUIDELINE = "urn:cen.eu:en16931:2017"
SEPA_CREDIT_TRANSFER = "58"
_NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
_VATEX = {TaxCategory.REVERSE_CHARGE: "VATEX-EU-AE", TaxCategory.OUTSIDE_SCOPE: "VATEX-EU-O"}


class _Builder:
    """Appends CII elements; `amount` writes money at the document currency's minor unit."""

    def __init__(self, currency: str) -> None:
        self.quantum = currency_of(currency).quantum

    @staticmethod
    def add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> Any:
        prefix, name = tag.split(":")
        element = etree.SubElement(parent, f"{{{_NSMAP[prefix]}}}{name}", attrs)
        if text is not None:
            element.text = text
        return element

    def amount(self, parent: etree._Element, tag: str, value: Decimal, **attrs: str) -> None:
        self.add(parent, tag, str(value.quantize(self.quantum)), **attrs)

    def date(self, parent: etree._Element, tag: str, day: dt.date) -> None:
        holder = self.add(parent, tag)
        self.add(holder, "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def cii_xml(document: InvoiceDocument) -> bytes:
    """The document as CII XML (UTF-8, with an XML declaration)."""
    b = _Builder(document.currency)
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=_NSMAP)
    context = b.add(root, "rsm:ExchangedDocumentContext")
    b.add(b.add(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    header = b.add(root, "rsm:ExchangedDocument")
    b.add(header, "ram:ID", document.number)
    b.add(header, "ram:TypeCode", document.type_code.value)
    b.date(header, "ram:IssueDateTime", document.issue_date)
    if document.legal_footer:
        note = b.add(header, "ram:IncludedNote")
        b.add(note, "ram:Content", document.legal_footer)
        b.add(note, "ram:SubjectCode", "REG")
    transaction = b.add(root, "rsm:SupplyChainTradeTransaction")
    for line in document.lines:
        _line(b, transaction, line)
    # Category O excludes VAT ids from the whole invoice (BR-O-02).
    with_vat_ids = all(t.category is not TaxCategory.OUTSIDE_SCOPE for t in document.tax_summary)
    agreement = b.add(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(b, agreement, "ram:SellerTradeParty", document.seller, with_vat_ids)
    _party(b, agreement, "ram:BuyerTradeParty", document.buyer, with_vat_ids)
    # The tax point of a continuous supply is the end of its period (billing/taxes.py); an
    # empty delivery element would break PEPPOL-EN16931-R008.
    delivery = b.add(transaction, "ram:ApplicableHeaderTradeDelivery")
    event = b.add(delivery, "ram:ActualDeliverySupplyChainEvent")
    b.date(event, "ram:OccurrenceDateTime", document.period_last_day)
    _settlement(b, b.add(transaction, "ram:ApplicableHeaderTradeSettlement"), document)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _line(b: _Builder, parent: etree._Element, line: DocumentLine) -> None:
    item = b.add(parent, "ram:IncludedSupplyChainTradeLineItem")
    b.add(b.add(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.line_id)
    b.add(b.add(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
    agreement = b.add(item, "ram:SpecifiedLineTradeAgreement")
    price = b.add(agreement, "ram:NetPriceProductTradePrice")
    b.add(price, "ram:ChargeAmount", _plain(line.unit_price))
    delivery = b.add(item, "ram:SpecifiedLineTradeDelivery")
    b.add(delivery, "ram:BilledQuantity", _plain(line.quantity), unitCode=line.unit_code)
    settlement = b.add(item, "ram:SpecifiedLineTradeSettlement")
    tax = b.add(settlement, "ram:ApplicableTradeTax")
    b.add(tax, "ram:TypeCode", "VAT")
    b.add(tax, "ram:CategoryCode", line.tax_category.value)
    if line.tax_category is not TaxCategory.OUTSIDE_SCOPE:
        b.add(tax, "ram:RateApplicablePercent", _plain(line.tax_percent))
    period = b.add(settlement, "ram:BillingSpecifiedPeriod")
    b.date(period, "ram:StartDateTime", line.service_start)
    b.date(period, "ram:EndDateTime", line.service_end)
    summation = b.add(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    b.amount(summation, "ram:LineTotalAmount", line.net)


def _party(b: _Builder, parent: etree._Element, tag: str, party: Party, with_vat_id: bool) -> None:
    element = b.add(parent, tag)
    b.add(element, "ram:ID", party.identifier)
    b.add(element, "ram:Name", party.name)
    address = b.add(element, "ram:PostalTradeAddress")
    for name, value in (
        ("ram:PostcodeCode", party.address.postal_code),
        ("ram:LineOne", party.address.line1),
        ("ram:LineTwo", party.address.line2),
        ("ram:CityName", party.address.city),
        ("ram:CountryID", party.address.country),
        ("ram:CountrySubDivisionName", party.address.region),
    ):
        if value:
            b.add(address, name, value)
    if party.email:
        b.add(
            b.add(element, "ram:URIUniversalCommunication"), "ram:URIID", party.email, schemeID="EM"
        )
    if with_vat_id and party.vat_id:
        registration = b.add(element, "ram:SpecifiedTaxRegistration")
        b.add(registration, "ram:ID", party.vat_id, schemeID="VA")


def _settlement(b: _Builder, settlement: etree._Element, document: InvoiceDocument) -> None:
    payment = document.payment
    if payment is not None:
        b.add(settlement, "ram:PaymentReference", payment.reference)
    b.add(settlement, "ram:InvoiceCurrencyCode", document.currency)
    if payment is not None:
        means = b.add(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        b.add(means, "ram:TypeCode", SEPA_CREDIT_TRANSFER)
        account = b.add(means, "ram:PayeePartyCreditorFinancialAccount")
        b.add(account, "ram:IBANID", payment.iban)
        if payment.bic:
            bank = b.add(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            b.add(bank, "ram:BICID", payment.bic)
    for row in document.tax_summary:
        tax = b.add(settlement, "ram:ApplicableTradeTax")
        b.amount(tax, "ram:CalculatedAmount", row.tax)
        b.add(tax, "ram:TypeCode", "VAT")
        if row.category is not TaxCategory.STANDARD and row.note:
            b.add(tax, "ram:ExemptionReason", row.note)
        b.amount(tax, "ram:BasisAmount", row.taxable)
        b.add(tax, "ram:CategoryCode", row.category.value)
        if row.category in _VATEX:
            b.add(tax, "ram:ExemptionReasonCode", _VATEX[row.category])
        if row.category is not TaxCategory.OUTSIDE_SCOPE:
            b.add(tax, "ram:RateApplicablePercent", _plain(row.percent))
    period = b.add(settlement, "ram:BillingSpecifiedPeriod")
    b.date(period, "ram:StartDateTime", document.period_start)
    b.date(period, "ram:EndDateTime", document.period_last_day)
    terms = b.add(settlement, "ram:SpecifiedTradePaymentTerms")
    if payment is not None:
        b.add(terms, "ram:Description", f"SEPA credit transfer quoting {payment.reference}")
        b.date(terms, "ram:DueDateDateTime", payment.due_date)
    elif document.is_credit_note:
        b.add(terms, "ram:Description", "Refunded, or kept as credit on the customer's account")
    elif document.due_date is not None:
        b.date(terms, "ram:DueDateDateTime", document.due_date)
    totals = document.totals
    summation = b.add(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    b.amount(summation, "ram:LineTotalAmount", totals.net)
    b.amount(summation, "ram:TaxBasisTotalAmount", totals.net)
    b.amount(summation, "ram:TaxTotalAmount", totals.tax, currencyID=document.currency)
    b.amount(summation, "ram:GrandTotalAmount", totals.total)
    b.amount(summation, "ram:TotalPrepaidAmount", totals.prepaid)
    b.amount(summation, "ram:DuePayableAmount", totals.due)
    if document.preceding_invoice:
        reference = b.add(settlement, "ram:InvoiceReferencedDocument")
        b.add(reference, "ram:IssuerAssignedID", document.preceding_invoice)


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros (19, 8.5, 0.0125)."""
    text = format(value.normalize(), "f")
    return text


__all__ = ["GUIDELINE", "cii_xml"]
