"""Field checks for customer records: pure, cached, and fast enough for bulk imports.

Each check appends a :class:`~tarifa.errors.FieldError` to a shared list instead of raising,
so one pass over a record finds every problem. The costly lookups (phone number metadata, VAT
check digits, the IANA zone list, ISO country and language tables) are computed once and
cached: an import of 100,000 customers asks the same questions many times.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any, TypeVar

import phonenumbers
import pycountry
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as StdnumError

from tarifa.customers import phones
from tarifa.errors import FieldError, TarifaError
from tarifa.money import currency as iso_currency

_E = TypeVar("_E", bound=StrEnum)

#: The VAT prefix of each EU member state (VAT Directive 2006/112/EC, art. 215). Greece uses
#: EL, not its ISO code GR. Northern Ireland's XI numbers belong to country GB, where tax ids
#: are not checked.
_EU_MEMBERS = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_VAT_PREFIX: Mapping[str, str] = {cc: "EL" if cc == "GR" else cc for cc in _EU_MEMBERS.split()}

FLOAT_REASON = "floats are never accepted (a binary float is inexact); give text or a whole number"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_VAT_SEPARATORS = re.compile(r"[\s.\-/,]+")
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
    number = _VAT_SEPARATORS.sub("", tax_id).upper()
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
    try:
        number = vat.compact(number)
    except StdnumError:
        return number, f"not a valid {country} VAT number (format or check digits)"
    if not vat.is_valid(number):
        return number, f"not a valid {country} VAT number (format or check digits)"
    return number, None


@lru_cache(maxsize=65536)
def e164(value: str) -> tuple[str, str | None]:
    """(E.164 form, problem or None): a valid number with its country code, as +CCNNN."""
    text = value.strip()
    fast = phones.canonical_e164(text)
    if fast is not None:
        return fast, None
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
    if CONTROL.search(text):
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


def identifier_check(kind: str) -> Callable[[str], tuple[str, str | None]]:
    """The check :func:`identifier` applies to identifiers of `kind` (an IdentifierKind value)."""
    return _IDENTIFIER_CHECKS[kind]


def addresses(parts: Iterable[str], max_count: int) -> tuple[tuple[str, ...], list[str]]:
    """(the normalized email addresses among `parts`, problems): each part must be an address;
    two spellings of one address count once."""
    found: dict[str, str] = {}
    problems: list[str] = []
    for part in parts:
        match = _EMAIL.fullmatch(part)
        if match is None or len(part) > 254 or len(match["local"]) > 64:
            problems.append(f"{part!r} is not an email address")
            continue
        # Domains are case-insensitive; local parts, strictly, are not, so they are kept
        # as given, but two spellings of one address (as mail systems treat them) are one.
        found.setdefault(part.lower(), f"{match['local']}@{match['domain'].lower()}")
    if len(found) > max_count:
        problems.append(f"at most {max_count} addresses")
    return tuple(found.values()), problems


def email_list(text: str, max_count: int) -> tuple[str, ...] | None:
    """The addresses of a text list (separated by commas, semicolons or spaces), or None when
    :meth:`Collector.emails` would report a problem."""
    found, problems = addresses([part for part in _LIST_SEPARATOR.split(text) if part], max_count)
    return None if problems else found


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


Parsed = tuple[Any, str | None]  # (normalized value or None when empty, problem or None)


@lru_cache(maxsize=4096)
def country_text(text: str) -> Parsed:
    code = text.strip().upper()
    if not code:
        return None, None
    if code not in countries():
        return None, "not an ISO 3166-1 alpha-2 country code"
    return code, None


@lru_cache(maxsize=4096)
def currency_text(text: str) -> Parsed:
    code = text.strip()
    if not code:
        return None, None
    try:
        return iso_currency(code).code, None
    except TarifaError as err:
        return None, str(err)


@lru_cache(maxsize=4096)
def zone_text(text: str) -> Parsed:
    value = text.strip()
    if not value:
        return None, None
    name = _zones().get(value.lower())
    if name is None:
        return None, f"{value!r} is not an IANA time zone"
    return name, None


@lru_cache(maxsize=4096)
def locale_text(text: str) -> Parsed:
    value = text.strip()
    if not value:
        return None, None
    match = _LOCALE.fullmatch(value)
    if match is None:
        return None, "not a language tag such as de-DE or fr"
    language, script, region = match.groups()
    if language.lower() not in _languages():
        return None, f"unknown language {language!r} (ISO 639)"
    if region and region.isalpha() and region.upper() not in countries():
        return None, f"unknown region {region!r} (ISO 3166-1)"
    parts = [language.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts), None


@lru_cache(maxsize=4096)
def choice_text(kind: type[StrEnum], text: str) -> Parsed:
    value = text.strip().lower()
    if not value:
        return None, None
    try:
        return kind(value), None
    except ValueError:
        return None, _allowed(kind)


@cache
def _allowed(kind: type[StrEnum]) -> str:
    return "must be one of: " + ", ".join(member.value for member in kind)


@lru_cache(maxsize=4096)
def integer_text(low: int, high: int, text: str) -> Parsed:
    value = text.strip()
    if not value:
        return None, None
    if not _DIGITS.fullmatch(value):
        return None, "must be a whole number"
    return _in_range(int(value), low, high)


def _in_range(value: int, low: int, high: int) -> Parsed:
    if not low <= value <= high:
        return None, f"must be between {low} and {high}"
    return value, None


class Collector:
    """Reads fields of one raw record, normalizing each and collecting every problem.

    Text (what a CSV holds) is trimmed and an empty string counts as missing. Values with
    few distinct spellings (countries, currencies, zones, locales, enums, small numbers) are
    parsed once per spelling and remembered.
    """

    __slots__ = ("errors", "raw")

    def __init__(self, raw: Mapping[str, Any], errors: list[FieldError]) -> None:
        self.raw = raw
        self.errors = errors

    def _problem(self, field: str, reason: str) -> None:
        self.errors.append(FieldError(field, reason))

    def _other(self, field: str, value: object, required: bool, reason: str) -> None:
        """Report a value that is not text: missing, a float, or of a wrong type."""
        if value is None:
            if required:
                self._problem(field, "required")
        elif isinstance(value, float):
            self._problem(field, FLOAT_REASON)
        else:
            self._problem(field, reason)

    def _parsed(
        self, field: str, parse: Callable[[str], Parsed], required: bool, reason: str
    ) -> Any:
        value = self.raw.get(field)
        if value.__class__ is str:
            result, problem = parse(value)
            if problem is not None:
                self._problem(field, problem)
            elif result is None and required:
                self._problem(field, "required")
            return result
        self._other(field, value, required, reason)
        return None

    def text(self, field: str, max_length: int, *, required: bool = False) -> str | None:
        value = self.raw.get(field)
        if value.__class__ is str:
            value = value.strip()
            if not value:
                if required:
                    self._problem(field, "required")
                return None
            if len(value) > max_length:
                self._problem(field, f"at most {max_length} characters")
                return None
            if CONTROL.search(value):
                self._problem(field, "contains control characters")
                return None
            return value
        self._other(field, value, required, "must be text")
        return None

    def choice(self, field: str, kind: type[_E], *, required: bool = False) -> _E | None:
        value = self.raw.get(field)
        if isinstance(value, kind):
            return value
        if value.__class__ is str:
            result, problem = choice_text(kind, value)
            if problem is not None:
                self._problem(field, problem)
            elif result is None and required:
                self._problem(field, "required")
            return result  # type: ignore[no-any-return]
        self._other(field, value, required, _allowed(kind))
        return None

    def integer(
        self, field: str, low: int, high: int, *, required: bool = False, default: int | None = None
    ) -> int | None:
        value = self.raw.get(field)
        if value is None or value == "" or (value.__class__ is str and not value.strip()):
            if required:
                self._problem(field, "required")
            return default
        if value.__class__ is int:
            result, problem = _in_range(value, low, high)
        elif value.__class__ is str:
            result, problem = integer_text(low, high, value)
        else:
            self._other(field, value, required, "must be a whole number")
            return None
        if problem is not None:
            self._problem(field, problem)
        return int(result) if result is not None else None

    def emails(self, field: str, max_count: int) -> tuple[str, ...]:
        value = self.raw.get(field)
        if isinstance(value, str):
            parts = [part for part in _LIST_SEPARATOR.split(value) if part]
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            parts = [v.strip() for v in value if v.strip()]
        else:
            if value is not None:
                self._other(field, value, False, "must be text or a list of addresses")
            return ()
        found, problems = addresses(parts, max_count)
        for problem in problems:
            self._problem(field, problem)
        return found

    def country(self, field: str) -> str | None:
        result: str | None = self._parsed(field, country_text, True, "must be text")
        return result

    def currency(self, field: str) -> str | None:
        result: str | None = self._parsed(field, currency_text, True, "must be text")
        return result

    def time_zone(self, field: str) -> str | None:
        result: str | None = self._parsed(field, zone_text, True, "must be text")
        return result

    def locale(self, field: str) -> str | None:
        result: str | None = self._parsed(field, locale_text, True, "must be text")
        return result

    def tax_id(self, field: str, country: str | None, max_length: int) -> str | None:
        value = self.text(field, max_length)
        if value is None or country is None or country not in EU_VAT_PREFIX:
            return value
        number, problem = vat_number(value, country)
        if problem is not None:
            self._problem(field, problem)
            return None
        return number
