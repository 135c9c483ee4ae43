"""Card numbers must never be stored (DOMAIN.md "Payments"; PCI DSS keeps tarifa out of its
scope only while no primary account number enters it). A card is held as a gateway token
with its brand, last four digits and expiry, and every free-text field of a payment method
(and of a payment's reference) refuses a value that contains anything passing the
card-number checks: 12 to 19 digits (spaces or dashes between groups allowed), a card
issuer's prefix, and the Luhn check digit. Numbers from other industries are not cards: a SIM
ICCID starts with 89 (telecom), so it passes Luhn yet is not refused.

Pure: no I/O.
"""

from __future__ import annotations

import re

# Digit groups separated by single spaces or dashes: "4242 4242 4242 4242", "4242-4242-...".
_RUN = re.compile(r"\d+(?:[ \-]\d+)*")
_LENGTHS = range(12, 20)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a string of digits."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def issuer_prefix(digits: str) -> bool:
    """Whether `digits` start like a payment card: Visa 4; Mastercard 51-55 and 2221-2720;
    American Express 34, 37; Diners 300-305, 36, 38, 39; JCB 3528-3589; Discover, UnionPay,
    Maestro and the other 5x / 6x issuers."""
    first = digits[0]
    if first in "456":
        return True
    if first == "2":
        return 2221 <= int(digits[:4]) <= 2720
    if first == "3":
        two, three, four = int(digits[:2]), int(digits[:3]), int(digits[:4])
        return two in (34, 36, 37, 38, 39) or 300 <= three <= 305 or 3528 <= four <= 3589
    return False


def is_card_number(digits: str) -> bool:
    """A whole string of digits that passes the card-number checks."""
    return (
        digits.isdigit()
        and len(digits) in _LENGTHS
        and issuer_prefix(digits)
        and luhn_valid(digits)
    )


def contains_card_number(text: str) -> bool:
    """Whether any run of digit groups in `text`, or any consecutive groups of it, is a card
    number ("4242 4242 4242 4242 12/30" holds one)."""
    for run in _RUN.finditer(text):
        groups = re.split(r"[ \-]", run.group())
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > 19:
                    break
                if is_card_number(digits):
                    return True
    return False


__all__ = ["contains_card_number", "is_card_number", "issuer_prefix", "luhn_valid"]
