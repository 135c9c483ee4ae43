"""Import a CGRateS tariff-plan folder as a :class:`~tarifa.rating.model.Tariff`.

CGRateS (the most widely deployed open-source rating engine) keeps a tariff plan as a folder of
CSV files, one line per row, columns by position:

==================== ===========================================================================
Destinations.csv     ID, Prefix (one prefix a line; lines of one ID form a destination)
Rates.csv            ID, ConnectFee, Rate, RateUnit, RateIncrement, GroupIntervalStart (one rate
                     group a line; the connect fee is the first group's)
DestinationRates.csv ID, DestinationsID, RatesID, RoundingMethod, RoundingDecimals, MaxCost,
                     MaxCostStrategy
Timings.csv          ID, Years, Months, MonthDays, WeekDays, Time (optional file)
RatingPlans.csv      ID, DestinationRatesID, TimingID, Weight
RatingProfiles.csv   Tenant, Category, Subject, ActivationTime, RatingPlanID, FallbackSubjects
==================== ===========================================================================

Headers are optional, usually commented (``#Id,Prefix``); both spellings CGRateS has used are
accepted (``RatesTag``/``RatesID``, ``TimingTag``/``TimingID``,
``RatesFallbackSubject``/``FallbackSubjects``...), and a header naming other columns is an
error, since columns are read by position. Older decks with a ``Direction`` column in
RatingProfiles.csv (``*out``) are read too.

Values: Go durations (``60s``, ``1m``, ``0s``, ``100ms``) are seconds; bare integers are plain
units (CGRateS counts data and SMS in nanosecond units written as integers, and a deck that says
``1024`` means 1024 bytes); ``*any`` in a Timings field or as a destination, subject or timing;
lists separated by ``;``; rounding ``*up``, ``*middle`` (half-up), ``*down``; max-cost
strategies ``*free`` and ``*disconnect``; a MaxCost of 0 or without a strategy caps nothing
(it changes nothing in CGRateS either); ActivationTime in RFC 3339 (without an offset it is read
in the tariff's time zone).

CGRateS rounds the cost of every increment to 5 decimals (half-up) before summing, so an
imported tariff sets ``increment_decimals = 5`` and gives the cost CGRateS gives.

Every problem is reported at once with its file, line and column
(``Rates.csv:7:RateUnit``). Timings no rating plan uses are skipped, since decks also hold
timings for action plans (``*asap``).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfoNotFoundError

from tarifa.errors import FieldError, ValidationError
from tarifa.rating.bands import zone
from tarifa.rating.durations import parse_quantity
from tarifa.rating.model import (
    ANY,
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

#: What CGRateS rounds each increment's cost to (its default ``rounding_decimals``).
CGRATES_INCREMENT_DECIMALS = 5

_ROUNDING = {
    "*up": RoundingMethod.UP,
    "*middle": RoundingMethod.HALF_UP,
    "*down": RoundingMethod.DOWN,
}
_STRATEGY = {"*free": MaxCostStrategy.FREE, "*disconnect": MaxCostStrategy.DISCONNECT}
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

# The columns of each file, each with the header names CGRateS has used for it, compared
# without case, "#", spaces, a "Tag"/"Id" suffix told apart, or a plural "s" before it.
_COLUMNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Destinations.csv": (("ID",), ("Prefix",)),
    "Rates.csv": (
        ("ID",),
        ("ConnectFee",),
        ("Rate",),
        ("RateUnit",),
        ("RateIncrement",),
        ("GroupIntervalStart",),
    ),
    "DestinationRates.csv": (
        ("ID",),
        ("DestinationsID",),
        ("RatesID",),
        ("RoundingMethod",),
        ("RoundingDecimals",),
        ("MaxCost",),
        ("MaxCostStrategy",),
    ),
    "Timings.csv": (("ID",), ("Years",), ("Months",), ("MonthDays",), ("WeekDays",), ("Time",)),
    "RatingPlans.csv": (("ID",), ("DestinationRatesID", "DestRatesID"), ("TimingID",), ("Weight",)),
    "RatingProfiles.csv": (
        ("Tenant",),
        ("Category",),
        ("Subject",),
        ("ActivationTime",),
        ("RatingPlanID",),
        ("FallbackSubjects", "RatesFallbackSubjects"),
        ("CdrStatQueueIDs", "StatQueueIDs"),
    ),
}
_REQUIRED = ("Destinations.csv", "Rates.csv", "DestinationRates.csv", "RatingPlans.csv")
_MIN_COLUMNS = {
    "Destinations.csv": 2,
    "Rates.csv": 6,
    "DestinationRates.csv": 5,
    "Timings.csv": 6,
    "RatingPlans.csv": 4,
    "RatingProfiles.csv": 5,
}


@dataclass(frozen=True, slots=True)
class _Row:
    file: str
    line: int
    cells: tuple[str, ...]

    def at(self, column: str) -> str:
        return f"{self.file}:{self.line}:{column}"

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""


@dataclass
class _Deck:
    """What is read so far, with where each piece came from (for the problems' places)."""

    problems: list[FieldError] = field(default_factory=list)
    places: dict[str, tuple[_Row, dict[str, str]]] = field(default_factory=dict)

    def problem(self, where: str, reason: str) -> None:
        self.problems.append(FieldError(where, reason))

    def place(self, path: str, row: _Row, columns: dict[str, str]) -> None:
        self.places[path] = (row, columns)


def read_cgrates(
    folder: str | Path,
    *,
    currency: str,
    tenant: str = "default",
    time_zone: str = "UTC",
    code: str | None = None,
    deck_tenant: str | None = None,
) -> Tariff:
    """Read the tariff-plan folder `folder` into one tariff (ValidationError lists every problem).

    `tenant` is the tarifa namespace the rating profiles go to; the deck's own Tenant column is
    replaced by it (`deck_tenant` keeps only the rows of one deck tenant). `code` names the
    tariff (default: the folder's name). Bands are read in `time_zone`.
    """
    root = Path(folder)
    deck = _Deck()
    if not root.is_dir():
        raise ValidationError.single("folder", f"{root} is not a folder")
    rows = {name: list(_rows(root, name, deck)) for name in _COLUMNS}
    for name in _REQUIRED:
        if not (root / name).is_file():
            deck.problem(name, "missing: a CGRateS tariff plan needs this file")
    destinations = _destinations(rows["Destinations.csv"], deck)
    rates = _rates(rows["Rates.csv"], deck)
    bindings = _bindings(rows["DestinationRates.csv"], deck)
    plans, used_timings = _plans(rows["RatingPlans.csv"], deck)
    bands = _bands(rows["Timings.csv"], used_timings, deck)
    profiles = _profiles(rows["RatingProfiles.csv"], tenant, deck_tenant, time_zone, deck)
    tariff = Tariff(
        code=code or root.resolve().name,
        currency=currency,
        time_zone=time_zone,
        increment_decimals=CGRATES_INCREMENT_DECIMALS,
        destinations=destinations,
        rates=rates,
        destination_rates=bindings,
        time_bands=bands,
        rating_plans=plans,
        profiles=profiles,
    )
    if not deck.problems:
        deck.problems.extend(_placed(p, deck) for p in tariff_problems(tariff))
    if deck.problems:
        raise ValidationError(deck.problems)
    return tariff


# -- reading the files ---------------------------------------------------------------------


def _rows(root: Path, name: str, deck: _Deck) -> Iterator[_Row]:
    path = root / name
    if not path.is_file():
        return
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        deck.problem(name, f"cannot read it: {err}")
        return
    lines = text.splitlines()
    header_seen = False
    for number, cells in enumerate(csv.reader(lines), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if not header_seen and _is_header(name, cells):
            header_seen = True
            _check_header(name, number, cells, deck)
            continue
        if cells[0].startswith("#"):
            continue
        header_seen = True  # a header, if any, comes before the first row
        if len(cells) < _MIN_COLUMNS[name]:
            deck.problem(
                f"{name}:{number}",
                f"has {len(cells)} columns, needs at least {_MIN_COLUMNS[name]}",
            )
            continue
        yield _Row(name, number, tuple(cells))


def _normal(name: str) -> str:
    text = name.strip().lstrip("#").strip().lower().replace(" ", "").replace("_", "")
    for suffix in ("tags", "tag", "ids"):
        if text.endswith(suffix):
            text = text.removesuffix(suffix) + "id"
    if text.endswith("sid") and len(text) > 3:
        text = text[:-3] + "id"  # DestinationsID ~ DestinationID, RatesID ~ RateID
    return text.removesuffix("s")  # FallbackSubjects ~ FallbackSubject


_FIRST_COLUMNS = {"id", "tenant", "direction", "tpid"}
_ALIASES = {"ratesfallbacksubject": "fallbacksubject", "destrateid": "destinationrateid"}


def _known(name: str) -> str:
    return _ALIASES.get(_normal(name), _normal(name))


def _is_header(name: str, cells: list[str]) -> bool:
    """A commented first line naming the first column, or a plain one naming the first two
    (so that a destination really called "ID" is not taken for a header)."""
    if _normal(cells[0]) not in _FIRST_COLUMNS:
        return False
    if cells[0].startswith("#"):
        return True
    names = {_known(n) for column in _COLUMNS[name] for n in column} | {"tenant"}
    return len(cells) > 1 and _known(cells[1]) in names


def _check_header(name: str, line: int, cells: list[str], deck: _Deck) -> None:
    expected = list(_COLUMNS[name])
    if name == "RatingProfiles.csv" and _normal(cells[0]) == "direction":
        cells = cells[1:]
    for i, given in enumerate(cells[: len(expected)]):
        if _known(given) not in {_known(n) for n in expected[i]}:
            deck.problem(
                f"{name}:{line}:{given.lstrip('#')}",
                f"column {i + 1} of {name} is {expected[i][0]}; columns are read by position",
            )


def _destinations(rows: list[_Row], deck: _Deck) -> tuple[Destination, ...]:
    prefixes: dict[str, list[str]] = {}
    for row in rows:
        code, prefix = row.cells[0], row.cells[1].removeprefix("+")
        if not code:
            deck.problem(row.at("ID"), "required")
            continue
        if not prefix or prefix == ANY:
            deck.problem(row.at("Prefix"), "must be digits (a leading + is dropped) or a word")
            continue
        found = prefixes.setdefault(code, [])
        if prefix not in found:
            found.append(prefix)
        deck.place(f"destinations[{list(prefixes).index(code)}]", row, {"prefixes": "Prefix"})
    return tuple(Destination(code=c, prefixes=tuple(p)) for c, p in prefixes.items())


def _rates(rows: list[_Row], deck: _Deck) -> tuple[Rate, ...]:
    groups: dict[str, list[tuple[RateGroup, Decimal, _Row]]] = {}
    for row in rows:
        read = _rate_group(row, deck)
        if read is None:
            continue
        group, fee = read
        same = groups.setdefault(row.cells[0], [])
        if any(g.interval_start == group.interval_start for g, _, _ in same):
            deck.problem(row.at("GroupIntervalStart"), "the rate already has a group starting here")
            continue
        same.append((group, fee, row))
    rates = []
    for i, (code, found) in enumerate(groups.items()):
        found.sort(key=lambda g: g[0].interval_start)
        deck.place(f"rates[{i}]", found[0][2], {"connect_fee": "ConnectFee"})
        for j, (_, _, row) in enumerate(found):
            deck.place(f"rates[{i}].groups[{j}]", row, _RATE_COLUMNS)
        # The connect fee is the first group's (CGRateS charges the fee of the group that
        # starts the event; decks repeat it or write 0 on the later lines).
        rates.append(Rate(code=code, connect_fee=found[0][1], groups=tuple(g for g, _, _ in found)))
    return tuple(rates)


def _rate_group(row: _Row, deck: _Deck) -> tuple[RateGroup, Decimal] | None:
    fee = _number(row, 1, "ConnectFee", deck)
    price = _number(row, 2, "Rate", deck)
    unit = _quantity(row, 3, "RateUnit", deck)
    increment = _quantity(row, 4, "RateIncrement", deck)
    start = _quantity(row, 5, "GroupIntervalStart", deck)
    if not row.cells[0]:
        deck.problem(row.at("ID"), "required")
        return None
    if fee is None or price is None or unit is None or increment is None or start is None:
        return None
    group = RateGroup(interval_start=start, price=price, rate_unit=unit, increment=increment)
    return group, fee


_RATE_COLUMNS = {
    "interval_start": "GroupIntervalStart",
    "price": "Rate",
    "rate_unit": "RateUnit",
    "increment": "RateIncrement",
}


def _bindings(rows: list[_Row], deck: _Deck) -> tuple[DestinationRates, ...]:
    entries: dict[str, list[DestinationRate]] = {}
    for row in rows:
        method = _ROUNDING.get(row.cells[3])
        if method is None:
            deck.problem(row.at("RoundingMethod"), "must be *up, *middle or *down")
        decimals = _count(row, 4, "RoundingDecimals", deck)
        max_cost = _number(row, 5, "MaxCost", deck, empty=Decimal(0))
        strategy_text = row.cell(6)
        strategy = _STRATEGY.get(strategy_text)
        if strategy_text and strategy is None:
            deck.problem(row.at("MaxCostStrategy"), "must be *free, *disconnect or empty")
        if not row.cells[0] or not row.cells[1] or not row.cells[2]:
            deck.problem(row.at("ID"), "ID, DestinationsID and RatesID are required")
            continue
        if method is None or decimals is None or max_cost is None:
            continue
        capped = bool(max_cost) and strategy is not None  # MaxCost 0 caps nothing in CGRateS
        same = entries.setdefault(row.cells[0], [])
        deck.place(
            f"destination_rates[{list(entries).index(row.cells[0])}].entries[{len(same)}]",
            row,
            _BINDING_COLUMNS,
        )
        same.append(
            DestinationRate(
                destination=row.cells[1],
                rate=row.cells[2],
                rounding_method=method,
                rounding_decimals=decimals,
                max_cost=max_cost if capped else None,
                max_cost_strategy=strategy if capped else None,
            )
        )
    return tuple(DestinationRates(code=c, entries=tuple(e)) for c, e in entries.items())


_BINDING_COLUMNS = {
    "destination": "DestinationsID",
    "rate": "RatesID",
    "rounding_decimals": "RoundingDecimals",
    "max_cost": "MaxCost",
    "max_cost_strategy": "MaxCostStrategy",
}


def _plans(rows: list[_Row], deck: _Deck) -> tuple[tuple[RatingPlan, ...], dict[str, _Row]]:
    entries: dict[str, list[RatingPlanEntry]] = {}
    timings: dict[str, _Row] = {}
    for row in rows:
        weight = _number(row, 3, "Weight", deck, empty=Decimal(0))
        if not row.cells[0] or not row.cells[1]:
            deck.problem(row.at("ID"), "ID and DestinationRatesID are required")
            continue
        if weight is None:
            continue
        timing = row.cells[2] or ANY
        timings.setdefault(timing, row)
        same = entries.setdefault(row.cells[0], [])
        deck.place(
            f"rating_plans[{list(entries).index(row.cells[0])}].entries[{len(same)}]",
            row,
            {
                "destination_rates": "DestinationRatesID",
                "time_band": "TimingID",
                "weight": "Weight",
            },
        )
        same.append(
            RatingPlanEntry(destination_rates=row.cells[1], time_band=timing, weight=weight)
        )
    plans = tuple(RatingPlan(code=c, entries=tuple(e)) for c, e in entries.items())
    return plans, timings


def _bands(rows: list[_Row], used: dict[str, _Row], deck: _Deck) -> tuple[TimeBand, ...]:
    bands: list[TimeBand] = []
    for row in rows:
        code = row.cells[0]
        if code not in used or code == ANY or any(b.code == code for b in bands):
            continue  # unused timings (action plans, *asap) are not part of rating
        found = len(deck.problems)
        lists = [_list(row, i, name, deck) for i, name in enumerate(_TIMING_LISTS, start=1)]
        start = _start_time(row, deck)
        if len(deck.problems) > found or start is None:
            continue
        deck.place(f"time_bands[{len(bands)}]", row, _TIMING_COLUMNS)
        years, months, month_days, weekdays = lists
        bands.append(
            TimeBand(
                code=code,
                years=years,
                months=months,
                month_days=month_days,
                weekdays=weekdays,
                start_time=start,
            )
        )
    return tuple(bands)


_TIMING_LISTS = ("Years", "Months", "MonthDays", "WeekDays")
_TIMING_COLUMNS = {
    "years": "Years",
    "months": "Months",
    "month_days": "MonthDays",
    "weekdays": "WeekDays",
}


def _list(row: _Row, index: int, column: str, deck: _Deck) -> tuple[int, ...]:
    text = row.cells[index]
    if text in ("", ANY, "*all"):
        return ()
    values = []
    for part in text.split(";"):
        if not part.strip().isdigit():
            deck.problem(row.at(column), f"{text!r}: give whole numbers separated by ';' or *any")
            return ()
        values.append(int(part))
    return tuple(values)


def _start_time(row: _Row, deck: _Deck) -> dt.time | None:
    text = row.cells[5]
    if text in ("", ANY):
        return dt.time(0)
    if ";" in text:
        deck.problem(row.at("Time"), "an end time is not supported: give the start time only")
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        deck.problem(row.at("Time"), f"{text!r} is not a time of day (hh:mm:ss)")
        return None


def _profiles(
    rows: list[_Row], tenant: str, deck_tenant: str | None, time_zone: str, deck: _Deck
) -> tuple[RatingProfile, ...]:
    profiles: list[RatingProfile] = []
    for row in rows:
        cells = row.cells
        if cells[0] in ("*out", "*in"):  # an older deck: Direction first
            if cells[0] == "*in":
                deck.problem(row.at("Direction"), "inbound (*in) profiles are not rated")
                continue
            cells = cells[1:]
        if len(cells) < 5:
            deck.problem(f"{row.file}:{row.line}", "needs Tenant, Category, Subject, ...")
            continue
        if deck_tenant is not None and cells[0] != deck_tenant:
            continue
        shifted = _Row(row.file, row.line, cells)
        activation = _activation(shifted, time_zone, deck)
        if not cells[1] or not cells[2] or not cells[4]:
            deck.problem(row.at("Category"), "Category, Subject and RatingPlanID are required")
            continue
        if activation is None:
            continue
        fallbacks = tuple(s.strip() for s in shifted.cell(5).split(";") if s.strip())
        deck.place(
            f"profiles[{len(profiles)}]",
            row,
            {"activation": "ActivationTime", "rating_plan": "RatingPlanID"},
        )
        profiles.append(
            RatingProfile(
                tenant=tenant,
                category=cells[1],
                subject=cells[2],
                activation=activation,
                rating_plan=cells[4],
                fallback_subjects=fallbacks,
            )
        )
    return tuple(profiles)


def _activation(row: _Row, time_zone: str, deck: _Deck) -> dt.datetime | None:
    text = row.cells[3]
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        deck.problem(row.at("ActivationTime"), f"{text!r} is not an RFC 3339 time")
        return None
    if when.utcoffset() is None:
        try:
            when = when.replace(tzinfo=zone(time_zone))
        except (ValueError, ZoneInfoNotFoundError):
            return when  # the unknown zone itself is reported with the tariff
    return when


# -- cells ---------------------------------------------------------------------------------


def _number(
    row: _Row, index: int, column: str, deck: _Deck, *, empty: Decimal | None = None
) -> Decimal | None:
    text = row.cell(index)
    if not text and empty is not None:
        return empty
    if not _NUMBER.fullmatch(text):
        deck.problem(row.at(column), f"{text!r} is not a number")
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover — the pattern admits only numbers
        deck.problem(row.at(column), f"{text!r} is not a number")
        return None
    if number < 0:
        deck.problem(row.at(column), "must not be negative")
        return None
    return Decimal(0) if number.is_zero() else number


def _quantity(row: _Row, index: int, column: str, deck: _Deck) -> Decimal | None:
    text = row.cell(index)
    if not text:
        return Decimal(0)  # an empty unit or increment means 1, an empty start 0
    quantity = parse_quantity(text)
    if quantity is None:
        deck.problem(
            row.at(column), f"{text!r}: give a Go duration (60s, 1m, 100ms) or a whole number"
        )
    return quantity


def _count(row: _Row, index: int, column: str, deck: _Deck) -> int | None:
    text = row.cell(index)
    if not text.isdigit():
        deck.problem(row.at(column), f"{text!r}: give a whole number of decimals")
        return None
    return int(text)


def _placed(problem: FieldError, deck: _Deck) -> FieldError:
    """A model problem (``rates[2].groups[0].price``) at its file, line and column."""
    path = problem.field
    while path:
        if path in deck.places:
            row, columns = deck.places[path]
            rest = problem.field.removeprefix(path).lstrip(".")
            attribute = re.split(r"[.\[]", rest)[0] if rest else ""
            column = columns.get(attribute, "ID")
            return FieldError(row.at(column), problem.reason)
        path = path.rpartition(".")[0] if "." in path else ""
    return problem
