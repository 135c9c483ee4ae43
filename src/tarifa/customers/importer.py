"""Bulk import of customers from CSV: validate in Python, load with COPY, insert set-based.

Semantics (the CSV columns are described in :mod:`tarifa.customers.csvrows`):

- Every row is checked on its own and rejected with *all* its problems and its line number;
  a rejected row never stops the good ones.
- An import only ever creates accounts. A row whose external id is already stored is
  ``unchanged``: the stored account, its identifiers and its parent are left exactly as they
  are, so importing the same file again changes nothing.
- Within one file the first row with an external id wins; later rows with the same id are
  rejected. Likewise an identifier may appear on one row only.
- Identifiers (phone numbers, SIP users, account codes) start at the import's transaction
  time, open-ended. A row whose identifier another account holds is rejected, naming it.
- Parents are named by external id, in the same file (in any order) or already stored, and
  follow the hierarchy rules (:mod:`tarifa.customers.parents`). A missing or rejected parent
  rejects the row.
- Counts always add up: ``received = accepted + unchanged + rejected``.
- The whole import is one transaction with one audit row (``customers.imported``) holding
  the file name, the counts and the ids of the accounts it created.

How it runs: the good rows go to the database in chunks. While a worker thread loads one
chunk, the calling thread reads and validates the next, so Python and PostgreSQL work on the
two cores at once. In :func:`bulk_mode` the reading and validating moves to a child process
(:mod:`tarifa.customers.validator`, the same code), which keeps the loader thread from
waiting on the interpreter lock; the batches then arrive column by column, ready to COPY.
Loading a chunk is one query (which external ids are stored already, and
ids for the others from the customers identity) and two COPYs straight into `customers` and
`usage_identifiers`, in a savepoint. An identifier held by another account is rare: the COPY
then fails on the exclusion constraint, the rows concerned are found, rejected, and the chunk
is loaded again without them. Parents are resolved over the whole file at the end and set
with one UPDATE.
"""

from __future__ import annotations

import gc
import io
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from psycopg import errors as pg

from tarifa.audit import record
from tarifa.customers import parents
from tarifa.customers.csvrows import (
    IDENTIFIER_COLUMNS,
    Batch,
    Rejection,
    RowChecker,
    checked_batches,
    copy_unescape,
    read_header,
    records,
)
from tarifa.customers.validator import ValidationProcess
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import FieldError, ValidationError
from tarifa.files import opened

