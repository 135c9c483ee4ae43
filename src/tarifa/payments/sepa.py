"""SEPA direct-debit files (pain.008, with sepaxml): the debits of one collection day for a
seller, as a creditor's batch validated against the ISO 20022 schema sepaxml ships. Pure: the
caller chooses the debits; nothing is read or written here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sepaxml import SepaDD

from tarifa.errors import ValidationError
from tarifa.sellers.model import Seller

SCHEMAS = ("pain.008.001.08", "pain.008.001.02")


@dataclass(frozen=True, slots=True, kw_only=True)
class Debit:
    """One invoice's amount to debit from a mandate."""

    debtor: str
    iban: str
    bic: str | None
    amount: Decimal
    sequence: str
    mandate_id: str
    mandate_signed_on: dt.date
    #: The invoice number (the end-to-end id the bank returns) and its RF reference.
    invoice_number: str
    reference: str


def direct_debit_file(
    seller: Seller,
    debits: Sequence[Debit],
    *,
    collection_date: dt.date,
    schema: str = "pain.008.001.08",
) -> bytes:
    """The pain.008 file collecting `debits` on `collection_date` for `seller` (its SEPA
    creditor id, IBAN and BIC), one batch per sequence type (FRST, RCUR)."""
    problems = []
    if schema not in SCHEMAS:
        problems.append(f"schema: must be one of {', '.join(SCHEMAS)}")
    if not seller.sepa_creditor_id:
        problems.append("seller: has no SEPA creditor identifier")
    if not seller.iban:
        problems.append("seller: has no IBAN to collect into")
    if problems:
        raise ValidationError.single("sepa", "; ".join(problems))
    config = {
        "name": seller.legal_name[:70],
        "IBAN": seller.iban,
        "BIC": seller.bic or "NOTPROVIDED",
        "batch": True,
        "creditor_id": seller.sepa_creditor_id,
        "currency": "EUR",
    }
    sepa = SepaDD(config, schema=schema, clean=True)
    for debit in debits:
        payment = {
            "name": debit.debtor,
            "IBAN": debit.iban,
            "amount": int(debit.amount * 100),
            "type": debit.sequence,
            "collection_date": collection_date,
            "mandate_id": debit.mandate_id,
            "mandate_date": debit.mandate_signed_on,
            "description": f"Invoice {debit.invoice_number} {debit.reference}",
            "endtoend_id": debit.invoice_number[:35],
        }
        if debit.bic:
            payment["BIC"] = debit.bic
        sepa.add_payment(payment)
    xml: bytes = sepa.export(validate=True, pretty_print=True)
    return xml


__all__ = ["SCHEMAS", "Debit", "direct_debit_file"]
