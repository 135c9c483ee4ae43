"""Field checks for customer records: pure, cached, and fast enough for bulk imports.

Each check appends a :class:`~tarifa.errors.FieldError` to a shared list instead of raising,
so one pass over a record finds every problem. The costly lookups (phone number metadata, VAT
check digits, the IANA zone list, ISO country and language tables) are computed once and
cached: an import of 100,000 customers asks the same questions many times.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any, TypeVar

import phonenumbers
import pycountry
from stdnum.eu import vat

from tarifa.errors import FieldError, TarifaError
from tarifa.money import currency as iso_currency

_E = TypeVar("_E", bound=StrEnum)

#: The VAT prefix of each EU member state (VAT Directive 2006/112/EC, art. 215). Greece uses
#: EL, not its ISO code GR. Northern Ireland's XI numbers belong to country GB, where tax ids
#: are not checked.
_EU_MEMBERS = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_VAT_PREFIX: Mapping[str, str] = {cc: "EL" if cc == "GR" else cc for cc in _EU_MEMBERS.split()}

FLOAT_REASON = "floats are never accepted (a binary float is inexact); give text or a whole number"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"[+-]?[0-9]+")
_LIST_SEPARATOR = re.compile(r"[,;\s]+")
_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
# BCP 47 language tags in the forms invoices need: language, optional script, optional region
# (de, de-DE, zh-Hant-TW, es-419). Underscores (de_DE, as POSIX locales write them) are read too.
_LOCALE = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|[0-9]{3}))?")
_SIP = re.compile(
    r"(?:sip:)?(?P<user>[a-z0-9._~!$&'()*+,;=%-]{1,64})"
    r"(?:@(?P<domain>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*))?"
)
#: Asterisk's AST_MAX_ACCOUNT_CODE.
MAX_ACCOUNT_CODE = 80
_BAD = object()  # a value whose problem was already reported


@cache
def countries() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def _languages() -> frozenset[str]:
    codes: set[str] = set()
    for language in pycountry.languages:
        codes.add(language.alpha_3)
        alpha_2 = getattr(language, "alpha_2", None)
        if alpha_2:
            codes.add(alpha_2)
    return frozenset(codes)


@cache
def _zones() -> Mapping[str, str]:
    # Keyed by lower case so "europe/berlin" is read as Europe/Berlin; stored as IANA spells it.
    return {name.lower(): name for name in zoneinfo.available_timezones()}


@lru_cache(maxsize=65536)
def vat_number(tax_id: str, country: str) -> tuple[str, str | None]:
    """(normalized VAT number, problem or None) for an EU customer in `country`.

    The number is stored with its prefix. A number given without one gets the country's
    prefix; a number with another country's prefix is refused, since the VAT id must be the
    one registered in the customer's country for reverse charge to apply.
    """
    prefix = EU_VAT_PREFIX[country]
    number = vat.compact(tax_id)
    if number[:2].isalpha():
        given = number[:2]
        if given != prefix:
            hint = " (Greek VAT numbers use the prefix EL)" if given == "GR" else ""
            return (
                number,
                f"VAT prefix {given} does not match country {country}: expected {prefix}{hint}",
            )
    else:
        number = prefix + number
    if not vat.is_valid(number):
        return number, f"not a valid {country} VAT number (format or check digits)"
    return number, None


@lru_cache(maxsize=65536)
def e164(value: str) -> tuple[str, str | None]:
    """(E.164 form, problem or None): a valid number with its country code, as +CCNNN."""
    text = value.strip()
    if not text.startswith("+"):
        return text, "must be an international number starting with + and the country code"
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text, "not a phone number"
    if number.extension:
        return text, "an extension is not part of an E.164 number"
    if not phonenumbers.is_possible_number(number):
        return text, "not a possible number for its country code (wrong length)"
    if not phonenumbers.is_valid_number(number):
        return text, "not a valid number in its country's numbering plan"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def sip_user(value: str) -> tuple[str, str | None]:
    text = value.strip().lower()
    match = _SIP.fullmatch(text)
    if match is None:
        return text, "not a SIP user name (user or user@domain)"
    user, domain = match["user"], match["domain"]
    return (f"{user}@{domain}" if domain else user), None


def account_code(value: str) -> tuple[str, str | None]:
    text = value.strip()
    if not text:
        return text, "must not be empty"
    if len(text) > MAX_ACCOUNT_CODE:
        return text, f"at most {MAX_ACCOUNT_CODE} characters (Asterisk's limit)"
    if _CONTROL.search(text):
        return text, "contains control characters"
    return text, None


_IDENTIFIER_CHECKS: Mapping[str, Callable[[str], tuple[str, str | None]]] = {
    "e164": e164,
    "sip": sip_user,
    "account_code": account_code,
}


def identifier(kind: str, value: str) -> tuple[str, str | None]:
    """(canonical value, problem or None) of an identifier of `kind` (an IdentifierKind value)."""
    return _IDENTIFIER_CHECKS[kind](value)


def instant(
    value: object, field: str, errors: list[FieldError], *, required: bool = False
) -> datetime | None:
    """An aware datetime (or ISO 8601 text with an offset). Naive times are refused: a local
    time without its offset is ambiguous around daylight-saving changes."""
    if value is None or value == "":
        if required:
            errors.append(FieldError(field, "required"))
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            errors.append(FieldError(field, "not an ISO 8601 date and time"))
            return None
    if not isinstance(value, datetime):
        errors.append(FieldError(field, "must be a date and time"))
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        errors.append(FieldError(field, "needs a time zone offset (naive times are ambiguous)"))
        return None
    return value


class Collector:
    """Reads fields of one raw record, normalizing each and collecting every problem."""

    __slots__ = ("errors", "raw")

    def __init__(self, raw: Mapping[str, Any], errors: list[FieldError]) -> None:
        self.raw = raw
        self.errors = errors

    def _get(self, field: str) -> Any:
        value = self.raw.get(field)
        if isinstance(value, str):
            value = value.strip()
            return value if value else None
        if isinstance(value, float):
            self.errors.append(FieldError(field, FLOAT_REASON))
            return _BAD
        return value

    def _missing(self, field: str, required: bool) -> None:
        if required:
            self.errors.append(FieldError(field, "required"))

    def text(self, field: str, max_length: int, *, required: bool = False) -> str | None:
        value = self._get(field)
        if value is None:
            self._missing(field, required)
            return None
        if value is _BAD:
            return None
        if not isinstance(value, str):
            self.errors.append(FieldError(field, "must be text"))
            return None
        if len(value) > max_length:
            self.errors.append(FieldError(field, f"at most {max_length} characters"))
            return None
        if _CONTROL.search(value):
            self.errors.append(FieldError(field, "contains control characters"))
            return None
        return value

    def choice(self, field: str, kind: type[_E], *, required: bool = False) -> _E | None:
        value = self._get(field)
        if value is None:
            self._missing(field, required)
            return None
        if value is _BAD:
            return None
        try:
            return kind(value.lower() if isinstance(value, str) else value)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            self.errors.append(FieldError(field, f"must be one of: {allowed}"))
            return None

    def integer(
        self, field: str, low: int, high: int, *, required: bool = False, default: int | None = None
    ) -> int | None:
        value = self._get(field)
        if value is None:
            self._missing(field, required)
            return default
        if value is _BAD:
            return None
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.append(FieldError(field, "must be a whole number"))
            return None
        if not low <= value <= high:
            self.errors.append(FieldError(field, f"must be between {low} and {high}"))
            return None
        return value

    def emails(self, field: str, max_count: int) -> tuple[str, ...]:
        value = self._get(field)
        if value is None or value is _BAD:
            return ()
        if isinstance(value, str):
            parts = [part for part in _LIST_SEPARATOR.split(value) if part]
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            parts = [v.strip() for v in value if v.strip()]
        else:
            self.errors.append(FieldError(field, "must be text or a list of addresses"))
            return ()
        found: dict[str, None] = {}
        for part in parts:
            match = _EMAIL.fullmatch(part)
            if match is None or len(part) > 254 or len(match["local"]) > 64:
                self.errors.append(FieldError(field, f"{part!r} is not an email address"))
                continue
            # Domains are case-insensitive; local parts, strictly, are not: keep them as given.
            found[f"{match['local']}@{match['domain'].lower()}"] = None
        if len(found) > max_count:
            self.errors.append(FieldError(field, f"at most {max_count} addresses"))
        return tuple(found)

    def country(self, field: str) -> str | None:
        value = self.text(field, 2, required=True)
        if value is None:
            return None
        code = value.upper()
        if code not in countries():
            self.errors.append(FieldError(field, "not an ISO 3166-1 alpha-2 country code"))
            return None
        return code

    def currency(self, field: str) -> str | None:
        value = self.text(field, 10, required=True)
        if value is None:
            return None
        try:
            return iso_currency(value).code
        except TarifaError as err:
            self.errors.append(FieldError(field, str(err)))
            return None

    def time_zone(self, field: str) -> str | None:
        value = self.text(field, 64, required=True)
        if value is None:
            return None
        name = _zones().get(value.lower())
        if name is None:
            self.errors.append(FieldError(field, f"{value!r} is not an IANA time zone"))
        return name

    def locale(self, field: str) -> str | None:
        value = self.text(field, 20, required=True)
        if value is None:
            return None
        match = _LOCALE.fullmatch(value)
        if match is None:
            self.errors.append(FieldError(field, "not a language tag such as de-DE or fr"))
            return None
        language, script, region = match.groups()
        if language.lower() not in _languages():
            self.errors.append(FieldError(field, f"unknown language {language!r} (ISO 639)"))
            return None
        if region and region.isalpha() and region.upper() not in countries():
            self.errors.append(FieldError(field, f"unknown region {region!r} (ISO 3166-1)"))
            return None
        parts = [language.lower()]
        if script:
            parts.append(script.title())
        if region:
            parts.append(region.upper())
        return "-".join(parts)

    def tax_id(self, field: str, country: str | None, max_length: int) -> str | None:
        value = self.text(field, max_length)
        if value is None or country is None or country not in EU_VAT_PREFIX:
            return value
        number, problem = vat_number(value, country)
        if problem is not None:
            self.errors.append(FieldError(field, problem))
            return None
        return number