_SQL = queries.load("customers")
#: Rows per COPY chunk: small enough that the last chunk (which nothing overlaps) is quick,
#: large enough that per-statement overhead does not count.
CHUNK_ROWS = 2500
_COLUMN_OF_KIND = {kind.value: column for column, kind in IDENTIFIER_COLUMNS.items()}
_STEPS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """Where an import is: `stage` is "reading" (done/total in bytes of the file) or
    "loading" (done/total in steps of the work left after reading)."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """What an import did. ``received == accepted + unchanged + rejected`` always."""

    file: str
    received: int
    accepted: int
    unchanged: int
    rejected: int
    rejections: tuple[Rejection, ...]
    audit_id: int


@dataclass(slots=True)
class _Run:
    """The bookkeeping of one import while it runs."""

    received: int = 0
    unchanged: int = 0
    rejections: dict[int, Rejection] = field(default_factory=dict)
    # external id -> (line, kind, currency, parent external id) of every good row
    good: dict[str, tuple[int, str, str, str | None]] = field(default_factory=dict)
    inserted: dict[str, int] = field(default_factory=dict)  # external id -> new customer id

    def reject(self, line: int, external_id: str | None, errors: tuple[FieldError, ...]) -> None:
        self.rejections[line] = Rejection(line=line, external_id=external_id, errors=errors)


def import_customers(
    db: Database,
    source: Path | str | IO[bytes],
    *,
    actor: str,
    name: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    identifiers_from: datetime | None = None,
) -> ImportReport:
    """Import the CSV file `source` (a path, or a binary file object named `name`).

    The usage identifiers of new accounts are valid from the import's transaction time, or
    from `identifiers_from` (an aware instant, not in the future) when accounts move over
    from another system with their usage history: usage records from that instant on are
    then tied to them.

    ValidationError when the file cannot be read at all (missing, or no usable header), or
    `identifiers_from` is naive or in the future; problems of single rows are in the report.
    """
    _check_identifiers_from(identifiers_from)
    notify = progress or (lambda _: None)
    file_name = name or (Path(source).name if isinstance(source, Path | str) else "<stream>")
    with (
        opened(source) as (handle, size),
        _reader(handle, isinstance(source, Path | str)) as reader,
    ):
        header = reader.header()
        run = _Run()
        with db.transaction() as conn, _Loader(conn, identifiers_from) as loader:
            _read(reader.batches(header), loader, run, size, notify)
            for result in loader.finish():
                _merge(run, result)
            notify(Progress(stage="loading", done=1, total=_STEPS))
            _resolve_parents(conn, run)
            notify(Progress(stage="loading", done=2, total=_STEPS))
            inserted = sorted(run.inserted.values())
            rejections = tuple(run.rejections[line] for line in sorted(run.rejections))
            counts = {
                "received": run.received,
                "accepted": len(inserted),
                "unchanged": run.unchanged,
                "rejected": len(rejections),
            }
            audit_id = record(
                conn,
                actor=actor,
                action="customers.imported",
                entity_type="customer",
                entity_id=None,
                data={
                    "file": file_name,
                    **counts,
                    "rejected_lines": [r.line for r in rejections],
                    "inserted_ids": inserted,
                },
            )
    notify(Progress(stage="loading", done=_STEPS, total=_STEPS))
    return ImportReport(file=file_name, rejections=rejections, audit_id=audit_id, **counts)


def _read(
    batches: Iterator[Batch],
    loader: _Loader,
    run: _Run,
    size: int,
    notify: Callable[[Progress], None],
) -> None:
    """Take the checked rows in; hand the good ones to the loader a batch at a time."""
    good = run.good
    for batch in batches:
        run.received += batch.received
        for rejection in batch.rejections:
            run.rejections[rejection.line] = rejection
        good.update(
            zip(batch.external_ids,
                zip(batch.lines, batch.kinds, batch.currencies, batch.parents, strict=True),
                strict=True)
        )  # fmt: skip
        if batch.lines:
            loader.submit(batch)
        notify(Progress(stage="reading", done=batch.position, total=size))
    notify(Progress(stage="reading", done=size, total=size))


class _InlineReader:
    """Reads and checks the file in this process, as the batches are asked for."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.text = io.TextIOWrapper(
            handle, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        self.rows = records(self.text)

    def header(self) -> tuple[str, ...]:
        first = next(self.rows, None)
        return read_header(None if first is None else first[1])

    def batches(self, header: tuple[str, ...]) -> Iterator[Batch]:
        return checked_batches(self.rows, RowChecker(header), CHUNK_ROWS, self.handle.tell)


class _ProcessReader:
    """Reads and checks the file in a child process (:mod:`tarifa.customers.validator`)."""

    def __init__(self, process: ValidationProcess) -> None:
        self.process = process

    def header(self) -> tuple[str, ...]:
        return self.process.header()

    def batches(self, header: tuple[str, ...]) -> Iterator[Batch]:
        return self.process.batches()


@contextmanager
def _reader(handle: IO[bytes], own_file: bool) -> Iterator[_InlineReader | _ProcessReader]:
    """In bulk mode the reading and checking runs in a child process; otherwise in this one."""
    if _bulk.depth:
        with ValidationProcess(handle, batch_rows=CHUNK_ROWS, shares_descriptor=own_file) as p:
            yield _ProcessReader(p)
        return
    reader = _InlineReader(handle)
    try:
        yield reader
    finally:
        reader.text.detach()  # a caller's binary file stays open for its owner


def _merge(run: _Run, result: _ChunkResult) -> None:
    """Fold what the database found about a chunk into the run."""
    run.unchanged += len(result.existing)
    for external_id in result.existing:
        del run.good[external_id]
    for line, (external_id, problems) in result.conflicts.items():
        run.reject(line, external_id, tuple(problems))
        del run.good[external_id]
    run.inserted.update(result.inserted)


