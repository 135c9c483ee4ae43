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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from tarifa.customers import checks
from tarifa.customers.model import (
    CUSTOMER_FIELDS,
    DEFAULT_PAYMENT_TERMS_DAYS,
    MAX_ADDRESS_LINE,
    MAX_CITY,
    MAX_EMAILS,
    MAX_EXTERNAL_ID,
    MAX_NAME,
    MAX_POSTAL_CODE,
    MAX_TAX_ID,
    CustomerDraft,
    CustomerKind,
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


class GoodRow(NamedTuple):
    """A row that passed every check that needs no database, as the importer loads it.

    A named tuple rather than a dataclass: one is made per row of a file, and a tuple is the
    cheapest thing Python builds.
    """

    line: int
    external_id: str
    kind: str  # a CustomerKind value
    currency: str
    parent_external_id: str | None
    #: The customer columns after `id`, in COPY text format, tab-separated, newline-terminated
    #: (the columns of the `import_copy_customers` query, see :func:`copy_text`).
    text: str
    identifiers: tuple[tuple[str, str], ...]  # (IdentifierKind value, canonical value)


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
    taken by earlier rows (the first row wins, later ones are rejected).

    Most rows of a real file are good, so each row first takes a fast path written for text
    cells (:meth:`_fast`): the same checks as :func:`~tarifa.customers.model.validate_customer`
    with the same normalization, inlined, on a row already known to hold no control
    character and no backslash. It only ever answers "good, and this is the row" or "don't
    know"; every other row, and every row with any problem, takes the general path, which
    finds and words all of its problems.
    """

    def __init__(self, header: tuple[str, ...]) -> None:
        self.header = header
        self.width = len(header)
        self.customer_columns = tuple(
            (i, name) for i, name in enumerate(header) if name in CUSTOMER_COLUMNS
        )
        self.customer_names = tuple(name for _, name in self.customer_columns)
        self.customer_values = itemgetter(*(i for i, _ in self.customer_columns))
        # The fast path reads every customer column; a column the file lacks reads as the ""
        # appended after the row's last field (every check treats "" as a missing value).
        position = {name: i for i, name in enumerate(header)}
        self.fast_values = itemgetter(*(position.get(n, self.width) for n in CUSTOMER_COLUMNS))
        self.identifier_columns = tuple(
            (i, name, IDENTIFIER_COLUMNS[name].value, _SPLIT[name].split,
             checks.identifier_check(IDENTIFIER_COLUMNS[name].value))
            for i, name in enumerate(header) if name in IDENTIFIER_COLUMNS
        )  # fmt: skip
        self.external_id_index = header.index("external_id")
        self.lines_by_external_id: dict[str, int] = {}
        self.identifier_owners: dict[tuple[str, str], tuple[int, str]] = {}
        self.kinds = _Spellings(lambda text: _required(checks.choice_text(CustomerKind, text)))
        self.countries = _Spellings(lambda text: _required(checks.country_text(text)))
        self.currencies = _Spellings(lambda text: _required(checks.currency_text(text)))
        self.zones = _Spellings(lambda text: _required(checks.zone_text(text)))
        self.locales = _Spellings(lambda text: _required(checks.locale_text(text)))
        self.cycle_days = _Spellings(lambda text: _number(text, 1, 31, None))
        self.terms = _Spellings(lambda text: _number(text, 0, 365, DEFAULT_PAYMENT_TERMS_DAYS))

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
            elif "\\" not in joined and checks.CONTROL.search(joined) is None:
                fields.append("")  # what the fast path reads for a column the file lacks
                good = self._fast(line, fields)
                del fields[-1]
                if good is not None:
                    return good
        draft = None
        try:
            values = self.customer_values(fields)
            draft = validate_customer(dict(zip(self.customer_names, values, strict=True)))
        except ValidationError as err:
            errors.extend(err.errors)
        identifiers = self._identifiers(fields, errors)
        if errors or draft is None:
            return Rejection(line=line, external_id=external_id, errors=tuple(errors))
        return self._accept(
            GoodRow(line, draft.external_id, draft.kind.value, draft.currency,
                    draft.parent_external_id, copy_text(draft), identifiers)
        )  # fmt: skip

    def _fast(self, line: int, fields: list[str]) -> GoodRow | None:
        """The row, when it certainly is good; None when the general path must decide.

        The row holds no control character (so no cell needs that check) and no backslash
        (so no COPY escaping); `fields` ends with an extra "" for absent columns.
        """
        (external_id, kind, legal_name, emails, line1, line2, postal_code, city, region,
         country, currency, time_zone, cycle_day, locale, terms, tax_id, exempt,
         parent) = self.fast_values(fields)  # fmt: skip
        external_id = external_id.strip()
        legal_name = legal_name.strip()
        line1, line2, postal_code = line1.strip(), line2.strip(), postal_code.strip()
        city, region, exempt, parent = city.strip(), region.strip(), exempt.strip(), parent.strip()
        tax_id = tax_id.strip()
        if (
            not external_id
            or len(external_id) > MAX_EXTERNAL_ID
            or not legal_name
            or len(legal_name) > MAX_NAME
            or len(line1) > MAX_ADDRESS_LINE
            or len(line2) > MAX_ADDRESS_LINE
            or len(postal_code) > MAX_POSTAL_CODE
            or len(city) > MAX_CITY
            or len(region) > MAX_CITY
            or len(tax_id) > MAX_TAX_ID
            or len(exempt) > MAX_NAME
            or len(parent) > MAX_EXTERNAL_ID
            or parent == external_id
        ):
            return None
        kind = self.kinds[kind]
        country = self.countries[country]
        currency = self.currencies[currency]
        time_zone = self.zones[time_zone]
        cycle_day = self.cycle_days[cycle_day]
        locale = self.locales[locale]
        terms = self.terms[terms]
        if (
            kind is None
            or country is None
            or currency is None
            or time_zone is None
            or cycle_day is None
            or locale is None
            or terms is None
        ):
            return None
        if not emails or emails.isspace():
            email_text = "{}"
        else:
            addresses = checks.email_list(emails, MAX_EMAILS)
            if addresses is None:
                return None
            # Validated addresses never hold a double quote or a backslash, so each array
            # element only needs quoting (braces and commas are allowed in a local part).
            email_text = '{"' + '","'.join(addresses) + '"}' if addresses else "{}"
        if tax_id and country in checks.EU_VAT_PREFIX:
            tax_id, problem = checks.vat_number(tax_id, country)
            if problem is not None:
                return None
        errors: list[FieldError] = []
        identifiers = self._identifiers(fields, errors)
        if errors:
            return None
        text = "\t".join(
            (external_id, kind, legal_name, email_text, line1 or _NULL, line2 or _NULL,
             postal_code or _NULL, city or _NULL, region or _NULL, country, currency, time_zone,
             cycle_day, locale, terms, tax_id or _NULL, exempt or _NULL)
        )  # fmt: skip
        return self._accept(
            GoodRow(line, external_id, kind, currency, parent or None, text + "\n", identifiers)
        )

    def _accept(self, row: GoodRow) -> GoodRow:
        owner = (row.line, row.external_id)
        for key in row.identifiers:
            self.identifier_owners[key] = owner
        return row

    def _identifiers(
        self, fields: list[str], errors: list[FieldError]
    ) -> tuple[tuple[str, str], ...]:
        found: dict[tuple[str, str], None] = {}
        owners = self.identifier_owners
        for index, column, kind, split, check in self.identifier_columns:
            text = fields[index]
            if not text or text.isspace():
                continue
            for value in split(text):
                if not value or value.isspace():
                    continue
                canonical, problem = check(value)
                if problem is not None:
                    errors.append(FieldError(column, f"{value.strip()!r}: {problem}"))
                    continue
                key = (kind, canonical)
                owner = owners.get(key)
                if owner is not None:
                    reason = f"{canonical} is also on line {owner[0]} (external id {owner[1]})"
                    errors.append(FieldError(column, reason))
                    continue
                found[key] = None
        return tuple(found)


class _Spellings(dict[str, str | None]):
    """The COPY text of each spelling of a field with few distinct values (countries, zones,
    small numbers ...), or None where the general path would report a problem; each
    spelling is parsed once per file (at most 4,096 of them are remembered)."""

    __slots__ = ("parse",)

    def __init__(self, parse: Callable[[str], str | None]) -> None:
        super().__init__()
        self.parse = parse

    def __missing__(self, text: str) -> str | None:
        value = self.parse(text)
        if len(self) < 4096:
            self[text] = value
        return value


def _required(parsed: checks.Parsed) -> str | None:
    value, problem = parsed
    return None if problem is not None or value is None else str(value)


def _number(text: str, low: int, high: int, default: int | None) -> str | None:
    """As Collector.integer reads a whole number from text."""
    if not text.strip():
        return None if default is None else str(default)
    value, problem = checks.integer_text(low, high, text)
    return None if problem is not None or value is None else str(int(value))


_NULL = "\\N"


def copy_escape(value: str) -> str:
    """`value` in COPY's text format. Validated text holds no control characters (tab,
    newline, CR are refused), so only the backslash needs escaping."""
    return value.replace("\\", "\\\\") if "\\" in value else value


def copy_unescape(value: str) -> str:
    """The inverse of :func:`copy_escape`."""
    return value.replace("\\\\", "\\") if "\\" in value else value


def _copy_nullable(value: str | None) -> str:
    return _NULL if value is None else copy_escape(value)


def copy_text(draft: CustomerDraft) -> str:
    """The customer columns of `draft` after `id`, in COPY text format (the columns of the
    `import_copy_customers` query)."""
    address = draft.address
    # Validated addresses never hold a double quote or a backslash, so each array element
    # only needs quoting (braces and commas are allowed in an address's local part).
    emails = "{" + ",".join(f'"{email}"' for email in draft.emails) + "}"
    return (
        "\t".join(
            (
                copy_escape(draft.external_id),
                draft.kind.value,
                copy_escape(draft.legal_name),
                emails,
                _copy_nullable(address.line1),
                _copy_nullable(address.line2),
                _copy_nullable(address.postal_code),
                _copy_nullable(address.city),
                _copy_nullable(address.region),
                address.country,
                draft.currency,
                draft.time_zone,
                str(draft.billing_cycle_day),
                draft.locale,
                str(draft.payment_terms_days),
                _copy_nullable(draft.tax_id),
                _copy_nullable(draft.tax_exempt_reason),
            )
        )
        + "\n"
    )


class Batch(NamedTuple):
    """What reading a stretch of the file found: its rejected rows, and its good rows column
    by column (a few lists pickle and unpickle far faster than thousands of small objects,
    which counts when a batch comes from the validation process)."""

    received: int  # records read, the rejected ones included
    position: int  # bytes of the file read so far
    rejections: list[Rejection]
    lines: list[int]
    external_ids: list[str]
    kinds: list[str]
    currencies: list[str]
    parents: list[str | None]
    texts: list[str]  # GoodRow.text of each good row
    identifier_rows: list[int]  # the good row (its index in this batch) of each identifier
    identifier_kinds: list[str]
    identifier_values: list[str]  # in COPY text format (see copy_escape)


def checked_batches(
    rows: Iterator[tuple[int, list[str] | csv.Error]],
    checker: RowChecker,
    size: int,
    position: Callable[[], int],
) -> Iterator[Batch]:
    """Check `rows` (from :func:`records`, after the header) in order, a batch per `size`
    good rows. The first batch is a fifth of that, so the database starts sooner."""
    first = max(1, size // 5)
    while True:
        received = 0
        rejections: list[Rejection] = []
        lines: list[int] = []
        external_ids: list[str] = []
        kinds: list[str] = []
        currencies: list[str] = []
        parents: list[str | None] = []
        texts: list[str] = []
        identifier_rows: list[int] = []
        identifier_kinds: list[str] = []
        identifier_values: list[str] = []
        for line, fields in rows:
            received += 1
            if isinstance(fields, csv.Error):
                error = FieldError("line", f"not valid CSV: {fields}")
                rejections.append(Rejection(line=line, external_id=None, errors=(error,)))
                continue
            checked = checker.check(line, fields)
            if isinstance(checked, Rejection):
                rejections.append(checked)
                continue
            for kind, value in checked.identifiers:
                identifier_rows.append(len(lines))
                identifier_kinds.append(kind)
                identifier_values.append(value if "\\" not in value else copy_escape(value))
            lines.append(line)
            external_ids.append(checked.external_id)
            kinds.append(checked.kind)
            currencies.append(checked.currency)
            parents.append(checked.parent_external_id)
            texts.append(checked.text)
            if len(lines) == first:
                break
        if received == 0:
            return
        yield Batch(received, position(), rejections, lines, external_ids, kinds,
                    currencies, parents, texts, identifier_rows, identifier_kinds,
                    identifier_values)  # fmt: skip
        first = size


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
