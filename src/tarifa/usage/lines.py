"""Physical lines of a file, read in blocks: constant memory whatever the file's size.

Every usage format is read line by line: a record is one physical line, and whatever is
wrong with one line (a broken quote, binary junk, bytes that are not UTF-8) stays on that
line; reading resumes at the next. Lines end at ``\\n`` (a ``\\r`` before it is dropped);
the last line may lack it.

Bytes that are not UTF-8 are decoded as lone surrogates (the "surrogateescape" handler), so
the line's exact bytes can be had back (:func:`original_bytes`) and the readers can tell the
line is broken (:func:`is_clean`). A line longer than :data:`MAX_LINE` bytes is cut there and
marked with :data:`TOO_LONG` (a line that long is no usage record; reading a file that is one
endless line must not take the whole file into memory).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import IO

BLOCK = 1 << 20
MAX_LINE = 1 << 16
#: Appended to a line that was cut at MAX_LINE bytes. Holds a NUL, which no valid line has.
TOO_LONG = "\x00[cut: longer than 65536 bytes]"
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def physical_lines(handle: IO[bytes], block: int = BLOCK) -> Iterator[str]:
    """Each physical line of `handle` (blank ones included, so callers can number them)."""
    rest = b""
    skipping = False  # inside a line already cut at MAX_LINE: drop bytes up to its end
    while True:
        data = handle.read(block)
        if not data:
            break
        if skipping:
            end = data.find(b"\n")
            if end < 0:
                continue
            data, skipping = data[end + 1 :], False
        if rest:
            data = rest + data
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            if len(rest) > MAX_LINE:
                yield _decode(rest[:MAX_LINE]) + TOO_LONG
                rest, skipping = b"", True
            continue
        rest = data[cut + 1 :]
        text = _decode(data[:cut])
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if text.endswith("\r"):  # the \r of the \r\n that `cut` split
                text = text[:-1]
        for line in text.split("\n"):
            if len(line) > MAX_LINE and len(line.encode("utf-8", "surrogateescape")) > MAX_LINE:
                line = _cut(line)
            yield line
    if rest and not skipping:
        line = _decode(rest)
        yield line[:-1] if line.endswith("\r") else line


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _cut(line: str) -> str:
    return _decode(line.encode("utf-8", "surrogateescape")[:MAX_LINE]) + TOO_LONG


def is_clean(line: str) -> bool:
    """True when the line is valid UTF-8 text without NUL bytes (nor cut for its length)."""
    if "\x00" in line:
        return False
    return line.isascii() or _NOT_UTF8.search(line) is None


def problem(line: str) -> str:
    """Why a line that is not clean cannot be read."""
    if line.endswith(TOO_LONG):
        return "the line is longer than 65536 bytes"
    if "\x00" in line:
        return "binary data (NUL bytes) in the line"
    return "the line is not valid UTF-8"


def original_bytes(line: str) -> bytes:
    return line.encode("utf-8", "surrogateescape")


def line_hash(line: str) -> str:
    """The hex MD5 of the line's bytes (as PostgreSQL's md5() of the same text): with the
    source, the key of a quarantined line."""
    return hashlib.md5(original_bytes(line), usedforsecurity=False).hexdigest()


def printable(line: str) -> str:
    """The line as text PostgreSQL can store: bytes that are not UTF-8 as ``\\xNN``, NUL as
    ``\\x00``."""
    if line.endswith(TOO_LONG):
        line = line[: -len(TOO_LONG)]
    text = line if line.isascii() else _NOT_UTF8.sub(_escape_byte, line)
    return text.replace("\x00", "\\x00") if "\x00" in text else text


def _escape_byte(match: re.Match[str]) -> str:
    return f"\\x{ord(match[0]) - 0xDC00:02x}"
