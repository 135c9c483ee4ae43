"""What a bank transaction says about the invoice it pays, read from its remittance
information, and how well its amount fits (DOMAIN.md "Reconciliation").

Pure: the service looks the candidates up in the database in this order and stops at the
first that names exactly one invoice:

1. ISO 11649 creditor references (`RF` + 2 check digits + up to 21 letters and digits), from
   the structured reference or anywhere in the text, printed compact or in groups of four,
   kept only when their MOD 97-10 check holds;
2. invoice numbers: words of the text with a digit, compared with the invoice numbers
   without their separators (banks drop dashes), the way tarifa's RF references are made;
3. the payer's IBAN and the amount (the service's part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from stdnum import iso11649

from tarifa.payments.cards import contains_card_number

Fit = Literal["exact", "partial"]

# "RF" and its check digits, then up to 21 characters, possibly in groups split by spaces.
_RF = re.compile(r"RF\s?\d{2}(?:\s?[A-Z0-9]){1,21}", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]*[A-Za-z0-9]")
_DIGIT_RUN = re.compile(r"\d+(?:[ \-]\d+)*")
#: Shorter words with a digit are too often dates, amounts or house numbers.
MIN_NUMBER_LENGTH = 5
REDACTED = "[card number removed]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Clues:
    """What to look invoices up by, best first."""

    creditor_references: tuple[str, ...]
    invoice_numbers: tuple[str, ...]


def clues(structured_reference: str | None, remittance: str) -> Clues:
    text = " ".join(t for t in (structured_reference or "", remittance) if t)
    return Clues(
        creditor_references=creditor_references(text),
        invoice_numbers=invoice_number_candidates(text),
    )


def creditor_references(text: str) -> tuple[str, ...]:
    """The valid RF references in `text`, compact and upper case, in order.

    A match may run on into the next words ("RF94 INV2 0260 0000 1 Paul"): it is cut back at
    the spaces, longest first, to the first piece that passes the check. It is never cut
    inside a word, where one string in 97 would pass the check by chance."""
    found: list[str] = []
    for match in _RF.finditer(text):
        pieces = match.group().split()
        for end in range(len(pieces), 0, -1):
            compact = "".join(pieces[:end]).upper()
            if iso11649.is_valid(compact):
                if compact not in found:
                    found.append(compact)
                break
    return tuple(found)


def invoice_number_candidates(text: str) -> tuple[str, ...]:
    """Words of `text` that could be an invoice number, compact (letters and digits, upper
    case): "INV-2026-000001" and "inv 2026 000001"'s neighbours both give "INV2026000001"."""
    found: list[str] = []
    for word in _WORD.findall(text):
        compact = re.sub(r"[^A-Za-z0-9]", "", word).upper()
        has_digit = any(c.isdigit() for c in compact)
        if has_digit and len(compact) >= MIN_NUMBER_LENGTH and compact not in found:
            found.append(compact)
    return tuple(found)


def fit(amount: Decimal, balance: Decimal) -> Fit:
    """An amount that settles exactly what the invoice still owes is exact; any other
    (part of it, more than it, or an invoice already paid) is partial."""
    return "exact" if amount == balance else "partial"


def redact_card_numbers(text: str) -> str:
    """`text` with every run of digits that holds a card number replaced: a payer who writes
    a card number into a transfer's text must not put it into tarifa."""
    if not contains_card_number(text):
        return text
    redacted = _DIGIT_RUN.sub(
        lambda m: REDACTED if contains_card_number(m.group()) else m.group(), text
    )
    return REDACTED if contains_card_number(redacted) else redacted


__all__ = [
    "MIN_NUMBER_LENGTH",
    "REDACTED",
    "Clues",
    "Fit",
    "clues",
    "creditor_references",
    "fit",
    "invoice_number_candidates",
    "redact_card_numbers",
]
