"""Sellers: the legal entities that issue invoices (DOMAIN.md, "Invoices").

A provider may invoice through several (a brand per country, a reseller); each invoice names
its seller, and each seller numbers its invoices in its own gapless series. What is printed
on an invoice about the seller is checked here, before anything is stored:

- the VAT id against its country's format and check digits (python-stdnum; EU sellers only,
  with the country's prefix, EL for Greece);
- IBAN and BIC with schwifty (checksum, national format, the bank code where known);
- the SEPA creditor identifier (the EPC's format: country, two ISO 7064 MOD 97-10 check
  digits, a three-character business code that the check ignores, the national identifier);
- the invoice number pattern: text with exactly one ``{number}`` (zero-padded to ``width``)
  and optionally ``{year}``, which makes the series count from 1 again every year.

It also makes ISO 11649 creditor references (``RF`` + two check digits + up to 21
characters), which every invoice carries so that a bank transfer names what it pays.

Pure: no I/O.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from tarifa.customers.checks import EU_VAT_PREFIX, countries, vat_number
from tarifa.customers.model import Address
from tarifa.errors import FieldError, ValidationError

_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
_CREDITOR_ID = re.compile(r"([A-Z]{2})([0-9]{2})([A-Z0-9]{3})([A-Z0-9]{1,28})")
_REFERENCE_CHARACTERS = re.compile(r"[A-Z0-9]{1,21}")
MAX_TEXT = 200
MAX_FOOTER = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberSeries:
    """How a seller numbers its invoices: ``pattern`` with ``{number}`` zero-padded to
    ``width`` digits, and ``{year}`` (the invoice date's year) when it restarts yearly."""

    pattern: str = "INV-{year}-{number}"
    width: int = 6

    @property
    def yearly(self) -> bool:
        return "{year}" in self.pattern

    def format(self, number: int, year: int) -> str:
        return self.pattern.format(number=f"{number:0{self.width}d}", year=f"{year:04d}")


@dataclass(frozen=True, slots=True, kw_only=True)
class SellerDraft:
    code: str
    legal_name: str
    address: Address
    vat_id: str | None = None
    iban: str | None = None
    bic: str | None = None
    sepa_creditor_id: str | None = None
    email: str | None = None
    legal_footer: str | None = None
    series: NumberSeries = NumberSeries()


@dataclass(frozen=True, slots=True, kw_only=True)
class Seller(SellerDraft):
    id: int
    created_at: datetime
    version: int = 1


def check_seller(raw: Mapping[str, Any]) -> SellerDraft:
    """A seller from plain values (a YAML or JSON document, an API body), normalized:
    ValidationError lists every problem with its field."""
    problems: list[FieldError] = []

    def text(name: str, value: object, *, required: bool, limit: int = MAX_TEXT) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problems.append(FieldError(name, "is required"))
            return None
        if not isinstance(value, str) or len(value.strip()) > limit:
            problems.append(FieldError(name, f"must be text of at most {limit} characters"))
            return None
        return value.strip()

    unknown = set(raw) - {
        "code",
        "legal_name",
        "address",
        "vat_id",
        "iban",
        "bic",
        "sepa_creditor_id",
        "email",
        "legal_footer",
        "series",
    }
    problems.extend(FieldError(name, "is not a field of a seller") for name in sorted(unknown))
    code = text("code", raw.get("code"), required=True, limit=50)
    if code is not None and not _CODE.fullmatch(code):
        problems.append(FieldError("code", "must be lower-case letters, digits, - and _"))
    legal_name = text("legal_name", raw.get("legal_name"), required=True)
    address = _address(raw.get("address"), problems)
    country = address.country if address else None

    vat_id = text("vat_id", raw.get("vat_id"), required=False, limit=30)
    if vat_id is not None and country is not None:
        if country in EU_VAT_PREFIX:
            vat_id, problem = vat_number(vat_id, country)
            if problem:
                problems.append(FieldError("vat_id", problem))
        else:
            problems.append(FieldError("vat_id", "is checked for sellers in the EU only"))
    iban = text("iban", raw.get("iban"), required=False, limit=40)
    if iban is not None:
        try:
            iban = IBAN(iban).compact
        except SchwiftyException as err:
            problems.append(FieldError("iban", f"is not a valid IBAN: {err}"))
    bic = text("bic", raw.get("bic"), required=False, limit=11)
    if bic is not None:
        try:
            bic = BIC(bic).compact
        except SchwiftyException as err:
            problems.append(FieldError("bic", f"is not a valid BIC: {err}"))
    creditor = text("sepa_creditor_id", raw.get("sepa_creditor_id"), required=False, limit=35)
    if creditor is not None:
        creditor = "".join(creditor.split()).upper()
        problem = creditor_id_problem(creditor)
        if problem:
            problems.append(FieldError("sepa_creditor_id", problem))
    email = text("email", raw.get("email"), required=False)
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        problems.append(FieldError("email", "is not an email address"))
    footer = text("legal_footer", raw.get("legal_footer"), required=False, limit=MAX_FOOTER)
    series = _series(raw.get("series"), problems)
    if problems:
        raise ValidationError(problems)
    assert code is not None
    assert legal_name is not None
    assert address is not None
    return SellerDraft(
        code=code,
        legal_name=legal_name,
        address=address,
        vat_id=vat_id,
        iban=iban,
        bic=bic,
        sepa_creditor_id=creditor,
        email=email,
        legal_footer=footer,
        series=series,
    )


def creditor_id_problem(creditor_id: str) -> str | None:
    """Why `creditor_id` (compact, upper case) is not a SEPA creditor identifier, or None.

    The check digits are ISO 7064 MOD 97-10 over the national identifier followed by the
    country code and "00", letters counting A = 10 .. Z = 35; the business code is skipped."""
    found = _CREDITOR_ID.fullmatch(creditor_id)
    if found is None:
        return "must be a country code, 2 check digits, a 3-character business code and an id"
    country, check, _business, national = found.groups()
    if country not in countries():
        return f"{country} is not a country code"
    if mod_97_10.calc_check_digits(national + country) != check:
        return "its check digits do not match"
    return None


def creditor_reference(text: str) -> str:
    """The ISO 11649 creditor reference ("RF" + 2 check digits + `text`) of an invoice
    number: its letters and digits, upper case (at most 21)."""
    body = "".join(c for c in text.upper() if c in string.ascii_uppercase + string.digits)
    if not _REFERENCE_CHARACTERS.fullmatch(body):
        raise ValueError(f"{text!r} has no 1 to 21 letters and digits for a creditor reference")
    reference = "RF" + mod_97_10.calc_check_digits(body + "RF") + body
    iso11649.validate(reference)
    return reference


def _address(value: object, problems: list[FieldError]) -> Address | None:
    if not isinstance(value, Mapping):
        problems.append(FieldError("address", "is required: line1, postal_code, city, country"))
        return None
    parts: dict[str, str | None] = {}
    for name in ("line1", "line2", "postal_code", "city", "region", "country"):
        item = value.get(name)
        if item is not None and (not isinstance(item, str) or len(item.strip()) > MAX_TEXT):
            problems.append(FieldError(f"address.{name}", "must be text"))
            item = None
        parts[name] = item.strip() if isinstance(item, str) and item.strip() else None
    unknown = set(value) - set(parts)
    problems.extend(FieldError(f"address.{n}", "is not a part of an address") for n in unknown)
    # An invoice must say where its seller is (EN 16931 BG-5: BT-35, BT-37, BT-38, BT-40).
    for name in ("line1", "city", "postal_code", "country"):
        if parts[name] is None:
            problems.append(FieldError(f"address.{name}", "is required"))
    country = (parts["country"] or "").upper()
    if parts["country"] is not None and country not in countries():
        problems.append(FieldError("address.country", "must be an ISO 3166 alpha-2 code"))
        return None
    if parts["country"] is None:
        return None
    return Address(
        line1=parts["line1"],
        line2=parts["line2"],
        postal_code=parts["postal_code"],
        city=parts["city"],
        region=parts["region"],
        country=country,
    )


def _series(value: object, problems: list[FieldError]) -> NumberSeries:
    if value is None:
        return NumberSeries()
    if not isinstance(value, Mapping):
        problems.append(FieldError("series", "must hold pattern and width"))
        return NumberSeries()
    series = NumberSeries()
    pattern = value.get("pattern", series.pattern)
    width = value.get("width", series.width)
    if not isinstance(pattern, str) or not 1 <= len(pattern) <= 50:
        problems.append(FieldError("series.pattern", "must be text of 1 to 50 characters"))
    else:
        fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
        if fields.count("number") != 1 or set(fields) - {"number", "year"}:
            problems.append(
                FieldError("series.pattern", "must hold {number} once, and may hold {year}")
            )
        else:
            series = replace(series, pattern=pattern)
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= 12:
        problems.append(FieldError("series.width", "must be a whole number 1 to 12"))
    else:
        series = replace(series, width=width)
    return series


__all__ = [
    "NumberSeries",
    "Seller",
    "SellerDraft",
    "check_seller",
    "creditor_id_problem",
    "creditor_reference",
]
