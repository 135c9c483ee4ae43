"""Reading a customers CSV file: one validated row at a time, every problem of a row at once.

The file is UTF-8 (a byte-order mark is skipped) with a header row naming its columns; the
customer columns are those of :data:`tarifa.customers.model.CUSTOMER_FIELDS` (less `status`
and `parent_id`: imported accounts start active, and parents are named by external id), plus
three identifier columns:

- ``phone_numbers``: E.164 numbers separated by spaces or ``;`` (``+4930901820;+4930901821``),
- ``sip_users``: SIP user names separated by spaces or ``;``,
- ``account_codes``: Asterisk account codes separated by ``;`` (a code may contain spaces).

A row that is not valid CSV-wise (wrong number of fields, bytes that are not UTF-8) is
rejected with its line number; reading goes on with the next row. Only a file whose header is
unusable cannot be read at all.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter

from tarifa.customers import checks
from tarifa.customers.model import (
    CUSTOMER_FIELDS,
    CustomerDraft,
    IdentifierKind,
    validate_customer,
)
from tarifa.errors import FieldError, ValidationError

#: Identifier columns and the usage identifier kind of their values.
IDENTIFIER_COLUMNS = {
    "phone_numbers": IdentifierKind.E164,
    "sip_users": IdentifierKind.SIP,
    "account_codes": IdentifierKind.ACCOUNT_CODE,
}
CUSTOMER_COLUMNS = tuple(f for f in CUSTOMER_FIELDS if f not in ("status", "parent_id"))
COLUMNS = (*CUSTOMER_COLUMNS, *IDENTIFIER_COLUMNS)
REQUIRED_COLUMNS = (
    "external_id",
    "kind",
    "legal_name",
    "country",
    "currency",
    "time_zone",
    "billing_cycle_day",
    "locale",
)
_SPLIT = {
    "phone_numbers": re.compile(r"[;\s]+"),
    "sip_users": re.compile(r"[;\s]+"),
    "account_codes": re.compile(r";"),
}
# Bytes that were not UTF-8, as the "surrogateescape" error handler decodes them.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejection:
    """One rejected row: where it is in the file, which account it meant, and why."""

    line: int
    external_id: str | None
    errors: tuple[FieldError, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class GoodRow:
    """A row that passed every check that needs no database."""

    line: int
    draft: CustomerDraft
    identifiers: tuple[tuple[IdentifierKind, str], ...]


def read_header(first: list[str] | csv.Error | None) -> tuple[str, ...]:
    """The column names from the first record, or ValidationError when it cannot be used."""
    if first is None or first == []:
        raise ValidationError.single("file", "empty: expected a header row")
    if isinstance(first, csv.Error):
        raise ValidationError.single("file", f"unreadable header row: {first}")
    header = tuple(name.strip() for name in first)
    problems = [FieldError("columns", f"unknown column {n!r}") for n in header if n not in COLUMNS]
    problems += [FieldError("columns", f"missing column {n!r}") for n in REQUIRED_COLUMNS
                 if n not in header]  # fmt: skip
    problems += [FieldError("columns", f"column {n!r} appears twice") for n in set(header)
                 if header.count(n) > 1]  # fmt: skip
    if problems:
        raise ValidationError(problems)
    return header


class RowChecker:
    """Checks the rows of one file in order; remembers external ids and identifiers already
    taken by earlier rows (the first row wins, later ones are rejected)."""

    def __init__(self, header: tuple[str, ...]) -> None:
        self.header = header
        self.width = len(header)
        self.customer_columns = tuple(
            (i, name) for i, name in enumerate(header) if name in CUSTOMER_COLUMNS
        )
        self.customer_names = tuple(name for _, name in self.customer_columns)
        self.customer_values = itemgetter(*(i for i, _ in self.customer_columns))
        self.identifier_columns = tuple(
            (i, name) for i, name in enumerate(header) if name in IDENTIFIER_COLUMNS
        )
        self.external_id_index = header.index("external_id")
        self.lines_by_external_id: dict[str, int] = {}
        self.identifier_owners: dict[tuple[IdentifierKind, str], tuple[int, str]] = {}

    def check(self, line: int, fields: list[str]) -> GoodRow | Rejection:
        if len(fields) != self.width:
            has_id = len(fields) > self.external_id_index
            return Rejection(
                line=line,
                external_id=(fields[self.external_id_index].strip() or None) if has_id else None,
                errors=(FieldError("line", f"expected {self.width} fields, found {len(fields)}"),),
            )
        external_id = fields[self.external_id_index].strip() or None
        joined = "".join(fields)
        if not joined.isascii() and _NOT_UTF8.search(joined):
            return Rejection(line=line, external_id=None,
                             errors=(FieldError("line", "not valid UTF-8"),))  # fmt: skip
        errors: list[FieldError] = []
        if external_id is not None:
            first = self.lines_by_external_id.setdefault(external_id, line)
            if first != line:
                reason = f"already on line {first} (the first row with an external id wins)"
                errors.append(FieldError("external_id", reason))
        draft = None
        try:
            values = self.customer_values(fields)
            draft = validate_customer(dict(zip(self.customer_names, values, strict=True)))
        except ValidationError as err:
            errors.extend(err.errors)
        identifiers = self._identifiers(fields, errors)
        if errors or draft is None:
            return Rejection(line=line, external_id=external_id, errors=tuple(errors))
        for key in identifiers:
            self.identifier_owners[key] = (line, draft.external_id)
        return GoodRow(line=line, draft=draft, identifiers=identifiers)

    def _identifiers(
        self, fields: list[str], errors: list[FieldError]
    ) -> tuple[tuple[IdentifierKind, str], ...]:
        found: dict[tuple[IdentifierKind, str], None] = {}
        for index, column in self.identifier_columns:
            text = fields[index]
            if not text or text.isspace():
                continue
            kind = IDENTIFIER_COLUMNS[column]
            for value in _SPLIT[column].split(text):
                if not value or value.isspace():
                    continue
                canonical, problem = checks.identifier(kind.value, value)
                if problem is not None:
                    errors.append(FieldError(column, f"{value.strip()!r}: {problem}"))
                    continue
                owner = self.identifier_owners.get((kind, canonical))
                if owner is not None:
                    reason = f"{canonical} is also on line {owner[0]} (external id {owner[1]})"
                    errors.append(FieldError(column, reason))
                    continue
                found[(kind, canonical)] = None
        return tuple(found)


def records(lines: Iterable[str]) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(line number where the record starts, its fields or the CSV error), the header
    included: it is line 1. Blank lines are skipped; after a broken record, reading resumes at
    the next physical line."""
    reader = csv.reader(lines, strict=True)
    last = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield last + 1, err
            last = reader.line_num
            continue
        start, last = last + 1, reader.line_num
        if fields:
            yield start, fields
