"""Bulk intake of usage files: parse in Python, load with COPY, validate and store set-based.

How it runs: the calling thread reads the file in blocks and turns each line into a staging
row (:mod:`tarifa.usage.readers`); every :data:`CHUNK_ROWS` rows it COPYs them into a
temporary staging table and hands the chunk to a worker thread that stores it with one
statement (`load_chunk` in sql/queries/usage.sql: account resolution by event time,
quarantine, duplicates, usage records and their keys), while the calling thread parses the
next chunk. One chunk is loaded while the next is parsed, so memory stays bounded whatever
the file's size.

The whole import is one transaction with one audit row (``usage.imported``) and one
``usage_imports`` row holding the counts; imports of one source take turns to load (each
parses and stages its first chunk before it waits for its turn).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psycopg import errors as pg
from psycopg.types.json import Jsonb

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import DatabaseError, FieldError, ValidationError
from tarifa.files import opened
from tarifa.usage import lines
from tarifa.usage.mapping import JSONL_DEFAULT, Mapping, load, to_settings
from tarifa.usage.model import Format
from tarifa.usage.readers import AsteriskReader, MappedReader, Reader, records
from tarifa.usage.times import is_local_format

_SQL = queries.load("usage")
#: Lines per COPY chunk: large enough that the per-chunk joins and statements do not count,
#: small enough that two waiting chunks stay a few dozen MB.
CHUNK_ROWS = 100_000
MAX_SOURCE = 100
COUNTS = ("received", "accepted", "filtered", "duplicates", "quarantined")


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """Where an import is: `stage` "reading" (done/total in bytes of the file) or
    "loading" (the last chunks after reading)."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """What an import did: ``received == accepted + filtered + duplicates + quarantined``."""

    import_id: int
    file: str
    source: str
    format: str
    tenant: str
    received: int
    accepted: int
    filtered: int
    duplicates: int
    quarantined: int
    audit_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """How one import reads its lines (kept with the import, for retries)."""

    source: str
    format: Format
    tenant: str
    time_zone: str | None
    mapping: Mapping | None
    header: tuple[str, ...] | None = None

    def as_json(self) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        if self.mapping is not None:
            settings["mapping"] = to_settings(self.mapping)
        if self.header is not None:
            settings["header"] = list(self.header)
        return settings


def check_settings(
    *,
    format: str,
    source: str,
    mapping: Path | str | dict[str, Any] | Mapping | None,
    timezone: str | None,
    tenant: str,
) -> Settings:
    """The import's options, checked; ValidationError lists every problem."""
    problems: list[FieldError] = []
    try:
        fmt = Format(str(format).lower())
    except ValueError:
        problems.append(FieldError("format", "must be asterisk, csv or jsonl"))
        fmt = None
    if not isinstance(source, str) or not 1 <= len(source.strip()) <= MAX_SOURCE:
        problems.append(FieldError("source", f"must be a name of 1 to {MAX_SOURCE} characters"))
    if not isinstance(tenant, str) or not 1 <= len(tenant.strip()) <= MAX_SOURCE:
        problems.append(FieldError("tenant", f"must be a name of 1 to {MAX_SOURCE} characters"))
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(FieldError("timezone", f"{timezone!r} is not an IANA time zone"))
    parsed: Mapping | None = None
    if mapping is not None and fmt is Format.ASTERISK:
        problems.append(FieldError("mapping", "Asterisk files have fixed columns: no mapping"))
    elif mapping is not None:
        try:
            parsed = mapping if isinstance(mapping, Mapping) else load(mapping)
        except ValidationError as err:
            problems.extend(err.errors)
    elif fmt is Format.CSV:
        problems.append(FieldError("mapping", "a CSV file needs a column mapping (--mapping)"))
    elif fmt is Format.JSONL:
        parsed = JSONL_DEFAULT
    if timezone is None and fmt is Format.ASTERISK:
        reason = "Asterisk CDR times have no UTC offset: give the switch's time zone"
        problems.append(FieldError("timezone", reason + " (--timezone)"))
    if timezone is None and parsed is not None and is_local_format(parsed.start.format):
        reason = f"start times in the format {parsed.start.format!r} have no UTC offset"
        problems.append(FieldError("timezone", reason + ": give their time zone (--timezone)"))
    if problems or fmt is None:
        raise ValidationError(problems)
    return Settings(source=source.strip(), format=fmt, tenant=tenant.strip(),
                    time_zone=timezone, mapping=parsed)  # fmt: skip


