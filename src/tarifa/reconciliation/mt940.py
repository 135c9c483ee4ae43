"""SWIFT MT940 customer statements, read with the `mt-940` package; MT942 interim reports
are recognised and skipped, one per report.

The package reads a whole file as one run of transactions and forgets where one statement
ends; banks also differ in headers (`{1:…}` blocks, bare "940" lines), in `:86:` layouts and in
what they leave out. So the file is cut into messages at each `:20:` here, and each message
is parsed on its own: a message the package cannot read is skipped (its `:61:` lines counted)
and the others go on.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import mt940

from tarifa.errors import ValidationError
from tarifa.reconciliation.model import (
    Direction,
    Entry,
    ParsedFile,
    Statement,
    Transaction,
    has_reference,
)

_MESSAGE_START = re.compile(r"^:20:", re.MULTILINE)
_ENTRY = re.compile(r"^:61:", re.MULTILINE)
_OPENING_BALANCE = re.compile(r"^:60[FM]:", re.MULTILINE)
# MT942 has a floor limit (:34F:) and a date-time (:13D:) and no opening balance.
_INTERIM = re.compile(r"^:(34F|13D):", re.MULTILINE)
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
#: `:86:` fields that hold what the payer wrote, by the package's names for them.
_TEXT_FIELDS = (
    "transaction_details",
    "purpose",
    "additional_purpose",
    "end_to_end_reference",
    "non_swift_text",
)


def looks_like_mt940(text: str) -> bool:
    return bool(_MESSAGE_START.search(text)) and ":25:" in text


def parse_mt940(data: bytes) -> ParsedFile:
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    if not looks_like_mt940(text):
        raise ValidationError.single("file", "is neither a camt document nor an MT940 file")
    starts = [m.start() for m in _MESSAGE_START.finditer(text)]
    messages = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    statements: list[Statement] = []
    problems: list[str] = []
    skipped = 0
    interim = 0
    for message in messages:
        if _INTERIM.search(message) and not _OPENING_BALANCE.search(message):
            interim += 1
            continue
        # Any failure of the package in one message skips that message only.
        try:
            statement, bad = _statement(message)
        except Exception as err:
            count = len(_ENTRY.findall(message))
            skipped += count
            why = err.args[0] if err.args else err
            problems.append(f"an MT940 message with {count} entries was not readable: {why}")
            continue
        statements.append(statement)
        problems.extend(bad)
        skipped += len(bad)
    fmt = "mt942" if interim and not statements and not problems else "mt940"
    return ParsedFile(
        format=fmt,
        statements=tuple(statements),
        skipped_reports=interim,
        skipped_entries=skipped,
        problems=tuple(problems),
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older banks write Latin-1 (or a close code page); no byte fails to decode in it.
        return data.decode("latin-1")


def _statement(message: str) -> tuple[Statement, list[str]]:
    parsed = mt940.parse(message)
    head: dict[str, Any] = dict(parsed.data)
    reference = str(head.get("transaction_reference") or "").strip()
    number = str(head.get("statement_number") or "").strip()
    sequence = str(head.get("sequence_number") or "").strip()
    identifier = "/".join(p for p in (reference, number, sequence) if p)
    entries: list[Entry] = []
    problems: list[str] = []
    for position, transaction in enumerate(parsed.transactions):
        try:
            entries.append(_entry(position, dict(transaction.data)))
        except (KeyError, TypeError, ValueError, ArithmeticError) as err:
            problems.append(f"MT940 {identifier} entry {position + 1}: {err!r}")
    statement = Statement(
        kind="mt940",
        identifier=identifier,
        account=_account(str(head.get("account_identification") or "")),
        entries=tuple(entries),
    )
    return statement, problems


def _account(value: str) -> str:
    """An IBAN compact; any other account id as the bank wrote it, without spaces."""
    compact = value.replace(" ", "").upper()
    return compact if _IBAN.match(compact) else value.strip()


def _entry(position: int, data: dict[str, Any]) -> Entry:
    money = data["amount"]
    signed = Decimal(money.amount)
    currency = str(money.currency).upper()
    status = str(data.get("status") or "")
    direction: Direction = "debit" if signed < 0 else "credit"
    booked = data.get("entry_date") or data.get("date")
    if booked is None:
        raise ValueError("no date")
    booking_date = dt.date(booked.year, booked.month, booked.day)
    transaction = Transaction(
        position=0,
        amount=abs(signed),
        currency=currency,
        direction=direction,
        bank_reference=has_reference(data.get("bank_reference")),
        references=tuple(
            ref
            for name in ("customer_reference", "end_to_end_reference")
            if (ref := has_reference(data.get(name)))
        ),
        remittance=_remittance(data),
        payer_iban=_payer_iban(data),
        payer_name=has_reference(data.get("applicant_name")),
    )
    return Entry(
        position=position,
        booking_date=booking_date,
        amount=abs(signed),
        currency=currency,
        direction=direction,
        # RC / RD: the reversal of an earlier credit or debit.
        reversal=status.startswith("R"),
        bank_reference=transaction.bank_reference,
        transactions=(transaction,),
    )


def _remittance(data: dict[str, Any]) -> str:
    parts = [str(data[name]) for name in _TEXT_FIELDS if data.get(name)]
    return " ".join(" ".join(part.split()) for part in parts)


def _payer_iban(data: dict[str, Any]) -> str | None:
    for name in ("applicant_iban", "gvc_applicant_iban"):
        value = str(data.get(name) or "").replace(" ", "").upper()
        if _IBAN.match(value):
            return value
    return None


__all__ = ["looks_like_mt940", "parse_mt940"]
