"""Readers: one physical line in, one staging row out (:mod:`tarifa.usage.staging`).

- :class:`~tarifa.usage.asterisk.AsteriskReader`: Asterisk ``cdr_csv`` Master.csv;
- :class:`~tarifa.usage.mapped.MappedReader`: a generic CSV file or JSON lines, with a
  column mapping (:mod:`tarifa.usage.mapping`).

A reader never raises on a line: whatever is wrong becomes the line's reason. Only a CSV
header that lacks the mapped columns stops an import (ValidationError).
"""

from __future__ import annotations

from collections.abc import Iterator

from tarifa.usage.asterisk import AsteriskReader
from tarifa.usage.mapped import MappedReader

__all__ = ["AsteriskReader", "MappedReader", "Reader", "records"]

Reader = AsteriskReader | MappedReader


def records(reader: Reader, physical: Iterator[str]) -> Iterator[str]:
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
