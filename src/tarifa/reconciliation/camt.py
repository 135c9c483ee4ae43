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


#: What is read of each part of a document: paths of local names below it. The parser walks
#: down these paths only, once per part, whatever the elements' namespace: a statement of
#: 100,000 entries is read in one pass over the elements it uses (a path search per field,
#: or renaming every element to drop its namespace, cost ten times as much).
_STATEMENT_PATHS = ("Id", "CreDtTm", "Acct/Id/IBAN", "Acct/Id/Othr/Id", "Ntry")
_ENTRY_PATHS = (
    "Sts", "Sts/Cd", "Amt", "CdtDbtInd", "RvslInd", "BookgDt/Dt", "BookgDt/DtTm",
    "ValDt/Dt", "ValDt/DtTm", "AcctSvcrRef", "AddtlNtryInf", "NtryDtls/TxDtls",
)  # fmt: skip
_DETAIL_PATHS = (
    "Refs/AcctSvcrRef", *(f"Refs/{name}" for name in _REFERENCES),
    "AmtDtls/TxAmt/Amt", "Amt", "RmtInf/Ustrd", "RmtInf/Strd/AddtlRmtInf",
    "RmtInf/Strd/CdtrRefInf/Ref", "AddtlTxInf", "RtrInf/Rsn/Cd",
    *(f"RltdPties/{party}{path}" for party in ("Dbtr", "Cdtr")
      for path in ("Acct/Id/IBAN", "/Nm", "/Pty/Nm")),
)  # fmt: skip

#: A path tree: local name -> (the path, if it is read; the tree below it).
_Tree = dict[str, tuple[str | None, "_Tree"]]
#: What was found of a part: each path read, with its elements in document order.
_Found = dict[str, list[etree._Element]]


def _tree(paths: tuple[str, ...]) -> _Tree:
    tree: _Tree = {}
    for path in paths:
        node = tree
        names = path.split("/")
        for depth, name in enumerate(names):
            wanted = path if depth == len(names) - 1 else None
            known, below = node.get(name, (None, {}))
            node[name] = (known or wanted, below)
            node = below
    return tree


_STATEMENT = _tree(_STATEMENT_PATHS)
_ENTRY = _tree(_ENTRY_PATHS)
_DETAIL = _tree(_DETAIL_PATHS)


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
    containers = [
        container
        for child in _elements(root)
        for container in _elements(child)
        if _local(container) == _CONTAINER[message]
    ]
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


def _elements(parent: etree._Element) -> list[etree._Element]:
    """The child elements (no comments or processing instructions)."""
    return [child for child in parent if isinstance(child.tag, str)]


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _select(element: etree._Element, tree: _Tree) -> _Found:
    """The elements below `element` on the tree's paths, level by level (so each path's
    elements come in document order)."""
    found: _Found = {}
    level = [(element, tree)]
    while level:
        below = []
        for parent, node in level:
            for child in parent:
                tag = child.tag
                if not isinstance(tag, str):
                    continue
                step = node.get(tag.rpartition("}")[2])
                if step is None:
                    continue
                path, subtree = step
                if path is not None:
                    found.setdefault(path, []).append(child)
                if subtree:
                    below.append((child, subtree))
        level = below
    return found


def _first(found: _Found, path: str) -> etree._Element | None:
    elements = found.get(path)
    return elements[0] if elements else None


def _statement(kind: str, container: etree._Element) -> tuple[Statement, list[str]]:
    found = _select(container, _STATEMENT)
    identifier = _text(found, "Id") or ""
    account = _text(found, "Acct/Id/IBAN") or _text(found, "Acct/Id/Othr/Id") or ""
    created_text = _text(found, "CreDtTm")
    try:
        created = _iso_date(created_text) if created_text else None
    except _BadEntry:
        created = None
    entries: list[Entry] = []
    problems: list[str] = []
    for position, element in enumerate(found.get("Ntry", ())):
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
    found = _select(element, _ENTRY)
    status = _text(found, "Sts/Cd") or _text(found, "Sts") or "BOOK"
    if status != "BOOK":
        return None
    amount, currency = _amount(_first(found, "Amt"))
    direction = _direction(_text(found, "CdtDbtInd"))
    booked = _date(found, "BookgDt") or _date(found, "ValDt") or created
    if booked is None:
        raise _BadEntry("no booking date")
    details = [_select(d, _DETAIL) for d in found.get("NtryDtls/TxDtls", ())]
    entry_text = _text(found, "AddtlNtryInf") or ""
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
            Transaction(
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
        reversal=(_text(found, "RvslInd") or "").lower() == "true",
        bank_reference=has_reference(_text(found, "AcctSvcrRef")),
        transactions=transactions,
    )


def _transaction(
    position: int,
    found: _Found,
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
        amount, currency = _tx_amount(found)
    party = "Dbtr" if direction == "credit" else "Cdtr"
    return Transaction(
        position=position,
        amount=amount,
        currency=currency,
        direction=direction,
        bank_reference=has_reference(_text(found, "Refs/AcctSvcrRef")),
        references=_references(found),
        structured_reference=has_reference(_text(found, "RmtInf/Strd/CdtrRefInf/Ref")),
        remittance=_remittance(found),
        payer_iban=_text(found, f"RltdPties/{party}Acct/Id/IBAN"),
        payer_name=_text(found, f"RltdPties/{party}/Nm")
        or _text(found, f"RltdPties/{party}/Pty/Nm"),
        return_reason=_text(found, "RtrInf/Rsn/Cd"),
    )


def _references(found: _Found) -> tuple[str, ...]:
    return tuple(
        ref for name in _REFERENCES if (ref := has_reference(_text(found, f"Refs/{name}")))
    )


def _joined(
    details: list[_Found],
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
        references=tuple(ref for d in details for ref in _references(d)),
        remittance=" ".join(t for t in texts if t),
    )


def _remittance(found: _Found) -> str:
    parts = [(u.text or "").strip() for u in found.get("RmtInf/Ustrd", ())]
    parts += [(a.text or "").strip() for a in found.get("RmtInf/Strd/AddtlRmtInf", ())]
    parts.append(_text(found, "AddtlTxInf") or "")
    return " ".join(p for p in parts if p)


def _has_amount(found: _Found) -> bool:
    return "AmtDtls/TxAmt/Amt" in found or "Amt" in found


def _tx_amount(found: _Found) -> tuple[Decimal, str]:
    """A detail's own amount: what the account was booked with (`AmtDtls/TxAmt`), else its
    `Amt` (from .03 on)."""
    booked = _first(found, "AmtDtls/TxAmt/Amt")
    return _amount(booked if booked is not None else _first(found, "Amt"))


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


def _date(found: _Found, element: str) -> dt.date | None:
    text = _text(found, f"{element}/Dt") or _text(found, f"{element}/DtTm")
    if not text:
        return None
    return _iso_date(text)


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _BadEntry(f"date {text!r} is not an ISO date") from None


def _text(found: _Found, path: str) -> str | None:
    element = _first(found, path)
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


__all__ = ["parse_camt"]
