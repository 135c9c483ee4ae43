"""ISO 20022 bank-to-customer messages: camt.053 (statement) and camt.054 (debit/credit
notification), versions .001.02 to .001.08; camt.052 (intraday report) is recognised and
skipped, one per report.

The versions differ in where they put a few things (the entry status is a code element from
.08 on, the party's name moved under `Pty`), not in what a payment is, so the file is read
namespace-agnostically: the namespace only says which message and version it is.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from lxml import etree

from tarifa.errors import ValidationError
from tarifa.reconciliation.model import (
    Direction,
    Entry,
    ParsedFile,
    Statement,
    Transaction,
    has_reference,
)

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d\d)$")
_VERSIONS = range(2, 9)
#: The element under the message root that holds each statement, per message.
_CONTAINER = {"052": "Rpt", "053": "Stmt", "054": "Ntfctn"}
_REFERENCES = ("EndToEndId", "TxId", "InstrId", "PmtInfId", "MsgId", "UETR")


class _BadEntry(Exception):
    """An entry that cannot be read: counted as skipped, the others go on."""


def parse_camt(data: bytes) -> ParsedFile:
    root = _document(data)
    found = _NAMESPACE.match(etree.QName(root).namespace or "")
    if found is None:
        raise ValidationError.single("file", "is not an ISO 20022 camt.052/053/054 document")
    message, version = found.group(1), int(found.group(2))
    if version not in _VERSIONS:
        raise ValidationError.single(
            "file", f"camt.{message}.001.{version:02d} is not supported (.02 to .08 are)"
        )
    _strip_namespaces(root)
    containers = root.findall(f"*/{_CONTAINER[message]}")
    if message == "052":
        return ParsedFile(format="camt.052", statements=(), skipped_reports=len(containers))
    if not containers:
        raise ValidationError.single("file", f"camt.{message} document holds no statement")
    statements: list[Statement] = []
    problems: list[str] = []
    skipped = 0
    for container in containers:
        statement, bad = _statement(f"camt.{message}", container)
        statements.append(statement)
        problems.extend(bad)
        skipped += len(bad)
    return ParsedFile(
        format=f"camt.{message}",
        statements=tuple(statements),
        skipped_entries=skipped,
        problems=tuple(problems),
    )


def _document(data: bytes) -> etree._Element:
    # No entities, no network: a statement is data from outside.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise ValidationError.single("file", f"is not well-formed XML: {err}") from None


def _strip_namespaces(root: etree._Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname


def _statement(kind: str, container: etree._Element) -> tuple[Statement, list[str]]:
    identifier = _text(container, "Id") or ""
    account = _text(container, "Acct/Id/IBAN") or _text(container, "Acct/Id/Othr/Id") or ""
    created_text = _text(container, "CreDtTm")
    try:
        created = _iso_date(created_text) if created_text else None
    except _BadEntry:
        created = None
    entries: list[Entry] = []
    problems: list[str] = []
    for position, element in enumerate(container.findall("Ntry")):
        try:
            entry = _entry(position, element, created)
        except _BadEntry as err:
            problems.append(f"{kind} {identifier} entry {position + 1}: {err}")
            continue
        if entry is not None:
            entries.append(entry)
        else:
            problems.append(f"{kind} {identifier} entry {position + 1}: not booked")
    statement = Statement(
        kind=kind,
        identifier=identifier,
        account=account.replace(" ", "").upper(),
        entries=tuple(entries),
    )
    return statement, problems


def _entry(position: int, element: etree._Element, created: dt.date | None) -> Entry | None:
    """The entry, or None when it is not booked yet (pending or information only). A
    notification may leave out the dates: the day it was created stands in."""
    status = _text(element, "Sts/Cd") or _text(element, "Sts") or "BOOK"
    if status != "BOOK":
        return None
    amount, currency = _amount(element.find("Amt"))
    direction = _direction(_text(element, "CdtDbtInd"))
    booked = _date(element.find("BookgDt")) or _date(element.find("ValDt")) or created
    if booked is None:
        raise _BadEntry("no booking date")
    details = element.findall("NtryDtls/TxDtls")
    entry_text = _text(element, "AddtlNtryInf") or ""
    if len(details) == 1 or (details and all(_has_amount(d) for d in details)):
        transactions = tuple(
            _transaction(i, d, direction, amount, currency, batch=len(details) > 1)
            for i, d in enumerate(details)
        )
    elif len(details) > 1:
        # Details without amounts cannot be split: the entry is matched as one.
        transactions = (_joined(details, direction, amount, currency, entry_text),)
    else:
        transactions = (
            _transaction(0, details[0], direction, amount, currency, batch=False)
            if details
            else Transaction(
                position=0,
                amount=amount,
                currency=currency,
                direction=direction,
                bank_reference=None,
                remittance=entry_text,
            ),
        )
    return Entry(
        position=position,
        booking_date=booked,
        amount=amount,
        currency=currency,
        direction=direction,
        reversal=(_text(element, "RvslInd") or "").lower() == "true",
        bank_reference=has_reference(_text(element, "AcctSvcrRef")),
        transactions=transactions,
    )


def _transaction(
    position: int,
    element: etree._Element,
    direction: Direction,
    amount: Decimal,
    currency: str,
    *,
    batch: bool,
) -> Transaction:
    """One detail of an entry: in a batch with its own amount; alone, with the entry's (what
    was booked, whatever the detail says was instructed). The direction is always the
    entry's: a debit booked on the account is never applied as money received."""
    if batch:
        amount, currency = _tx_amount(element)
    counterparty = "Dbtr" if direction == "credit" else "Cdtr"
    return Transaction(
        position=position,
        amount=amount,
        currency=currency,
        direction=direction,
        bank_reference=has_reference(_text(element, "Refs/AcctSvcrRef")),
        references=tuple(
            ref for name in _REFERENCES if (ref := has_reference(_text(element, f"Refs/{name}")))
        ),
        structured_reference=has_reference(_text(element, "RmtInf/Strd/CdtrRefInf/Ref")),
        remittance=_remittance(element),
        payer_iban=_text(element, f"RltdPties/{counterparty}Acct/Id/IBAN"),
        payer_name=_text(element, f"RltdPties/{counterparty}/Nm")
        or _text(element, f"RltdPties/{counterparty}/Pty/Nm"),
        return_reason=_text(element, "RtrInf/Rsn/Cd"),
    )