def _resolve_parents(conn: Connection, run: _Run) -> None:
    """Check every new row's parent over the whole file; undo the rows that fail; link the
    rest to their parents."""
    children = {ext: row for ext, row in run.good.items() if row[3] is not None}
    if not children:
        return
    named = {row[3] for row in children.values() if row[3] is not None}
    new = {
        ext: parents.Node(external_id=ext, kind=row[1], currency=row[2], parent=row[3], line=row[0])
        for ext in set(children) | (named & run.good.keys())
        if (row := run.good[ext])
    }
    stored_names = sorted(named - run.good.keys())
    stored = {
        row["external_id"]: parents.Node(**row)
        for row in _fetch(conn, "import_stored_parents", {"external_ids": stored_names})
    }  # fmt: skip
    rejected = {r.external_id: r.line for r in run.rejections.values() if r.external_id}
    problems = parents.resolve(new, stored, rejected)
    if problems:
        undone = [run.inserted.pop(external_id) for external_id in problems]
        conn.execute(_SQL["import_undo"], {"ids": undone})
        for external_id, problem in problems.items():
            run.reject(run.good.pop(external_id)[0], external_id, (problem,))
    linked = [(run.inserted[ext], row[3]) for ext, row in children.items() if ext in run.good]
    if linked:
        ids, names = zip(*linked, strict=True)
        conn.execute(_SQL["import_set_parents"], {"ids": list(ids), "parents": list(names)})


def _fetch(conn: Connection, query: str, params: Any = None) -> list[dict[str, Any]]:
    return conn.execute(_SQL[query], params).fetchall()


@dataclass(frozen=True, slots=True, kw_only=True)
class _ChunkResult:
    inserted: dict[str, int]  # external id -> new customer id
    existing: tuple[str, ...]  # external ids stored already: rows left unchanged
    # line -> (external id, problems) of rows whose identifier another account holds
    conflicts: dict[int, tuple[str, list[FieldError]]]


