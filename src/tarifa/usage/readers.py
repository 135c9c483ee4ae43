"""Readers: one physical line in, one staging row out (:mod:`tarifa.usage.staging`).

- :class:`AsteriskReader`: Asterisk ``cdr_csv`` Master.csv, no header, at least 18 fields
  (accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start,
  answer, end, duration, billsec, disposition, amaflags, uniqueid, userfield; more are
  ignored). Only ANSWERED calls are billable, on billsec; NO ANSWER, BUSY, FAILED and
  CONGESTION are filtered. The account is the accountcode when set, else the caller (src):
  a phone number, or a SIP user when src is not a number. The record id is the MD5 of
  uniqueid, dstchannel, start and answer (one uniqueid repeats across the legs of a call).
  Times are the switch's local time: --timezone is required.
- :class:`MappedReader`: a generic CSV file or JSON lines, with a column mapping
  (:mod:`tarifa.usage.mapping`).

A reader never raises on a line: whatever is wrong becomes the line's reason.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from hashlib import md5
from operator import itemgetter
from typing import Any

from tarifa.errors import FieldError, ValidationError
from tarifa.usage import lines, model, staging, times
from tarifa.usage.mapping import Column, FieldSpec, Mapping

ASTERISK_FIELDS = 18
_ANSWERED = "ANSWERED"
_NOT_ANSWERED = frozenset({"NO ANSWER", "NOANSWER", "BUSY", "FAILED", "CONGESTION", "CANCEL"})
# A caller that looks like a phone number (else it is taken for a SIP user name).
_PHONE = re.compile(r"[+0-9\s\-.()/]*")


class _OneLine:
    """Feeds a csv reader exactly one physical line per record: a record that would run on
    to the next line (an unclosed quote) ends the input instead, which a strict reader
    reports as an error, so the next line is read on its own."""

    __slots__ = ("line",)

    def __init__(self) -> None:
        self.line: str | None = None

    def __iter__(self) -> _OneLine:
        return self

    def __next__(self) -> str:
        line = self.line
        if line is None:
            raise StopIteration
        self.line = None
        return line


class _LineSplitter:
    """Splits one physical line into CSV fields, or says why it cannot."""

    def __init__(self, delimiter: str = ",", quotechar: str = '"') -> None:
        self._feed = _OneLine()
        self._reader = csv.reader(self._feed, delimiter=delimiter, quotechar=quotechar,
                                  strict=True)  # fmt: skip

    def split(self, line: str) -> list[str] | str:
        self._feed.line = line
        try:
            return next(self._reader)
        except csv.Error as err:
            self._feed.line = None
            return f"not valid CSV: {err}"
        except StopIteration:
            return "not valid CSV: empty record"


def _count(text: str, name: str) -> tuple[int, str | None]:
    value = text.strip()
    if value.isdigit() and value.isascii():
        return int(value), None
    if value.startswith("-") and value[1:].isdigit() and value[1:].isascii():
        return int(value), f"negative {name} {value}"
    return 0, f"{name} {value!r} is not a whole number of seconds"


class AsteriskReader:
    needs_timezone = True

    def __init__(self, *, timezone: str | None) -> None:
        self._split = _LineSplitter().split
        self._zone_given = timezone is not None

    def parse(self, number: int, line: str) -> str:
        """The staging row of one line of Master.csv.

        Most lines of a real file are answered or unanswered calls from a phone number to a
        phone number: :meth:`_fast` handles those, and only says "don't know" otherwise; every
        other line, and every line with any problem, takes :meth:`_general`, which finds
        and words all its problems.
        """
        if "\x00" in line or not (line.isascii() or lines.is_clean(line)):
            return staging.bad(number, line, lines.problem(line))
        fields = self._split(line)
        if type(fields) is list and len(fields) >= ASTERISK_FIELDS:
            row = self._fast(number, line, fields)
            if row is not None:
                return row
        return self._general(number, line, fields)

    def _fast(self, number: int, line: str, fields: list[str]) -> str | None:
        (accountcode, src, dst, _dcontext, _clid, _channel, dstchannel, _lastapp, _lastdata,
         start, answer, _end, duration, billsec, disposition, _amaflags, uniqueid,
         _userfield) = fields[:ASTERISK_FIELDS]  # fmt: skip
        if disposition == _ANSWERED:
            billable = "t"
        elif disposition in _NOT_ANSWERED:
            billable = "f"
        else:
            return None
        if (
            accountcode
            or not (duration.isdigit() and duration.isascii())
            or not (billsec.isdigit() and billsec.isascii())
            or int(billsec) > int(duration)
            or not (src[:1] == "+" and src[1:2] != "0" and 3 <= len(src) <= 16)
            or not (src[1:].isdigit() and src.isascii())
            or not (dst.isdigit() and dst.isascii())
            or dst[:2] == "00"
            or len(start) != 19
            or start[10] != " "
            or not self._zone_given
            or "\\" in line
            or "\t" in line
            or "\r" in line
        ):
            return None
        try:
            datetime.fromisoformat(start)
        except ValueError:
            return None
        record_id = md5(
            f"{uniqueid}\x1f{dstchannel}\x1f{start}\x1f{answer}".encode(), usedforsecurity=False
        ).hexdigest()
        return (
            f"{number}\t\\N\t{line}\t\\N\t{record_id}\te164\t{src}\tvoice\tseconds\t{dst}\t"
            f"{start}\t{billsec}\t{billable}\t{disposition}\n"
        )

    def _general(self, number: int, line: str, fields: list[str] | str) -> str:
        if isinstance(fields, str):
            return staging.bad(number, line, fields)
        if len(fields) < ASTERISK_FIELDS:
            reason = f"expected at least {ASTERISK_FIELDS} fields, found {len(fields)}"
            return staging.bad(number, line, reason)
        (accountcode, src, dst, _dcontext, _clid, _channel, dstchannel, _lastapp, _lastdata,
         start, answer, _end, duration_text, billsec_text, disposition, _amaflags, uniqueid,
         _userfield) = fields[:ASTERISK_FIELDS]  # fmt: skip
        problems: list[str] = []
        duration, problem = _count(duration_text, "duration")
        if problem:
            problems.append(problem)
        billsec, problem = _count(billsec_text, "billsec")
        if problem:
            problems.append(problem)
        elif billsec > duration and not problems:
            problems.append(f"billsec {billsec} is above the duration {duration}")
        started_at, problem = times.iso(start, zone_given=self._zone_given)
        if problem:
            problems.append(problem)
        status = disposition.strip().upper()
        if status != _ANSWERED and status not in _NOT_ANSWERED:
            problems.append(f"unknown disposition {disposition!r}")
        code = accountcode.strip()
        if code:
            kind, (identifier, problem) = "account_code", model.identifier("account_code", code)
        else:
            kind = "e164" if _PHONE.fullmatch(src) else "sip"
            identifier, problem = model.identifier(kind, src)
        if problem:
            problems.append(problem)
        destination, problem = model.destination(dst)
        if problem:
            problems.append(problem)
        elif not destination:
            problems.append("no destination (dst)")
        if problems:
            return staging.bad(number, line, "; ".join(problems))
        record_id = md5(
            f"{uniqueid}\x1f{dstchannel}\x1f{start}\x1f{answer}".encode(), usedforsecurity=False
        ).hexdigest()
        return staging.good(
            number, line, record_id, kind, identifier, "voice", "seconds", destination,
            started_at, str(billsec), status == _ANSWERED, status,
        )  # fmt: skip


Getter = Callable[[Any], Any]


class MappedReader:
    """A generic CSV (``json_lines=False``) or JSON lines file read through a mapping."""

    def __init__(self, mapping: Mapping, *, json_lines: bool, timezone: str | None) -> None:
        self.mapping = mapping
        self.json_lines = json_lines
        self.needs_timezone = times.is_local_format(mapping.start.format)
        self._zone_given = timezone is not None
        self._time = times.parser(mapping.start.format, zone_given=self._zone_given)
        self._split = _LineSplitter(mapping.delimiter, mapping.quotechar).split
        # Fractions as written (never through a float); one decoder for the whole file.
        self._json = json.JSONDecoder(parse_float=str).decode
        self.header: tuple[str, ...] | None = None
        self._width: int | None = None
        self._index: dict[Column, int] = {}
        self._min_width = 0
        if json_lines:
            self._compile()
        elif not mapping.header:
            self._bind_positions()

    @property
    def wants_header(self) -> bool:
        return not self.json_lines and self.mapping.header and self.header is None

    def read_header(self, line: str) -> None:
        """Take the file's header row; ValidationError when it cannot be used."""
        fields = self._split(line) if lines.is_clean(line) else "not valid UTF-8 text"
        if isinstance(fields, str):
            raise ValidationError.single("file", f"unreadable header row: {fields}")
        self.bind_header(tuple(name.strip() for name in fields))

    def bind_header(self, header: tuple[str, ...]) -> None:
        problems = [
            FieldError("mapping", f"column {c!r} is not in the file's header")
            for c in self.mapping.columns()
            if isinstance(c, int) or c not in header
        ]
        if problems:
            raise ValidationError(problems)
        self.header = header
        self._width = len(header)
        self._index = {name: header.index(name) for name in self.mapping.columns()}
        self._compile()

    def _bind_positions(self) -> None:
        columns = self.mapping.columns()
        bad = [c for c in columns if not isinstance(c, int) or c < 1]
        if bad:
            raise ValidationError(
                FieldError("mapping", f"column {c!r}: a file without a header names columns by"
                           " number, from 1") for c in bad
            )  # fmt: skip
        self._index = {c: int(c) - 1 for c in columns}
        self._compile()

    def _compile(self) -> None:
        m = self.mapping
        self._min_width = max(self._index.values(), default=-1) + 1
        self._record_id = self._record_id_getter()
        self._account = self._getter(m.account)
        self._account_kind = self._getter(m.account_kind)
        self._destination = self._getter(m.destination) if m.destination else _constant("")
        self._start = self._getter_of(m.start.column)
        self._usage = self._getter(m.usage) if m.usage else _constant("1")
        self._service = self._getter(m.service)
        self._unit = self._getter(m.unit) if m.unit else _constant("")
        if m.disposition is None:
            self._disposition: Getter | None = None
        else:
            self._disposition = self._getter_of(m.disposition.column)
            self._billable = frozenset(s.strip().upper() for s in m.disposition.billable)
            self._filtered = frozenset(s.strip().upper() for s in m.disposition.filtered)
        self._getters = (
            self._record_id, self._account, self._account_kind, self._destination, self._start,
            self._usage, self._service, self._unit, self._disposition or _constant(None),
        )  # fmt: skip
        self._extract, self._constants = self._plain_extract()

    def _plain_extract(self) -> tuple[Callable[[Any], Any] | None, list[str | None]]:
        """For a CSV whose fields are all plain columns or fixed values: one itemgetter over
        the row with the fixed values appended (far cheaper than a getter per field)."""
        m = self.mapping
        if self.json_lines or m.record_id.column is None:
            return None, []
        specs: list[tuple[Column | None, str | None, bool]] = [(m.record_id.column, None, True)]
        for spec, empty in ((m.account, None), (m.account_kind, None), (m.destination, ""),
                            (m.start, None), (m.usage, "1"), (m.service, None), (m.unit, ""),
                            (m.disposition, None)):  # fmt: skip
            if spec is None:
                specs.append((None, empty, True))
            elif isinstance(spec, FieldSpec) and (spec.values or spec.default is not None):
                return None, []
            elif isinstance(spec, FieldSpec) and spec.value is not None:
                specs.append((None, spec.value, True))
            else:
                specs.append((spec.column, None, True))
        constants = [value for column, value, _ in specs if column is None]
        positions, extra = [], self._width or self._min_width
        for column, _, _ in specs:
            if column is None:
                positions.append(extra)
                extra += 1
            else:
                positions.append(self._index[column])
        return itemgetter(*positions), constants

    def _getter_of(self, column: Column) -> Getter:
        if self.json_lines:
            key = str(column)
            return lambda row: row.get(key)
        index = self._index[column]
        return lambda row: row[index]

    def _getter(self, spec: FieldSpec) -> Getter:
        if spec.value is not None:
            return _constant(spec.values.get(spec.value, spec.value))
        if spec.column is None:  # FieldSpec holds a column or a value: never here
            raise ValueError("a field without a column or a value")
        raw = self._getter_of(spec.column)
        values, default = spec.values, spec.default
        if not values and default is None:
            return raw

        def get(row: Any) -> Any:
            value = raw(row)
            if default is not None and (value is None or value == ""):
                return default
            return values.get(value, value) if isinstance(value, str) else value

        return get

    def _record_id_getter(self) -> Getter:
        spec = self.mapping.record_id
        if spec.column is not None:
            return self._getter_of(spec.column)
        parts = [self._getter_of(c) for c in spec.columns or ()]

        def hashed(row: Any) -> str:
            text = "\x1f".join(_id_part(part(row)) for part in parts)
            return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

        return hashed

    def parse(self, number: int, line: str) -> str:
        if not lines.is_clean(line):
            return staging.bad(number, line, lines.problem(line))
        row: Any
        if self.json_lines:
            try:
                row = self._json(line)
            except (ValueError, RecursionError) as err:
                return staging.bad(number, line, f"not valid JSON: {err}")
            if not isinstance(row, dict):
                return staging.bad(number, line, "not a JSON object")
        else:
            row = self._split(line)
            if isinstance(row, str):
                return staging.bad(number, line, row)
            if self._width is not None and len(row) != self._width:
                reason = f"expected {self._width} fields, found {len(row)}"
                return staging.bad(number, line, reason)
            if len(row) < self._min_width:
                reason = f"expected at least {self._min_width} fields, found {len(row)}"
                return staging.bad(number, line, reason)
        return self._fast(number, line, row) or self._record(number, line, row)

    def _fast(self, number: int, line: str, row: Any) -> str | None:
        """The staging row of a record whose every field is in its plainest form (text, a
        `+` number calling digits, a whole usage, a service and unit as tarifa spells them),
        or None: then :meth:`_record` decides, and words every problem."""
        if self._extract is not None and len(row) == (self._width or self._min_width):
            row.extend(self._constants)
            (record_id, account, kind, destination, start, usage, service, unit,
             disposition) = self._extract(row)  # fmt: skip
            del row[len(row) - len(self._constants) :]
        else:
            (record_id, account, kind, destination, start, usage, service, unit,
             disposition) = [get(row) for get in self._getters]  # fmt: skip
        if type(usage) is int and usage >= 0:  # a JSON number (bool is not int here)
            usage = str(usage)
        if (
            type(record_id) is not str
            or type(account) is not str
            or type(destination) is not str
            or type(start) is not str
            or type(usage) is not str
            or type(service) is not str
            or type(unit) is not str
            or kind != "e164"
            or not record_id
            or len(record_id) > model.MAX_RECORD_ID
            or record_id[0] == " "
            or record_id[-1] == " "
            or not (account[:1] == "+" and account[1:2] != "0" and 3 <= len(account) <= 16)
            or not (account[1:].isdigit() and account.isascii())
            or not (usage.isdigit() and usage.isascii())
            or "\\" in line
            or "\t" in line
            or "\r" in line
        ):
            return None
        units = model.UNITS.get(service)
        if units is None or (unit and unit not in units):
            return None
        if destination:
            if not (destination.isdigit() and destination.isascii()) or destination[:2] == "00":
                return None
        elif service in model.NEEDS_DESTINATION:
            return None
        billable = "t"
        if disposition is not None:
            if type(disposition) is not str:
                return None
            status = disposition.strip().upper()
            if status and status not in self._billable:
                if status not in self._filtered:
                    return None
                billable = "f"
            if disposition != disposition.strip():
                return None
            disposition = disposition or None
        started_at, problem = self._time(start)
        if problem:
            return None
        outcome = staging.NULL if disposition is None else disposition
        return (
            f"{number}\t\\N\t{line}\t\\N\t{record_id}\te164\t{account}\t{service}\t"
            f"{unit or units[0]}\t{destination}\t{started_at}\t{usage}\t{billable}\t"
            f"{outcome}\n"
        )

    def _record(self, number: int, line: str, row: Any) -> str:
        problems: list[str] = []

        def text(getter: Getter, name: str, *, required: bool = True) -> str:
            value = _text(getter(row))
            if value is None:
                if required:
                    problems.append(f"no {name}")
                return ""
            if value is _NOT_TEXT:
                problems.append(f"{name} is not text or a number")
                return ""
            return value  # type: ignore[return-value]

        record_id = text(self._record_id, "record id").strip()
        if len(record_id) > model.MAX_RECORD_ID:
            problems.append(f"the record id is longer than {model.MAX_RECORD_ID} characters")
        kind = text(self._account_kind, "account kind").strip()
        identifier, problem = model.identifier(kind, text(self._account, "account"))
        if problem:
            problems.append(problem)
        service, unit, problem = model.service_unit(
            text(self._service, "service").strip().lower(),
            text(self._unit, "unit", required=False).strip().lower(),
        )
        if problem:
            problems.append(problem)
        destination, problem = model.destination(text(self._destination, "destination",
                                                      required=False))  # fmt: skip
        if problem:
            problems.append(problem)
        elif not destination and service in model.NEEDS_DESTINATION:
            problems.append(f"no destination (required for {service})")
        started_at, problem = self._time(text(self._start, "start time"))
        if problem:
            problems.append(problem)
        usage, problem = model.usage_text(text(self._usage, "usage"))
        if problem:
            problems.append(problem)
        billable, disposition = True, None
        if self._disposition is not None:
            disposition = text(self._disposition, "disposition", required=False).strip()
            status = disposition.upper()
            if status in self._billable or not status:
                billable = True
            elif status in self._filtered:
                billable = False
            else:
                problems.append(f"unknown disposition {disposition!r}")
            disposition = disposition or None
        if problems:
            return staging.bad(number, line, "; ".join(dict.fromkeys(problems)))
        if not record_id:
            return staging.bad(number, line, "no record id")
        return staging.good(
            number, line, record_id, kind, identifier, service, unit, destination, started_at,
            usage, billable, disposition,
        )  # fmt: skip


_NOT_TEXT = object()


def _text(value: Any) -> object:
    """A cell as text: None when missing, _NOT_TEXT for JSON objects, lists and booleans."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        return _NOT_TEXT
    return str(value)


def _id_part(value: Any) -> str:
    """A cell as it enters a hashed record id (JSON values by their canonical text)."""
    if value is None or isinstance(value, str):
        return value or ""
    return json.dumps(value, sort_keys=True, default=str)


def _constant(value: str | None) -> Getter:
    return lambda _row: value


def records(reader: AsteriskReader | MappedReader, physical: Iterator[str]) -> Iterator[str]:
    """Staging rows of every non-blank line (a CSV header is taken, not yielded)."""
    number = 0
    if isinstance(reader, MappedReader) and reader.wants_header:
        for line in physical:
            number += 1
            if line and not line.isspace():
                reader.read_header(line)
                break
    parse = reader.parse
    for line in physical:
        number += 1
        if line and (line[0] not in _BLANK or not line.isspace()):
            yield parse(number, line)


_BLANK = frozenset(" \t\r\x0b\x0c")