def _joined(
    details: list[etree._Element],
    direction: Direction,
    amount: Decimal,
    currency: str,
    entry_text: str,
) -> Transaction:
    texts = [entry_text, *(_remittance(d) for d in details)]
    return Transaction(
        position=0,
        amount=amount,
        currency=currency,
        direction=direction,
        bank_reference=None,
        references=tuple(
            ref
            for d in details
            for name in _REFERENCES
            if (ref := has_reference(_text(d, f"Refs/{name}")))
        ),
        remittance=" ".join(t for t in texts if t),
    )


def _remittance(element: etree._Element) -> str:
    parts = [(u.text or "").strip() for u in element.findall("RmtInf/Ustrd")]
    parts += [(a.text or "").strip() for a in element.findall("RmtInf/Strd/AddtlRmtInf")]
    parts.append(_text(element, "AddtlTxInf") or "")
    return " ".join(p for p in parts if p)


def _has_amount(element: etree._Element) -> bool:
    return element.find("AmtDtls/TxAmt/Amt") is not None or element.find("Amt") is not None


def _tx_amount(element: etree._Element) -> tuple[Decimal, str]:
    """A detail's own amount: what the account was booked with (`AmtDtls/TxAmt`), else its
    `Amt` (from .03 on)."""
    found = element.find("AmtDtls/TxAmt/Amt")
    return _amount(found if found is not None else element.find("Amt"))


def _amount(element: etree._Element | None) -> tuple[Decimal, str]:
    if element is None:
        raise _BadEntry("no amount")
    try:
        amount = Decimal((element.text or "").strip())
    except InvalidOperation:
        raise _BadEntry(f"amount {element.text!r} is not a number") from None
    currency = (element.get("Ccy") or "").upper()
    if not amount.is_finite() or amount <= 0 or not re.fullmatch(r"[A-Z]{3}", currency):
        raise _BadEntry(f"amount {element.text!r} {currency!r} is not a positive amount")
    return amount, currency


def _direction(code: str | None) -> Direction:
    if code == "CRDT":
        return "credit"
    if code == "DBIT":
        return "debit"
    raise _BadEntry(f"credit/debit indicator {code!r} is neither CRDT nor DBIT")


def _date(element: etree._Element | None) -> dt.date | None:
    if element is None:
        return None
    text = _text(element, "Dt") or _text(element, "DtTm")
    if not text:
        return None
    return _iso_date(text)


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _BadEntry(f"date {text!r} is not an ISO date") from None


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


__all__ = ["parse_camt"]