class _Loader:
    """Loads chunks on one worker thread, in order, while the caller reads the next chunk.

    At most two chunks wait, so memory stays bounded whatever the file's size. The worker
    uses the caller's connection and transaction; the caller touches neither until
    :meth:`finish` returns.
    """

    def __init__(self, conn: Connection, identifiers_from: datetime | None = None) -> None:
        self.conn = conn
        self.identifiers_from = identifiers_from
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tarifa-import")
        self.pending: deque[Future[_ChunkResult]] = deque()
        self.results: list[_ChunkResult] = []
        self.validity = ""
        self.expect_existing = False

    def __enter__(self) -> _Loader:
        self.conn.execute(_SQL["import_lock"])
        (row,) = _fetch(self.conn, "import_started_at")
        self.started_at = self.identifiers_from or row["started_at"]
        self.validity = f"[{self.started_at.isoformat()},)"
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True)  # never leave the worker using the connection

    def submit(self, batch: Batch) -> None:
        while len(self.pending) >= 2:
            self.results.append(self.pending.popleft().result())
        self.pending.append(self.pool.submit(self._load, batch))

    def finish(self) -> list[_ChunkResult]:
        while self.pending:
            self.results.append(self.pending.popleft().result())
        return self.results

    def _load(self, batch: Batch) -> _ChunkResult:
        # Which rows are stored already is asked up front only once the file has shown some:
        # a first import learns it from the unique key instead, without the look-ups.
        external_ids = batch.external_ids
        (prepared,) = _fetch(
            self.conn,
            "import_prepare_chunk",
            {
                "external_ids": external_ids if self.expect_existing else [],
                "count": len(external_ids),
            },
        )
        existing = set(prepared["existing"])
        ids: list[int] = prepared["ids"]
        conflicts: dict[int, tuple[str, list[FieldError]]] = {}
        # The rows to insert, by their index in the batch; they take the ids in order.
        rows = range(len(external_ids))
        new = [i for i in rows if external_ids[i] not in existing] if existing else rows
        while True:
            try:
                self._copy(batch, new, ids)
                break
            except pg.ExclusionViolation:
                found = self._conflicts(batch, new)
                if not found:  # not a holder this import can name: let it fail as it is
                    raise
                conflicts.update(found)
            except pg.UniqueViolation:
                stored = [row["external_id"] for row in _fetch(
                    self.conn, "import_existing", {"external_ids": [external_ids[i] for i in new]}
                )]  # fmt: skip
                if not stored:
                    raise
                existing.update(stored)
                self.expect_existing = True
            new = [i for i in new if batch.lines[i] not in conflicts
                   and external_ids[i] not in existing]  # fmt: skip
        return _ChunkResult(
            inserted={external_ids[i]: id_ for i, id_ in zip(new, ids, strict=False)},
            existing=tuple(existing),
            conflicts=conflicts,
        )

    def _copy(self, batch: Batch, new: Sequence[int], ids: list[int]) -> None:
        """Both COPYs in a savepoint: a refused chunk leaves nothing behind."""
        validity = self.validity
        texts = batch.texts
        if len(new) == len(texts):  # every row of the batch (the usual case)
            customers = "".join([f"{id_}\t{text}" for id_, text in zip(ids, texts, strict=False)])
            id_of: Sequence[int | None] = ids
        else:
            customers = "".join([f"{id_}\t{texts[i]}" for i, id_ in zip(new, ids, strict=False)])
            id_of = [None] * len(texts)
            for i, id_ in zip(new, ids, strict=False):
                id_of[i] = id_
        identifiers = "".join([
            f"{account}\t{kind}\t{value}\t{validity}\n"
            for row, kind, value in zip(batch.identifier_rows, batch.identifier_kinds,
                                        batch.identifier_values, strict=True)
            if (account := id_of[row]) is not None
        ])  # fmt: skip
        with self.conn.transaction():
            with self.conn.cursor().copy(_SQL["import_copy_customers"]) as copy:
                copy.write(customers)
            if identifiers:
                with self.conn.cursor().copy(_SQL["import_copy_identifiers"]) as copy:
                    copy.write(identifiers)

    def _conflicts(
        self, batch: Batch, new: Sequence[int]
    ) -> dict[int, tuple[str, list[FieldError]]]:
        kept = set(new)
        wanted = [
            (batch.lines[row], kind, copy_unescape(value))
            for row, kind, value in zip(batch.identifier_rows, batch.identifier_kinds,
                                        batch.identifier_values, strict=True)
            if row in kept
        ]  # fmt: skip
        lines, kinds, values = (list(column) for column in zip(*wanted, strict=True))
        params = {"lines": lines, "kinds": kinds, "values": values, "at": self.started_at}
        external_ids = {batch.lines[i]: batch.external_ids[i] for i in new}
        found: dict[int, tuple[str, list[FieldError]]] = {}
        for row in _fetch(self.conn, "import_conflicts", params):
            holder = f"account {row['holder_id']} ({row['holder']})"
            problem = FieldError(
                _COLUMN_OF_KIND[row["kind"]], f"{row['value']} is held by {holder}"
            )
            found.setdefault(row["line"], (external_ids[row["line"]], []))[1].append(problem)
        return found


class _BulkState:
    depth = 0  # how many bulk_mode() blocks are open


_bulk = _BulkState()


@contextmanager
def bulk_mode() -> Iterator[None]:
    """Tune the whole Python process for a bulk import, and restore it afterwards.

    Opt-in, for a process that does nothing else while it imports (the `tarifa customers
    import` command, the benchmark): it changes process-wide settings, so a server that
    embeds tarifa and serves requests on other threads should not use it.

    An import allocates millions of small objects and keeps few: reference counting frees
    them, while the cyclic garbage collector would walk every long-lived object (the phone
    number and country tables among them) again and again, costing a fifth of the run. And
    the loader thread, woken by PostgreSQL, should get the interpreter within half a
    millisecond rather than the default five, or the database waits on Python.

    Within it, imports read and check their file in a child process
    (:mod:`tarifa.customers.validator`, about 0.2 s to start), so that this process only
    feeds the database and the two run on two cores without sharing the interpreter lock.
    """
    collecting, interval = gc.isenabled(), sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(0.0005)
    _bulk.depth += 1
    try:
        yield
    finally:
        _bulk.depth -= 1
        sys.setswitchinterval(interval)
        if collecting:
            gc.enable()


def _check_identifiers_from(at: datetime | None) -> None:
    if at is None:
        return
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ValidationError.single("identifiers_from", "an instant with a UTC offset")
    if at > datetime.now(UTC):
        raise ValidationError.single(
            "identifiers_from", "must not be in the future (identifiers start at the import)"
        )
