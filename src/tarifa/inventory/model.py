"""Inventory: phone numbers, SIM cards and devices that subscriptions use (issue 5, point 1).

A resource is *available*, *reserved* (held for an order until a time), *assigned* to one
subscription, *quarantined* after its release (a number handed back is not given to someone
else at once: calls meant for the old holder would reach the new one), or *retired*. The
database keeps every assignment as a time range and refuses two that overlap for one
resource (an exclusion constraint): a number is never on two subscriptions at once.

Values are checked and normalized here: phone numbers to E.164, SIM ICCIDs (18 to 20 digits,
"89" for telecom, with their Luhn check digit), device IMEIs (15 digits with their Luhn
check digit; python-stdnum).

Pure: no I/O.
"""

from __future__ import annotations

import re
from enum import StrEnum

from stdnum import imei, luhn
from stdnum.exceptions import ValidationError as StdnumError

from tarifa.customers.checks import e164

#: Days a released resource stays quarantined unless the caller says otherwise.
DEFAULT_QUARANTINE_DAYS = {"phone_number": 90, "sim": 0, "device": 0}
_ICCID = re.compile(r"89[0-9]{16,18}")


class ResourceKind(StrEnum):
    PHONE_NUMBER = "phone_number"
    SIM = "sim"
    DEVICE = "device"


class ResourceStatus(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    ASSIGNED = "assigned"
    QUARANTINED = "quarantined"
    RETIRED = "retired"


def normalized(kind: ResourceKind | str, value: str) -> tuple[str, str | None]:
    """(the value as stored, problem or None) for a resource of `kind`."""
    text = "".join(value.split()) if kind != ResourceKind.PHONE_NUMBER else value.strip()
    match ResourceKind(kind):
        case ResourceKind.PHONE_NUMBER:
            return e164(text)
        case ResourceKind.SIM:
            digits = text.replace("-", "")
            if not _ICCID.fullmatch(digits):
                return digits, "an ICCID is 18 to 20 digits starting with 89"
            if not luhn.is_valid(digits):
                return digits, "the ICCID's check digit does not match (Luhn)"
            return digits, None
        case ResourceKind.DEVICE:
            try:
                return imei.validate(text), None
            except StdnumError:
                return text, "not a valid IMEI (15 digits with a Luhn check digit)"
    raise AssertionError(kind)  # pragma: no cover


__all__ = ["DEFAULT_QUARANTINE_DAYS", "ResourceKind", "ResourceStatus", "normalized"]
