"""Which statement format a file is in, and its parser: camt when it is XML, else MT940."""

from __future__ import annotations

from tarifa.reconciliation.camt import parse_camt
from tarifa.reconciliation.model import ParsedFile
from tarifa.reconciliation.mt940 import parse_mt940


def parse_statement_file(data: bytes) -> ParsedFile:
    """Raises ValidationError naming the problem when the file as a whole is unreadable; an
    unreadable entry inside it is only counted as skipped."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return parse_camt(data)
    return parse_mt940(data)


__all__ = ["parse_statement_file"]
