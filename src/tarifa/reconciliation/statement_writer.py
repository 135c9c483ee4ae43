"""Writes camt.053 / camt.054 documents (ISO 20022, .001.08 by default) as a bank would for
the provider's own invoices, naming their RF references and numbers: to rehearse
reconciliation before a real bank file arrives (the demo, the benchmark and the tests use it).
Pure: it returns the document's bytes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

ACCOUNT = "DE02120300000000202051"


@dataclass(frozen=True, kw_only=True)
class Detail:
    amount: Decimal | None = None
    creditor_reference: str | None = None
    text: str | None = None
    payer_iban: str | None = None
    reference: str | None = None
    #: A returned direct debit's reason code (RtrInf/Rsn/Cd).
    return_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class Booking:
    amount: str
    credit: bool = True
    reference: str | None = None
    details: tuple[Detail, ...] = field(default_factory=tuple)


def camt(
    bookings: list[Booking],
    *,
    message: str = "053",
    version: str = "08",
    booked: dt.date = dt.date(2026, 4, 10),
    account: str = ACCOUNT,
) -> bytes:
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version}"

    def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{ns}}}{tag}")
        if text is not None:
            element.text = text
        return element

    document = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    root = sub(document, "BkToCstmrStmt" if message == "053" else "BkToCstmrDbtCdtNtfctn")
    header = sub(root, "GrpHdr")
    sub(header, "MsgId", f"MSG-{message}-{booked}")
    sub(header, "CreDtTm", f"{booked}T18:00:00")
    statement = sub(root, "Stmt" if message == "053" else "Ntfctn")
    sub(statement, "Id", f"{message}-{booked}")
    sub(statement, "CreDtTm", f"{booked}T18:00:00")
    sub(sub(sub(statement, "Acct"), "Id"), "IBAN", account)
    for booking in bookings:
        entry = sub(statement, "Ntry")
        sub(entry, "Amt", booking.amount).set("Ccy", "EUR")
        sub(entry, "CdtDbtInd", "CRDT" if booking.credit else "DBIT")
        sub(entry, "RvslInd", "false")
        sub(sub(entry, "Sts"), "Cd", "BOOK")
        sub(sub(entry, "BookgDt"), "Dt", booked.isoformat())
        sub(sub(entry, "ValDt"), "Dt", booked.isoformat())
        if booking.reference:
            sub(entry, "AcctSvcrRef", booking.reference)
        if booking.details:
            details = sub(entry, "NtryDtls")
            for detail in booking.details:
                _detail(sub, details, detail)
    written: bytes = etree.tostring(
        document, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return written


Sub = Callable[..., etree._Element]


def _detail(sub: Sub, parent: etree._Element, detail: Detail) -> None:
    element = sub(parent, "TxDtls")
    refs = sub(element, "Refs")
    if detail.reference:
        sub(refs, "AcctSvcrRef", detail.reference)
    sub(refs, "EndToEndId", "NOTPROVIDED")
    if detail.amount is not None:
        sub(element, "Amt", str(detail.amount)).set("Ccy", "EUR")
    if detail.payer_iban:
        parties = sub(element, "RltdPties")
        sub(sub(sub(parties, "Dbtr"), "Pty"), "Nm", "A Payer")
        sub(sub(sub(parties, "DbtrAcct"), "Id"), "IBAN", detail.payer_iban)
    if detail.return_reason:
        sub(sub(sub(element, "RtrInf"), "Rsn"), "Cd", detail.return_reason)
    if detail.text or detail.creditor_reference:
        remittance = sub(element, "RmtInf")
        if detail.text:
            sub(remittance, "Ustrd", detail.text)
        if detail.creditor_reference:
            reference = sub(sub(remittance, "Strd"), "CdtrRefInf")
            kind = sub(sub(reference, "Tp"), "CdOrPrtry")
            sub(kind, "Cd", "SCOR")
            sub(reference, "Ref", detail.creditor_reference)
