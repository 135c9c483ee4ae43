"""The usage service: import usage files, look at the quarantine, retry it.

`tarifa.connect().usage` is one of these. Everything a file holds is accounted for: each
line read is accepted, filtered, a duplicate or quarantined (:mod:`tarifa.usage.importer`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from tarifa.db.connection import Database
from tarifa.errors import ValidationError
from tarifa.usage import importer, quarantine
from tarifa.usage.importer import ImportReport, Progress
from tarifa.usage.mapping import Mapping
from tarifa.usage.quarantine import QuarantinedLine, RetryReport


class Usage:
    """Usage intake; `actor` is who the audit log names."""

    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def import_file(
        self,
        source_file: Path | str | IO[bytes],
        *,
        format: str,
        source: str,
        mapping: Path | str | dict[str, Any] | Mapping | None = None,
        timezone: str | None = None,
        tenant: str = "default",
        name: str | None = None,
        progress: Callable[[Progress], None] | None = None,
    ) -> ImportReport:
        """Import a usage file of `format` (asterisk, csv, jsonl) from the system `source`.

        `mapping` (a YAML file, or its contents) says where a CSV file's (or JSON lines')
        fields are; `timezone` (an IANA zone) reads times written without a UTC offset, and
        is required for formats that never have one. Records are rated under `tenant`.
        ValidationError when the options are wrong or the file cannot be read at all; bad
        lines are quarantined, never raised.
        """
        settings = importer.check_settings(
            format=format, source=source, mapping=mapping, timezone=timezone, tenant=tenant
        )
        return importer.import_file(
            self.db, source_file, settings, actor=self.actor, name=name, progress=progress
        )

    def quarantine(
        self, *, source: str | None = None, limit: int = 100, after_id: int | None = None
    ) -> list[QuarantinedLine]:
        """Quarantined lines in id order (of one source, or all)."""
        return quarantine.list_lines(self.db, source=source, limit=limit, after_id=after_id)

    def quarantine_count(self, *, source: str | None = None) -> int:
        return quarantine.count(self.db, source=source)

    def retry_quarantine(
        self,
        *,
        source: str | None = None,
        progress: Callable[[Progress], None] | None = None,
    ) -> RetryReport:
        """Read the retryable quarantined lines again; store those that now pass."""
        if source is not None and not source.strip():
            raise ValidationError.single("source", "must name a source, or be left out for all")
        return quarantine.retry(self.db, actor=self.actor, source=source, progress=progress)
