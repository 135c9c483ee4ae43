"""What a bank statement says, as values: statements of entries of transactions.

A *statement* is one camt `Stmt` / `Ntfctn` or one MT940 message (`:20:` … `:62F:`); an
*entry* is a booking on the account (a camt `Ntry`, an MT940 `:61:` line); a *transaction* is
what gets matched: an entry booked as a batch holds one per camt `TxDtls`, any other entry is
one transaction (DOMAIN.md "Reconciliation"). Amounts are positive `Decimal`s with a
direction, as banks print them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Direction = Literal["credit", "debit"]

#: What banks write where they have no reference of their own (MT940 and some camt).
NO_REFERENCE = "NONREF"


@dataclass(frozen=True, slots=True, kw_only=True)
class Transaction:
    #: 0-based place in its entry.
    position: int
    amount: Decimal
    currency: str
    direction: Direction
    #: The bank's own reference of this booking (camt `AcctSvcrRef`, MT940 bank reference).
    bank_reference: str | None
    #: The payer's end-to-end id and other references, kept for the key and for review.
    references: tuple[str, ...] = ()
    #: The structured creditor reference (camt `RmtInf/Strd/CdtrRefInf/Ref`), if any.
    structured_reference: str | None = None
    #: The unstructured remittance text (camt `Ustrd`, MT940 `:86:`).
    remittance: str = ""
    payer_iban: str | None = None
    payer_name: str | None = None
    #: A returned direct debit's reason code (camt `RtrInf/Rsn/Cd`: AC04, AC06, MD06, AM04...).
    return_reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    #: 0-based place in its statement.
    position: int
    booking_date: dt.date
    amount: Decimal
    currency: str
    direction: Direction
    #: camt `RvslInd`: the entry undoes an earlier one (a return): never applied by itself.
    reversal: bool
    bank_reference: str | None
    transactions: tuple[Transaction, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    #: camt.053, camt.054 or mt940.
    kind: str
    #: The bank's id of the statement (camt `Stmt/Id`, MT940 `:20:` and `:28C:`).
    identifier: str
    #: The account the statement is for: its IBAN, compact, or the bank's account id.
    account: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedFile:
    """A file's statements and what was skipped: intraday reports (camt.052, MT942), one per
    report, and entries that could not be read or are not booked yet, each with why."""

    format: str
    statements: tuple[Statement, ...]
    skipped_reports: int = 0
    skipped_entries: int = 0
    problems: tuple[str, ...] = ()

    @property
    def skipped(self) -> int:
        return self.skipped_reports + self.skipped_entries


def transaction_key(statement: Statement, entry: Entry, transaction: Transaction) -> str:
    """The key a booking is applied once by: account, booking date and the bank's reference;
    where the bank gave none (`NONREF`), a SHA-256 of amount, date, the references and the
    position, so two different unreferenced bookings of one day stay apart.

    It names no statement kind: the same booking notified in a camt.054 and listed again in
    the camt.053 has the same key."""
    head = f"bank:{statement.account}:{entry.booking_date.isoformat()}"
    if transaction.bank_reference:
        return f"{head}:{transaction.bank_reference}"
    if entry.bank_reference:
        # A batch under one reference: its details are told apart by their own ids, else
        # by their place in the batch (the same in the camt.054 and the camt.053).
        if len(entry.transactions) == 1:
            return f"{head}:{entry.bank_reference}"
        detail = next(iter(transaction.references), str(transaction.position))
        return f"{head}:{entry.bank_reference}/{detail}"
    material = "|".join(
        (
            transaction.direction,
            str(transaction.amount),
            transaction.currency,
            entry.booking_date.isoformat(),
            *transaction.references,
            transaction.structured_reference or "",
            transaction.remittance,
            str(entry.position),
            str(transaction.position),
        )
    )
    return f"{head}:{NO_REFERENCE}:{hashlib.sha256(material.encode()).hexdigest()}"


def has_reference(value: str | None) -> str | None:
    """`value` stripped, or None where it is empty or a placeholder banks use for none."""
    if value is None:
        return None
    value = value.strip()
    if not value or value.upper() in (NO_REFERENCE, "NOTPROVIDED", "NOT PROVIDED"):
        return None
    return value


__all__ = [
    "NO_REFERENCE",
    "Direction",
    "Entry",
    "ParsedFile",
    "Statement",
    "Transaction",
    "has_reference",
    "transaction_key",
]
