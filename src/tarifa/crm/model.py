"""The changes feed a CRM pulls (issue 7, integrations), as pure values.

A position in the feed is a place in the audit log: the id of an audit row and, for a row
that touched many entities at once (a customer import names every id it inserted), the
1-based index within it. Every change to a customer or a subscription writes an audit row
in its own transaction, and audit rows get their ids under a lock held until that
transaction ends (sql/functions/audit.sql), so ids follow commit order: once a reader sees
id N, no transaction can still commit an id below N. A reader that resumes after the last
position it saw therefore misses nothing, not even a change that was long in flight, which
a feed ordered by `updated_at` (stamped when a transaction starts, visible when it commits)
would skip.

Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tarifa.errors import ValidationError

_PREFIX = "feed"


class Entity(StrEnum):
    CUSTOMER = "customer"
    SUBSCRIPTION = "subscription"


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class Position:
    """A place in the feed; the feed goes on after it. `Position()` is its beginning."""

    audit_id: int = 0
    part: int = 0

    def token(self) -> str:
        """The position as an opaque cursor for a client to keep."""
        raw = f"{_PREFIX}:{self.audit_id}:{self.part}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str | None) -> Position:
        """The position a cursor names (the beginning for None); ValidationError for a text
        that is not a cursor of this feed."""
        if token is None or token == "":
            return cls()
        try:
            text = base64.urlsafe_b64decode(token.encode() + b"==").decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            text = ""
        parts = text.split(":")
        if len(parts) == 3 and parts[0] == _PREFIX and all(p.isdigit() for p in parts[1:]):
            return cls(audit_id=int(parts[1]), part=int(parts[2]))
        raise ValidationError.single("cursor", "is not a cursor of the changes feed")


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """An entity that changed, at the position of its latest change in the page. `current`
    is the entity as it is when the page is read (it may be newer than the change: the
    feed then lists it again later, at its newer position)."""

    position: Position
    entity: Entity
    entity_id: int
    action: str
    recorded_at: dt.datetime
    current: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangesPage:
    """A page of the feed. `next` is where the next page starts (the position after the
    last row read, or the position asked for when nothing came after it): a client keeps it
    and asks again later. `more` says whether rows were left for another page right now."""

    changes: tuple[Change, ...]
    next: Position
    more: bool


__all__ = ["Change", "ChangesPage", "Entity", "Position"]
