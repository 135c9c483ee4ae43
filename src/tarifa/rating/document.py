"""tarifa's own tariff file: YAML a provider reads, reviews and keeps in version control.

Two layers check a file, as for the catalog: the pydantic models below describe its *shape*
(keys, types, durations, times), and :func:`~tarifa.rating.model.tariff_problems` checks its
*meaning* (references, the first rate group at 0, rounding decimals, the time zone and the
currency). Either way a problem is reported with its path in the document, e.g.
``rates[2].groups[1].increment``, and every problem of a file is reported at once.

- Money and weights are strings (``"0.05"``); bare integers are accepted; a YAML float (``0.05``
  unquoted) is refused, since it was read as a binary float.
- Rate-group positions and sizes are Go durations, read as seconds (``"60s"``, ``"1m30s"``),
  or plain numbers of units (``"1024"`` bytes, ``"1"`` SMS).
- Times of day are quoted ``"08:00"`` or ``"08:00:00"``: unquoted, YAML 1.1 reads ``18:00`` as
  the number 1080.
- Rounding may be given once for a group of destination rates and overridden per entry.

:func:`read_tariff` reads a file or text; :func:`tariff_to_document` and :func:`tariff_to_yaml`
write a tariff back in the same form, so that reading the export gives the same tariff.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pydantic
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from tarifa.catalog.rules import load_yaml
from tarifa.errors import FieldError, ValidationError
from tarifa.rating.durations import DURATION_HELP, format_number, parse_quantity
from tarifa.rating.model import (
    Destination,
    DestinationRate,
    DestinationRates,
    MaxCostStrategy,
    Rate,
    RateGroup,
    RatingPlan,
    RatingPlanEntry,
    RatingProfile,
    RoundingMethod,
    Tariff,
    TimeBand,
    tariff_problems,
)

FLOAT_REASON = (
    'write numbers as strings (e.g. "0.05"): this one was read as a binary float, '
    "which is never exactly what was written"
)
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def _number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise ValueError("must be a number written as a string")
    if isinstance(value, float):
        raise ValueError(FLOAT_REASON)
    text = str(value).strip()
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not a number of at least 0 (plain digits, a point)")
    number = Decimal(text)
    return Decimal(0) if number.is_zero() else number


def _quantity(value: object) -> Decimal:
    if isinstance(value, float):
        raise ValueError(FLOAT_REASON)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(DURATION_HELP)
    quantity = parse_quantity(str(value))
    if quantity is None:
        raise ValueError(f"{value!r}: {DURATION_HELP}")
    return quantity


def _time(value: object) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError('quote times of day ("18:00"): YAML read this one as a number')
    if not isinstance(value, str) or not re.fullmatch(r"\d\d:\d\d(:\d\d)?", value.strip()):
        raise ValueError('must be a time of day, "HH:MM" or "HH:MM:SS"')
    try:
        return dt.time.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day") from None


def _instant(value: object) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date and time") from None
    if not isinstance(value, dt.datetime):
        raise ValueError("must be a date and time with an offset (2026-01-01T00:00:00+01:00)")
    if value.utcoffset() is None:
        raise ValueError("must carry an offset (+01:00 or Z): a bare local time is ambiguous")
    return value


def _text(value: object) -> str:
    # Prefixes such as 4930 come unquoted from YAML as integers; digits are digits.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        raise ValueError("write this as a string; YAML read it as a number")
    return value  # type: ignore[return-value]  # pydantic checks it is a string


Number = Annotated[Decimal, BeforeValidator(_number)]
Quantity = Annotated[Decimal, BeforeValidator(_quantity)]
TimeOfDay = Annotated[dt.time, BeforeValidator(_time)]
Instant = Annotated[dt.datetime, BeforeValidator(_instant)]
Code = Annotated[str, BeforeValidator(_text), Field(pattern=r"^\S{1,64}$")]
Prefix = Annotated[str, BeforeValidator(_text), Field(pattern=r"^\+?\S{1,64}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class DestinationFile(_Strict):
    code: Code
    prefixes: list[Prefix] = Field(min_length=1)


class RateGroupFile(_Strict):
    interval_start: Quantity = Decimal(0)
    price: Number
    rate_unit: Quantity
    increment: Quantity


class RateFile(_Strict):
    code: Code
    connect_fee: Number = Decimal(0)
    groups: list[RateGroupFile] = Field(min_length=1)


class DestinationRateFile(_Strict):
    destination: Code
    rate: Code
    rounding_method: RoundingMethod | None = None
    rounding_decimals: int | None = Field(None, ge=0, le=12)
    max_cost: Number | None = None
    max_cost_strategy: MaxCostStrategy | None = None


class DestinationRatesFile(_Strict):
    code: Code
    rounding_method: RoundingMethod | None = None
    rounding_decimals: int | None = Field(None, ge=0, le=12)
    entries: list[DestinationRateFile] = Field(min_length=1)


class TimeBandFile(_Strict):
    code: Code
    years: list[int] = []
    months: list[int] = []
    month_days: list[int] = []
    weekdays: list[int] = []
    start_time: TimeOfDay = dt.time(0)


class RatingPlanEntryFile(_Strict):
    destination_rates: Code
    time_band: Code = "*any"
    weight: Number = Decimal(0)


class RatingPlanFile(_Strict):
    code: Code
    entries: list[RatingPlanEntryFile] = Field(min_length=1)


class ProfileFile(_Strict):
    tenant: Code = "default"
    category: Code
    subject: Code
    activation: Instant
    rating_plan: Code
    fallback_subjects: list[Code] = []


class TariffFile(_Strict):
    """A tarifa tariff: destinations, rates, their bindings, bands, plans and profiles."""

    code: Code
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    time_zone: str = "UTC"
    increment_decimals: int | None = Field(None, ge=0, le=12)
    destinations: list[DestinationFile] = []
    rates: list[RateFile] = []
    destination_rates: list[DestinationRatesFile] = []
    time_bands: list[TimeBandFile] = []
    rating_plans: list[RatingPlanFile] = []
    profiles: list[ProfileFile] = []


# -- reading -------------------------------------------------------------------------------


def read_tariff(source: str | Path) -> Tariff:
    """Read a tariff from YAML text or a file path; ValidationError lists every problem."""
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as err:
            raise ValidationError.single("file", f"cannot read {source}: {err.strerror}") from err
    else:
        text = source
    return parse_tariff(load_yaml(text))


def parse_tariff(data: Any) -> Tariff:
    """Check a parsed document (the mapping a YAML file holds) and build the tariff."""
    try:
        shaped = TariffFile.model_validate(data if data is not None else {})
    except pydantic.ValidationError as err:
        raise ValidationError(_shape_errors(err)) from None
    problems: list[FieldError] = []
    tariff = _build(shaped, problems)
    problems.extend(tariff_problems(tariff))
    if problems:
        raise ValidationError(problems)
    return tariff


def _build(shaped: TariffFile, problems: list[FieldError]) -> Tariff:
    return Tariff(
        code=shaped.code,
        currency=shaped.currency,
        time_zone=shaped.time_zone,
        increment_decimals=shaped.increment_decimals,
        destinations=tuple(
            Destination(code=d.code, prefixes=tuple(p.removeprefix("+") for p in d.prefixes))
            for d in shaped.destinations
        ),
        rates=tuple(
            Rate(
                code=r.code,
                connect_fee=r.connect_fee,
                groups=tuple(
                    RateGroup(
                        interval_start=g.interval_start,
                        price=g.price,
                        rate_unit=g.rate_unit,
                        increment=g.increment,
                    )
                    for g in r.groups
                ),
            )
            for r in shaped.rates
        ),
        destination_rates=tuple(
            _bindings(group, f"destination_rates[{i}]", problems)
            for i, group in enumerate(shaped.destination_rates)
        ),
        time_bands=tuple(
            TimeBand(
                code=b.code,
                years=tuple(b.years),
                months=tuple(b.months),
                month_days=tuple(b.month_days),
                weekdays=tuple(b.weekdays),
                start_time=b.start_time,
            )
            for b in shaped.time_bands
        ),
        rating_plans=tuple(
            RatingPlan(
                code=p.code,
                entries=tuple(
                    RatingPlanEntry(
                        destination_rates=e.destination_rates,
                        time_band=e.time_band,
                        weight=e.weight,
                    )
                    for e in p.entries
                ),
            )
            for p in shaped.rating_plans
        ),
        profiles=tuple(
            RatingProfile(
                tenant=p.tenant,
                category=p.category,
                subject=p.subject,
                activation=p.activation,
                rating_plan=p.rating_plan,
                fallback_subjects=tuple(p.fallback_subjects),
            )
            for p in shaped.profiles
        ),
    )


def _bindings(group: DestinationRatesFile, at: str, problems: list[FieldError]) -> DestinationRates:
    entries = []
    for j, entry in enumerate(group.entries):
        method = entry.rounding_method or group.rounding_method
        decimals = entry.rounding_decimals
        if decimals is None:
            decimals = group.rounding_decimals
        for name, value in (("rounding_method", method), ("rounding_decimals", decimals)):
            if value is None:
                problems.append(
                    FieldError(f"{at}.entries[{j}].{name}", "required here or on the group")
                )
        entries.append(
            DestinationRate(
                destination=entry.destination,
                rate=entry.rate,
                rounding_method=method or RoundingMethod.UP,
                rounding_decimals=0 if decimals is None else decimals,
                max_cost=entry.max_cost,
                max_cost_strategy=entry.max_cost_strategy,
            )
        )
    return DestinationRates(code=group.code, entries=tuple(entries))


def _shape_errors(err: pydantic.ValidationError) -> list[FieldError]:
    found = []
    for problem in err.errors(include_url=False):
        field = _path(problem["loc"])
        kind, message = problem["type"], problem["msg"]
        if kind == "extra_forbidden":
            reason = "unknown field"
        elif kind == "missing":
            reason = "required"
        elif kind == "value_error":
            reason = message.removeprefix("Value error, ")
        else:
            reason = message[0].lower() + message[1:] if message else kind
        found.append(FieldError(field or "tariff", reason))
    return found


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# -- writing -------------------------------------------------------------------------------


def tariff_to_document(tariff: Tariff) -> dict[str, Any]:
    """The tariff as the mapping a tariff file holds (numbers as strings), ready for YAML."""
    document: dict[str, Any] = {
        "code": tariff.code,
        "currency": tariff.currency,
        "time_zone": tariff.time_zone,
    }
    if tariff.increment_decimals is not None:
        document["increment_decimals"] = tariff.increment_decimals
    document["destinations"] = [
        {"code": d.code, "prefixes": list(d.prefixes)} for d in tariff.destinations
    ]
    document["rates"] = [
        {
            "code": r.code,
            "connect_fee": format_number(r.connect_fee),
            "groups": [
                {
                    "interval_start": format_number(g.interval_start),
                    "price": format_number(g.price),
                    "rate_unit": format_number(g.rate_unit),
                    "increment": format_number(g.increment),
                }
                for g in r.groups
            ],
        }
        for r in tariff.rates
    ]
    document["destination_rates"] = [
        {"code": g.code, "entries": [_binding_document(e) for e in g.entries]}
        for g in tariff.destination_rates
    ]
    document["time_bands"] = [_band_document(b) for b in tariff.time_bands]
    document["rating_plans"] = [
        {
            "code": p.code,
            "entries": [
                {
                    "destination_rates": e.destination_rates,
                    "time_band": e.time_band,
                    "weight": format_number(e.weight),
                }
                for e in p.entries
            ],
        }
        for p in tariff.rating_plans
    ]
    document["profiles"] = [
        {
            "tenant": p.tenant,
            "category": p.category,
            "subject": p.subject,
            "activation": p.activation.isoformat(),
            "rating_plan": p.rating_plan,
            "fallback_subjects": list(p.fallback_subjects),
        }
        for p in tariff.profiles
    ]
    return document


def _binding_document(entry: DestinationRate) -> dict[str, Any]:
    found: dict[str, Any] = {
        "destination": entry.destination,
        "rate": entry.rate,
        "rounding_method": entry.rounding_method.value,
        "rounding_decimals": entry.rounding_decimals,
    }
    if entry.max_cost is not None:
        found["max_cost"] = format_number(entry.max_cost)
    if entry.max_cost_strategy is not None:
        found["max_cost_strategy"] = entry.max_cost_strategy.value
    return found


def _band_document(band: TimeBand) -> dict[str, Any]:
    found: dict[str, Any] = {"code": band.code}
    for name in ("years", "months", "month_days", "weekdays"):
        if getattr(band, name):
            found[name] = list(getattr(band, name))
    found["start_time"] = band.start_time.isoformat()
    return found


def tariff_to_yaml(tariff: Tariff) -> str:
    """The tariff as a tariff file (YAML text) that :func:`read_tariff` reads back equal."""
    return yaml.safe_dump(
        tariff_to_document(tariff),
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,  # short lists and leaf mappings on one line each
    )
