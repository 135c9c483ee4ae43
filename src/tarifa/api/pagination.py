"""Cursor pagination: a list answers `{"data": [...], "next_cursor": "..."}`; passing
`next_cursor` back as `cursor` gives the next page, and `null` means there is none. The cursor
is opaque to clients (the last id seen, encoded), so pages stay stable while rows are added."""

from __future__ import annotations

import base64
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from tarifa.errors import ValidationError

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="items per page")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the page before")]


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: last")


def after(cursor: str | None) -> int | None:
    """The last id the cursor's page showed (ValidationError for one tarifa did not make)."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
        kind, _, value = text.partition(":")
        if kind == "id" and value.isdigit():
            return int(value)
    except ValueError:
        pass
    raise ValidationError.single("cursor", "is not a cursor this API gave")


def next_cursor(ids: list[int], limit: int) -> str | None:
    """The cursor after a page of `ids` (None when the page was not full: it was the last)."""
    if len(ids) < limit:
        return None
    return base64.urlsafe_b64encode(f"id:{ids[-1]}".encode()).decode().rstrip("=")
