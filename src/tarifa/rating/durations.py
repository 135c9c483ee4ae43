"""Usage quantities as people and CGRateS write them: Go durations or plain numbers.

A rate deck gives positions and sizes in the usage of an event (``interval_start``,
``rate_unit``, ``increment``), and a quote gives the usage of one event. Both are written
either as a **Go duration** (``60s``, ``1m30s``, ``1.5h``, ``100ms``: a sequence of decimal
numbers each with a unit ``h``, ``m``, ``s``, ``ms``, ``us``/``µs``, ``ns``), which is read as
seconds, or as a **plain number** (``1024``, ``1``), which is read as units of the event itself:
bytes for data, events for SMS, seconds for voice.

That is how tarifa reads CGRateS decks too. CGRateS keeps every usage as a count of
nanoseconds and lets data and SMS decks write bare integers that it treats as plain units
(``RT_SMS,0,0.01,1,1,0``); a duration string in a voice deck is a real duration. Reading the
first as units and the second as seconds gives the same cost per event as CGRateS does.

Numbers stay exact: ``100ms`` is ``Decimal("0.1")``, never a float.
"""

from __future__ import annotations

import re
from decimal import Decimal

_UNITS = {
    "h": Decimal(3600),
    "m": Decimal(60),
    "s": Decimal(1),
    "ms": Decimal("0.001"),
    "us": Decimal("0.000001"),
    "µs": Decimal("0.000001"),  # Go accepts the micro sign,
    "μs": Decimal("0.000001"),  # the Greek mu and "us" alike
    "ns": Decimal("0.000000001"),
}
# One "<number><unit>" term; "ms" before "m", "ns"/"us" before "s" by the alternation order.
_TERM = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(h|ms|m|s|us|µs|μs|ns)")
_DURATION = re.compile(rf"(?:{_TERM.pattern})+")
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")

DURATION_HELP = (
    'a Go duration ("60s", "1m30s", "100ms") or a plain number of units ("1024"); not negative'
)


def is_duration(text: str) -> bool:
    """Whether `text` is a Go duration with a unit (``"0s"`` is; ``"0"`` is a plain number)."""
    return bool(_DURATION.fullmatch(text.strip()))


def parse_quantity(text: str) -> Decimal | None:
    """A Go duration as seconds, or a plain number as itself; None when it is neither.

    Signs are refused: no usage position, size or amount of usage is ever negative.
    """
    text = text.strip()
    if _PLAIN.fullmatch(text):
        return _unsigned(Decimal(text))
    if not _DURATION.fullmatch(text):
        return None
    total = Decimal(0)
    for number, unit in _TERM.findall(text):
        total += Decimal(number) * _UNITS[unit]
    return _unsigned(total)


def format_seconds(seconds: Decimal) -> str:
    """Seconds as the shortest Go duration that reads back exactly: 60 → ``1m``, 90 →
    ``1m30s``, 0.5 → ``0.5s``, 3600 → ``1h``."""
    if seconds < 0:
        raise ValueError("a duration is never negative")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{_plain(hours)}h")
    if minutes:
        parts.append(f"{_plain(minutes)}m")
    if secs or not parts:
        parts.append(f"{_plain(secs)}s")
    return "".join(parts)


def format_number(number: Decimal) -> str:
    """A number as plain decimal text, never in exponent form (``1E+1`` is written ``10``)."""
    return _plain(number)


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _unsigned(number: Decimal) -> Decimal:
    # "0.0" and "-0" both read as a clean 0, so a zero never prints as "-0" or "0.0"; "100ms"
    # reads as 0.1 and "1.5h" as 5400, not 0.100 and 5400.0.
    if number.is_zero():
        return Decimal(0)
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()