def make_reader_for(fmt: Format | None, mapping: Mapping | None, timezone: str | None) -> Reader:
    if fmt is Format.ASTERISK or mapping is None:
        return AsteriskReader(timezone=timezone)
    return MappedReader(mapping, json_lines=fmt is Format.JSONL, timezone=timezone)


def make_reader(settings: Settings) -> Reader:
    reader = make_reader_for(settings.format, settings.mapping, settings.time_zone)
    if isinstance(reader, MappedReader) and settings.header is not None:
        reader.bind_header(settings.header)
    return reader


def import_file(
    db: Database,
    source: Path | str | IO[bytes],
    settings: Settings,
    *,
    actor: str,
    name: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ImportReport:
    """Import the usage file `source` (a path, or a binary file object named `name`).

    ValidationError when the file cannot be read at all (missing, or a CSV header that does
    not have the mapping's columns); problems of single lines are quarantined instead.
    """
    notify = progress or (lambda _: None)
    file_name = name or (Path(source).name if isinstance(source, Path | str) else "<stream>")
    reader = make_reader(settings)
    with opened(source) as (handle, size), db.transaction() as conn:
        prepare_session(conn, settings.time_zone)
        rows = records(reader, lines.physical_lines(handle))
        first = next(rows, None)  # a CSV reader has taken its header by now
        if isinstance(reader, MappedReader) and reader.header is not None:
            settings = replace(settings, header=reader.header)
        import_id = _insert_import(conn, settings, actor=actor, file=file_name, kind="import")
        with ChunkLoader(conn, settings, import_id=import_id, take_turn=True) as loader:
            _feed(_prepend(first, rows), loader, lambda: (handle.tell(), size), notify)
            counts = loader.finish()
        notify(Progress(stage="loading", done=1, total=2))
        conn.execute(_SQL["finish_import"], {"id": import_id, **counts})
        audit_id = record(
            conn,
            actor=actor,
            action="usage.imported",
            entity_type="usage_import",
            entity_id=import_id,
            data={
                "file": file_name,
                "source": settings.source,
                "format": settings.format.value,
                "tenant": settings.tenant,
                "time_zone": settings.time_zone,
                **counts,
            },
        )
    notify(Progress(stage="loading", done=2, total=2))
    return ImportReport(import_id=import_id, file=file_name, source=settings.source,
                        format=settings.format.value, tenant=settings.tenant,
                        audit_id=audit_id, **counts)  # fmt: skip


def prepare_session(conn: Connection, time_zone: str | None) -> None:
    """Settings of the import's transaction, and its staging table."""
    conn.execute(_SQL["set_work_mem"])
    try:
        with conn.transaction():
            conn.execute(_SQL["set_temp_buffers"])
    except pg.InvalidParameterValue:
        pass  # this session used temporary tables already: their buffers stay as they are
    set_time_zone(conn, time_zone)
    conn.execute(_SQL["create_staging"])
    conn.execute(_SQL["sample_staging"])


def set_time_zone(conn: Connection, time_zone: str | None) -> None:
    try:
        with conn.transaction():
            conn.execute(_SQL["set_time_zone"], {"time_zone": time_zone or "UTC"})
    except pg.InvalidParameterValue:
        raise ValidationError.single(
            "timezone", f"{time_zone!r} is not a time zone the database knows"
        ) from None


def _insert_import(
    conn: Connection, settings: Settings, *, actor: str, file: str | None, kind: str
) -> int:
    params = {"kind": kind, "source": settings.source, "format": settings.format.value,
              "file": file, "tenant": settings.tenant, "time_zone": settings.time_zone,
              "settings": Jsonb(settings.as_json()), "actor": actor}  # fmt: skip
    row = conn.execute(_SQL["insert_import"], params).fetchone()
    if row is None:
        raise DatabaseError("insert_import returned no row")
    return int(str(row["id"]))


def _prepend(first: str | None, rows: Iterator[str]) -> Iterator[str]:
    if first is not None:
        yield first
        yield from rows


def _feed(
    rows: Iterator[str],
    loader: ChunkLoader,
    position: Callable[[], tuple[int, int]],
    notify: Callable[[Progress], None],
) -> None:
    """Hand the staging rows to the loader a chunk at a time."""
    chunk: list[str] = []
    append = chunk.append
    for row in rows:
        append(row)
        if len(chunk) == CHUNK_ROWS:
            loader.submit(chunk)
            chunk = []
            append = chunk.append
            done, total = position()
            notify(Progress(stage="reading", done=done, total=max(total, done)))
    if chunk:
        loader.submit(chunk)
    done, total = position()
    notify(Progress(stage="reading", done=total, total=total))


class ChunkLoader:
    """Loads chunks on one worker thread, in order, while the caller parses the next.

    The caller COPYs a chunk into the staging table itself, once the worker is done with
    the previous one, then hands the statement to the worker: a COPY streamed by the worker
    thread while the caller parses waits for the GIL at every block it sends (a 100,000-row
    chunk took three times as long). The worker uses the caller's connection and
    transaction; the caller uses them only inside :meth:`submit` (for the COPY, while the
    worker is idle) and otherwise not until :meth:`finish` returns.
    """

    def __init__(
        self,
        conn: Connection,
        settings: Settings,
        *,
        import_id: int,
        quarantine_import_id: int | None = None,
        take_turn: bool = False,
    ) -> None:
        self.conn = conn
        # Imports of one source take turns (lock_source) from their first load on: parsing
        # and the COPY into the session's staging table need no turn, so a second import
        # of the source parses while the first loads (two API batches at once, say).
        self.take_turn = take_turn
        self.encoding = conn.info.encoding
        mapping = settings.mapping
        self.params = {
            "source": settings.source,
            "tenant": settings.tenant,
            "import_id": import_id,
            "quarantine_import_id": quarantine_import_id or import_id,
            "cumulative": mapping is not None and mapping.cumulative,
        }
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tarifa-usage")
        self.pending: deque[Future[dict[str, int]]] = deque()  # at most one: the staging table
        self.counts = dict.fromkeys(COUNTS, 0)
        # Parts of sessions are staged with their session and sequence and always loaded by
        # load_chunk, which looks up the part before each (load_chunk_new does not).
        parts = mapping is not None and mapping.parts
        self.copy_sql = _SQL["copy_staging_parts" if parts else "copy_staging"]
        # Other chunks are loaded as all new (load_chunk_new) until one holds a record seen
        # before; from then on, this import's chunks take load_chunk, which skips duplicates.
        self.expect_duplicates = parts

    def __enter__(self) -> ChunkLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True)  # never leave the worker using the connection

    def submit(self, rows: list[str]) -> None:
        # The COPY payload is built while the database loads the previous chunk.
        payload = "".join(rows).encode(self.encoding)
        while self.pending:  # the staging table holds the previous chunk until it is loaded
            self._add(self.pending.popleft().result())
        with self.conn.cursor().copy(self.copy_sql) as copy:
            copy.write(payload)
        self.pending.append(self.pool.submit(self._load, len(rows)))

    def finish(self) -> dict[str, int]:
        while self.pending:
            self._add(self.pending.popleft().result())
        return dict(self.counts)

    def _add(self, counts: dict[str, int]) -> None:
        for name in COUNTS:
            self.counts[name] += counts[name]

    def _load(self, count: int) -> dict[str, int]:
        conn = self.conn
        if self.take_turn:
            conn.execute(_SQL["lock_source"], self.params)
            conn.execute(_SQL["share_all_sources"])
            self.take_turn = False  # held until the import commits
        conn.execute(_SQL["ensure_partitions"], self.params)
        conn.execute(_SQL["analyze_staging"])
        row = None
        if not self.expect_duplicates:
            try:
                with conn.transaction():
                    row = conn.execute(_SQL["load_chunk_new"], self.params).fetchone()
            except pg.UniqueViolation as err:
                if err.diag.constraint_name != "usage_record_keys_pkey":
                    raise
                self.expect_duplicates = True
        if self.expect_duplicates:
            row = conn.execute(_SQL["load_chunk"], self.params).fetchone()
        conn.execute(_SQL["clear_staging"])
        if row is None:
            raise DatabaseError("load_chunk returned no row")
        counts = {name: int(str(row[name])) for name in COUNTS}
        # Every line handed over is counted once; anything else is a bug, never a loss.
        if counts["received"] != count or counts["received"] != sum(
            counts[name] for name in COUNTS[1:]
        ):
            raise DatabaseError(f"usage chunk counts do not add up: {counts}, {count} lines")
        return counts
