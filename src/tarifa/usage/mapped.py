"""A generic CSV file or JSON lines read through a column mapping
(:mod:`tarifa.usage.mapping`): one staging row per line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from tarifa.errors import FieldError, ValidationError
from tarifa.usage import lines, model, staging, times
from tarifa.usage.csvline import LineSplitter
from tarifa.usage.mapping import Column, FieldSpec, Mapping

Getter = Callable[[Any], Any]


class MappedReader:
    """A generic CSV (``json_lines=False``) or JSON lines file read through a mapping."""

    def __init__(self, mapping: Mapping, *, json_lines: bool, timezone: str | None) -> None:
        self.mapping = mapping
        self.json_lines = json_lines
        self.needs_timezone = times.is_local_format(mapping.start.format)
        # Read once: the per-line checks must not cost a pydantic attribute each.
        self._parts = mapping.parts
        self._zone_given = timezone is not None
        self._time = times.parser(mapping.start.format, zone_given=self._zone_given)
        self._split = LineSplitter(mapping.delimiter, mapping.quotechar).split
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
        self._session = self._getter(m.session) if m.session else _constant(None)
        self._sequence = self._getter(m.sequence) if m.sequence else _constant(None)
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
        # Parts of sessions take the general path (their id is made of two fields).
        if self.json_lines or m.record_id is None or m.record_id.column is None:
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
        if spec is None:  # parts of sessions: the id is made in _record
            return _constant(None)
        if spec.column is not None:
            return self._getter_of(spec.column)
        parts = [self._getter_of(c) for c in spec.columns or ()]

        def hashed(row: Any) -> str:
            text = "\x1f".join(_id_part(part(row)) for part in parts)
            return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

        return hashed

    def _bad(self, number: int, line: str, reason: str) -> str:
        """The staging row of a line that cannot be taken in (with no session and sequence,
        for an import of parts)."""
        row = staging.bad(number, line, reason)
        return staging.with_part(row, None, None) if self._parts else row

    def parse(self, number: int, line: str) -> str:
        if not lines.is_clean(line):
            return self._bad(number, line, lines.problem(line))
        row: Any
        if self.json_lines:
            try:
                row = self._json(line)
            except (ValueError, RecursionError) as err:
                return self._bad(number, line, f"not valid JSON: {err}")
            if not isinstance(row, dict):
                return self._bad(number, line, "not a JSON object")
        else:
            row = self._split(line)
            if isinstance(row, str):
                return self._bad(number, line, row)
            if self._width is not None and len(row) != self._width:
                reason = f"expected {self._width} fields, found {len(row)}"
                return self._bad(number, line, reason)
            if len(row) < self._min_width:
                reason = f"expected at least {self._min_width} fields, found {len(row)}"
                return self._bad(number, line, reason)
        if self._parts:
            return self._record(number, line, row)
        return self._fast(number, line, row) or self._record(number, line, row)

    def _fast(self, number: int, line: str, row: Any) -> str | None:
        """The staging row of a record whose every field is in its plainest form (text, a
        `+` number calling digits, a whole usage, a service and unit as tarifa spells them),
        or None: then :meth:`_record` decides, and words every problem. Not for parts of
        sessions."""
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

        part: tuple[str, int] | None = None
        if self._parts:
            session, problem = model.session(text(self._session, "session"))
            sequence, sequence_problem = model.sequence(text(self._sequence, "sequence"))
            problems.extend(p for p in (problem, sequence_problem) if p)
            record_id = model.part_id(session, sequence)
            part = (session, sequence)
        else:
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
            return self._bad(number, line, "; ".join(dict.fromkeys(problems)))
        if not record_id:
            return self._bad(number, line, "no record id")
        row = staging.good(
            number, line, record_id, kind, identifier, service, unit, destination, started_at,
            usage, billable, disposition,
        )  # fmt: skip
        return staging.with_part(row, *part) if part else row


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
