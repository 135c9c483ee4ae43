"""The quarantine: lines an import could not take in, with the reason and the line as it was.

A line that cannot be read (broken quoting, a field that is no number, a negative duration)
never will be: it stays until someone deals with it. A line that was read but refused for
what the database held at the time (no account held its identifier at the event time, or
its event lay in the future) is *retryable*: :func:`retry` reads it again the way its import
did and stores it if it now passes, e.g. once the missing customer has been created. Lines
still refused go back to quarantine with the reason as it is now; a line whose record was
stored meanwhile (from another file) counts as a duplicate and leaves the quarantine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Database
from tarifa.errors import DatabaseError, ValidationError
from tarifa.usage import importer
from tarifa.usage.importer import COUNTS, Progress, Settings
from tarifa.usage.mapping import Mapping
from tarifa.usage.model import Format

_SQL = queries.load("usage")
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class QuarantinedLine:
    id: int
    source: str
    line: int
    reason: str
    raw: str
    import_id: int
    file: str | None
    quarantined_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryReport:
    """What a retry did: ``received`` retryable lines were read again, and
    ``received == accepted + filtered + duplicates + quarantined`` (still refused)."""

    retry_id: int
    source: str | None
    received: int
    accepted: int
    filtered: int
    duplicates: int
    quarantined: int
    audit_id: int


def list_lines(
    db: Database, *, source: str | None = None, limit: int = 100, after_id: int | None = None
) -> list[QuarantinedLine]:
    """Quarantined lines in id order, `limit` at a time (pass the last id as `after_id`)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError.single("limit", f"must be a whole number from 1 to {MAX_PAGE}")
    params = {"source": source, "limit": limit, "after_id": after_id or 0}
    with db.transaction() as conn:
        rows = conn.execute(_SQL["quarantine_list"], params).fetchall()
    return [QuarantinedLine(**row) for row in rows]  # type: ignore[arg-type]


def count(db: Database, *, source: str | None = None) -> int:
    with db.transaction() as conn:
        row = conn.execute(_SQL["quarantine_count"], {"source": source}).fetchone()
    return 0 if row is None else int(str(row["count"]))


def retry(
    db: Database,
    *,
    actor: str,
    source: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> RetryReport:
    """Read every retryable quarantined line (of `source`, or of all sources) again."""
    notify = progress or (lambda _: None)
    totals = dict.fromkeys(COUNTS, 0)
    with db.transaction() as conn:
        if source is None:
            conn.execute(_SQL["lock_all_sources"])
        else:
            conn.execute(_SQL["lock_source"], {"source": source})
            conn.execute(_SQL["share_all_sources"])
        row = conn.execute(_SQL["insert_retry"], {"source": source, "actor": actor}).fetchone()
        if row is None:
            raise DatabaseError("insert_retry returned no row")
        retry_id, up_to = int(str(row["id"])), int(str(row["up_to"]))
        origins = conn.execute(_SQL["quarantine_imports"], {"source": source}).fetchall()
        importer.prepare_session(conn, None)
        for number, origin in enumerate(origins):
            settings = _settings_of(origin)
            reader = importer.make_reader(settings)
            importer.set_time_zone(conn, settings.time_zone)
            with importer.ChunkLoader(
                conn, settings, import_id=retry_id, quarantine_import_id=int(str(origin["id"]))
            ) as loader:
                after = 0
                while True:
                    taken = conn.execute(
                        _SQL["quarantine_take"],
                        {"import_id": origin["id"], "source": source, "after_id": after,
                         "up_to": up_to, "limit": importer.CHUNK_ROWS},
                    ).fetchall()  # fmt: skip
                    if not taken:
                        break
                    after = max(int(str(r["id"])) for r in taken)
                    loader.submit([reader.parse(int(str(r["line"])), str(r["raw"])) for r in taken])
                    loader.finish()
                for name, value in loader.finish().items():
                    totals[name] += value
            notify(Progress(stage="retrying", done=number + 1, total=len(origins)))
        conn.execute(_SQL["finish_import"], {"id": retry_id, **totals})
        audit_id = record(
            conn,
            actor=actor,
            action="usage.quarantine_retried",
            entity_type="usage_import",
            entity_id=retry_id,
            data={"source": source, "imports": [o["id"] for o in origins], **totals},
        )
    return RetryReport(retry_id=retry_id, source=source, audit_id=audit_id, **totals)


def _settings_of(origin: dict[str, Any]) -> Settings:
    stored = origin["settings"] or {}
    mapping = Mapping.model_validate(stored["mapping"]) if "mapping" in stored else None
    header = tuple(stored["header"]) if "header" in stored else None
    return Settings(
        source=str(origin["source"]),
        format=Format(str(origin["format"])),
        tenant=str(origin["tenant"]),
        time_zone=origin["time_zone"],
        mapping=mapping,
        header=header,
    )
