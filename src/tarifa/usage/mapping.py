"""The column mapping of a generic CSV or JSON lines file: where each field of a usage
record is, and how its values are spelled (docs/rating.md, "Generic CSV: the column
mapping").

A mapping is a YAML file such as::

    delimiter: ","
    header: true
    record_id: {column: call_id}
    account: {column: msisdn}
    account_kind: {value: e164}
    destination: {column: called_number}
    start: {column: start_time, format: "%d.%m.%Y %H:%M:%S"}
    usage: {column: duration}
    service: {column: type, values: {MOC: voice, GPRS: data, SMS-MO: sms}}
    unit: {column: unit, values: {s: seconds, B: bytes}}
    disposition: {column: result, billable: [OK], filtered: [NOANSWER, BUSY]}

Each field names a `column` (a header name; a 1-based number in a file without a header; a
key in JSON lines) or a fixed `value`, with an optional `default` for an empty cell and
`values` translating the file's spellings. `record_id` may instead hash several `columns`
(for a source without an id of its own). Without `disposition` every record is billable.

A source that cuts sessions in parts names the part's `session` and `sequence` (together,
instead of `record_id`: a part's id is ``<session>#<sequence>``) and says what its usage
counts: `counters: delta` (the default: each part's own usage, a long call cut hourly) or
`counters: cumulative` (the session's total so far, as RADIUS interim updates: the part's
usage is the difference from the part before it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticError

from tarifa.errors import FieldError, ValidationError
from tarifa.usage.model import IDENTIFIER_KINDS, UNITS, Service, Unit

Column = str | int


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    column: Column | None = None
    value: str | None = None
    default: str | None = None
    values: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_place(self) -> FieldSpec:
        if (self.column is None) == (self.value is None):
            raise ValueError("give either `column` or `value`")
        return self


class RecordIdSpec(_Strict):
    column: Column | None = None
    #: Hash these columns' values into the id, for sources without an id of their own.
    columns: tuple[Column, ...] | None = None

    @model_validator(mode="after")
    def _one_place(self) -> RecordIdSpec:
        if (self.column is None) == (self.columns is None):
            raise ValueError("give either `column` or `columns`")
        if self.columns is not None and not self.columns:
            raise ValueError("`columns` must name at least one column")
        return self


class StartSpec(_Strict):
    column: Column
    format: str = "iso"


class DispositionSpec(_Strict):
    column: Column
    #: Spellings of billable records (compared ignoring case and surrounding spaces).
    billable: tuple[str, ...] = ("ANSWERED",)
    #: Spellings of valid records that are not billable; any other spelling is quarantined.
    filtered: tuple[str, ...] = ("NO ANSWER", "BUSY", "FAILED", "CONGESTION")


Counters = Literal["delta", "cumulative"]


class Mapping(_Strict):
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    header: bool = True
    #: Required, unless the records are parts of sessions (`session` and `sequence`).
    record_id: RecordIdSpec | None = None
    session: FieldSpec | None = None
    sequence: FieldSpec | None = None
    counters: Counters = "delta"
    account: FieldSpec
    account_kind: FieldSpec = FieldSpec(value="e164")
    destination: FieldSpec | None = None
    start: StartSpec
    usage: FieldSpec | None = None
    service: FieldSpec
    unit: FieldSpec | None = None
    disposition: DispositionSpec | None = None

    @model_validator(mode="after")
    def _fixed_values(self) -> Mapping:
        problems = []
        kind, service = self.account_kind.value, self.service.value
        unit = None if self.unit is None else self.unit.value
        if kind is not None and kind not in IDENTIFIER_KINDS:
            problems.append(f"account_kind: {kind!r} is not e164, sip or account_code")
        if service is not None and service not in set(Service):
            problems.append(f"service: {service!r} is not a service")
        if unit is not None and unit not in set(Unit):
            problems.append(f"unit: {unit!r} is not seconds, bytes or events")
        if (
            self.usage is None
            and service in set(Service)
            and any(u != Unit.EVENTS for u in UNITS[str(service)])
        ):
            problems.append("usage: required unless every record counts events (sms, mms)")
        problems.extend(self._parts_problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _parts_problems(self) -> list[str]:
        if self.session is not None and self.record_id is not None:
            return ["record_id: not with session: a part's id is its session and sequence"]
        if self.session is None and self.sequence is not None:
            return ["session: required with sequence (a part is a sequence number of a session)"]
        if self.session is not None and self.sequence is None:
            return ["sequence: required with session (a part is a sequence number of a session)"]
        if self.session is None and self.record_id is None:
            return ["record_id: required (or session and sequence, for parts of sessions)"]
        if self.counters == "cumulative" and self.session is None:
            return ["counters: cumulative needs session and sequence (the part before each)"]
        if self.counters == "cumulative" and self.usage is None:
            return ["usage: required with cumulative counters (the session's counter)"]
        return []

    @property
    def parts(self) -> bool:
        """True when each record is a part of a session, keyed by session and sequence."""
        return self.session is not None

    @property
    def cumulative(self) -> bool:
        return self.counters == "cumulative"

    def columns(self) -> tuple[Column, ...]:
        """Every column the mapping reads."""
        found: list[Column] = []
        specs: list[Any] = [
            self.record_id, self.account, self.account_kind, self.destination, self.start,
            self.usage, self.service, self.unit, self.disposition, self.session, self.sequence,
        ]  # fmt: skip
        for spec in specs:
            if spec is None:
                continue
            for name in ("column", "columns"):
                value = getattr(spec, name, None)
                if isinstance(value, tuple):
                    found.extend(value)
                elif value is not None:
                    found.append(value)
        return tuple(dict.fromkeys(found))


#: JSON lines without a mapping: keys named as the record's fields.
JSONL_DEFAULT = Mapping(
    record_id=RecordIdSpec(column="id"),
    account=FieldSpec(column="account"),
    account_kind=FieldSpec(column="account_kind", default="e164"),
    destination=FieldSpec(column="destination", default=""),
    start=StartSpec(column="start"),
    usage=FieldSpec(column="usage", default="1"),
    service=FieldSpec(column="service"),
    unit=FieldSpec(column="unit", default=""),
    disposition=DispositionSpec(column="disposition"),
)


def load(source: Path | str | dict[str, Any]) -> Mapping:
    """A mapping from a YAML file (or an already parsed dict); ValidationError lists every
    problem with its place in the file."""
    if isinstance(source, dict):
        raw: Any = source
    else:
        path = Path(source)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise ValidationError.single("mapping", f"cannot read {path}: {err.strerror}") from None
        except yaml.YAMLError as err:
            raise ValidationError.single("mapping", f"not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise ValidationError.single("mapping", "must be a YAML mapping of field names")
    try:
        return Mapping.model_validate(raw)
    except PydanticError as err:
        raise ValidationError(_problems(err)) from None


def _problems(err: PydanticError) -> list[FieldError]:
    """Each problem with its place; those of the whole mapping (`Mapping._fixed_values`) are
    written `field: reason` and named by their field."""
    found = []
    for e in err.errors():
        place = ".".join(str(p) for p in e["loc"])
        if place:
            found.append(FieldError(place, e["msg"]))
            continue
        for problem in e["msg"].removeprefix("Value error, ").split("; "):
            field, _, reason = problem.partition(": ")
            found.append(FieldError(field, reason) if reason else FieldError("mapping", problem))
    return found


def to_settings(mapping: Mapping) -> dict[str, Any]:
    """The mapping as stored with an import (JSON), so a retry reads lines the same way."""
    return mapping.model_dump(mode="json", exclude_defaults=False)
