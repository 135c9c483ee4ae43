"""What a usage record is once read: services, units, categories, and the normalization of
destinations and account identifiers. Pure: no database, no files.

The rules (docs/rating.md, "Usage intake"):

- **Services** are voice, data, sms, mms and video. Each has the units it may be counted in
  (voice: seconds; data: bytes; sms and mms: events; video: seconds or bytes) and the rating
  category it is rated under (voice → ``call``, the others by their own name).
- **Destinations** are stored as E.164 digits without a ``+``: spaces, dashes, dots and
  parentheses are dropped, then a leading ``+`` or, failing that, a leading ``00`` (the
  international call prefix) is removed. Anything else that is all digits is kept as it is
  (a national number stays national: tarifa does not guess a country). A destination that is
  not a number (``voicemail``, ``*97``, an APN) is kept as a word, trimmed.
- **Account identifiers** are brought to the canonical form of the usage identifiers they
  must match: a phone number to ``+CC…`` (a leading ``+`` or ``00`` is the international
  form; bare digits are taken as already international), a SIP user lowercased without its
  ``sip:`` scheme, an account code trimmed.
"""

from __future__ import annotations

import re
from enum import StrEnum
from types import MappingProxyType


class Service(StrEnum):
    VOICE = "voice"
    DATA = "data"
    SMS = "sms"
    MMS = "mms"
    VIDEO = "video"


class Unit(StrEnum):
    """What a record's usage counts; the same values as the rater's UsageUnit."""

    SECONDS = "seconds"
    BYTES = "bytes"
    EVENTS = "events"


class Format(StrEnum):
    ASTERISK = "asterisk"
    CSV = "csv"
    JSONL = "jsonl"


#: The units a service may be counted in; the first is its default.
UNITS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        Service.VOICE: (Unit.SECONDS,),
        Service.DATA: (Unit.BYTES,),
        Service.SMS: (Unit.EVENTS,),
        Service.MMS: (Unit.EVENTS,),
        Service.VIDEO: (Unit.SECONDS, Unit.BYTES),
    }
)

#: The rating category of each service (the `category` of a rating profile).
CATEGORIES: MappingProxyType[str, str] = MappingProxyType(
    {
        Service.VOICE: "call",
        Service.DATA: "data",
        Service.SMS: "sms",
        Service.MMS: "mms",
        Service.VIDEO: "video",
    }
)

#: Services whose records must name a destination (a data or video session may not).
NEEDS_DESTINATION = frozenset({Service.VOICE, Service.SMS, Service.MMS})

#: Identifier kinds, as in usage_identifiers.kind.
IDENTIFIER_KINDS = ("e164", "sip", "account_code")

MAX_DESTINATION = 80
MAX_IDENTIFIER = 254
MAX_RECORD_ID = 200
MAX_USAGE_DIGITS = 30
#: A part's record id is ``<session>#<sequence>``: the session leaves room for the sequence.
MAX_SESSION = MAX_RECORD_ID - 20
MAX_SEQUENCE_DIGITS = 18  # a bigint

_NUMBER_NOISE = re.compile(r"[\s\-.()/]")
_DIGITS = re.compile(r"[0-9]+")
_USAGE = re.compile(r"[0-9]{1,30}(\.[0-9]{1,12})?")


def destination(text: str) -> tuple[str, str | None]:
    """(the destination as stored, problem or None)."""
    value = text.strip()
    if value.isdigit() and value.isascii():
        digits = value[2:] if value.startswith("00") else value
        return digits, None if digits else "the destination 00 has no digits"
    if not value:
        return value, None
    compact = _NUMBER_NOISE.sub("", value)
    international = compact.startswith("+")
    if international:
        compact = compact[1:]
    if _DIGITS.fullmatch(compact):
        digits = compact[2:] if not international and compact.startswith("00") else compact
        if not digits:
            return value, f"the destination {value!r} has no digits"
        return digits, None
    if international:
        return value, f"the destination {value!r} is not a number"
    if len(value) > MAX_DESTINATION:
        return value, f"the destination is longer than {MAX_DESTINATION} characters"
    return value, None


def identifier(kind: str, text: str) -> tuple[str, str | None]:
    """(canonical identifier value, problem or None) for matching usage_identifiers."""
    value = text.strip()
    if not value:
        return value, "no account identifier"
    if kind == "e164":
        if value.startswith("+"):
            body = value[1:]
        elif value.startswith("00"):
            body = value[2:]
        else:
            body = value
        if not (body.isdigit() and body.isascii()):
            body = _NUMBER_NOISE.sub("", body)
            if not _DIGITS.fullmatch(body):
                return value, f"{value!r} is not a phone number"
        if not 2 <= len(body) <= 15 or body[0] == "0":
            return value, f"{value!r} is not an international phone number"
        return "+" + body, None
    if len(value) > MAX_IDENTIFIER:
        return value, f"the account identifier is longer than {MAX_IDENTIFIER} characters"
    if kind == "sip":
        lowered = value.lower()
        return (lowered[4:] if lowered.startswith("sip:") else lowered), None
    if kind == "account_code":
        return value, None
    return value, f"unknown identifier kind {kind!r} (e164, sip or account_code)"


def usage_text(text: str) -> tuple[str, str | None]:
    """(usage as a decimal text, problem or None): a non-negative number of units."""
    value = text.strip()
    if _USAGE.fullmatch(value):
        return value, None
    if value.startswith("-") and _USAGE.fullmatch(value[1:]):
        return value, f"negative usage {value}"
    if not value:
        return value, "no usage"
    return value, f"usage {value!r} is not a number"


def sequence(text: str) -> tuple[int, str | None]:
    """(a part's sequence number, problem or None): a whole number from 1, written as digits;
    leading zeros are dropped (``"007"`` is part 7)."""
    value = text.strip()
    digits = value.lstrip("0")
    if not value:
        return 0, "no sequence"
    if not (value.isdigit() and value.isascii()) or not digits:
        return 0, f"sequence {value!r} is not a whole number from 1"
    if len(digits) > MAX_SEQUENCE_DIGITS:
        return 0, f"sequence {value!r} is longer than {MAX_SEQUENCE_DIGITS} digits"
    return int(digits), None


def session(text: str) -> tuple[str, str | None]:
    """(a part's session id, problem or None)."""
    value = text.strip()
    if not value:
        return value, "no session"
    if len(value) > MAX_SESSION:
        return value, f"the session is longer than {MAX_SESSION} characters"
    return value, None


def part_id(session: str, sequence: int) -> str:
    """The record id of part `sequence` of `session`: a part imported twice is a duplicate,
    and the part before it is found by its id."""
    return f"{session}#{sequence}"


def service_unit(service: str, unit: str | None) -> tuple[str, str, str | None]:
    """(service, unit, problem or None): the unit defaults to the service's first."""
    units = UNITS.get(service)
    if units is None:
        return service, unit or "", f"unknown service {service!r} (voice, data, sms, mms, video)"
    if not unit:
        return service, units[0], None
    if unit not in units:
        return service, unit, f"unit {unit!r} does not fit service {service} ({', '.join(units)})"
    return service, unit, None
