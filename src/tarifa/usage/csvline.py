"""One physical line split as CSV, never more than that line.

The readers take a record to be one physical line (DOMAIN.md: after a broken line, reading
resumes at the next). Python's csv reader would let an unclosed quote run on into the
following lines and swallow them; here it is fed one line at a time and told the input ends
there, so an unclosed quote is an error of its own line.
"""

from __future__ import annotations

import csv


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


class LineSplitter:
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
