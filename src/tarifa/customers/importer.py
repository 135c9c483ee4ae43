"""Bulk import of customers from CSV: validate in Python, load with COPY, insert set-based.

Semantics (docs: the CSV columns are described in :mod:`tarifa.customers.csvrows`):

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

Rows stream into a temporary table with COPY while they are validated (the server parses
the COPY on the other core meanwhile); the database work after that is a handful of
set-based statements, whatever the number of rows.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tarifa.audit import record
from tarifa.customers import parents
from tarifa.customers.csvrows import (
    GoodRow,
    Rejection,
    RowChecker,
    read_header,
    records,
)
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import FieldError, ValidationError

_SQL = queries.load("customers")
_PROGRESS_EVERY = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """Where an import is: `stage` is "reading" (done/total in bytes of the file) or
    "loading" (done/total in steps of the database work)."""

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
    """The mutable bookkeeping of one import while it runs."""

    good: dict[int, GoodRow]
    rejections: dict[int, Rejection]
    received: int = 0
    unchanged: int = 0


def import_customers(
    db: Database,
    source: Path | str | IO[bytes],
    *,
    actor: str,
    name: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ImportReport:
    """Import the CSV file `source` (a path, or a binary file object named `name`).

    ValidationError when the file cannot be read at all (missing, or no usable header);
    problems of single rows are in the report instead.
    """
    notify = progress or (lambda _: None)
    file_name = name or (Path(source).name if isinstance(source, Path | str) else "<stream>")
    with _opened(source) as (handle, size):
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="surrogateescape", newline="")
        try:
            rows = records(text)
            header = read_header(_first(rows))
            run = _Run(good={}, rejections={})
            with db.transaction() as conn:
                conn.execute(_SQL["import_create_staging"])
                _stream(conn, rows, RowChecker(header), run, handle.tell, size, notify)
                inserted = _load(conn, run, notify)
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
                    data={"file": file_name, **counts,
                          "rejected_lines": [r.line for r in rejections],
                          "inserted_ids": inserted},
                )  # fmt: skip
        finally:
            text.detach()  # the binary file stays open for its owner (closed below if ours)
    notify(Progress(stage="loading", done=_STEPS, total=_STEPS))
    return ImportReport(file=file_name, rejections=rejections, audit_id=audit_id, **counts)


def _stream(
    conn: Connection,
    rows: Iterator[tuple[int, list[str] | Exception]],
    checker: RowChecker,
    run: _Run,
    position: Callable[[], int],
    size: int,
    notify: Callable[[Progress], None],
) -> None:
    """Check every row and COPY the good ones into the staging table as they come."""
    with conn.cursor().copy(_SQL["import_copy"]) as copy:
        for line, fields in rows:
            run.received += 1
            if isinstance(fields, Exception):
                run.rejections[line] = Rejection(
                    line=line, external_id=None, errors=(FieldError("line", f"not CSV: {fields}"),)
                )
                continue
            checked = checker.check(line, fields)
            if isinstance(checked, Rejection):
                run.rejections[line] = checked
                continue
            run.good[line] = checked
            copy.write_row(_staging_row(checked))
            if run.received % _PROGRESS_EVERY == 0:
                notify(Progress(stage="reading", done=position(), total=size))
    notify(Progress(stage="reading", done=size, total=size))


_STEPS = 5


def _load(conn: Connection, run: _Run, notify: Callable[[Progress], None]) -> list[int]:
    """The set-based part: decide unchanged and rejected rows, then insert the rest."""
    conn.execute(_SQL["import_lock"])
    conn.execute(_SQL["import_analyze"])
    notify(Progress(stage="loading", done=1, total=_STEPS))
    existing: set[int] = {row["line"] for row in _rows(conn, "import_existing")}
    conflicts: dict[int, list[FieldError]] = {}
    for row in _rows(conn, "import_identifier_conflicts"):
        holder = f"account {row['holder_id']} ({row['holder']})"
        problem = FieldError(_COLUMN_OF_KIND[row["kind"]], f"{row['value']} is held by {holder}")
        conflicts.setdefault(row["line"], []).append(problem)
    stored = {
        row["external_id"]: parents.Node(**row) for row in _rows(conn, "import_stored_parents")
    }
    notify(Progress(stage="loading", done=2, total=_STEPS))
    _decide(run, existing, conflicts, stored)
    # Lines rejected before the COPY are not staged; deleting them too is harmless.
    dropped = sorted(existing | set(run.rejections))
    if dropped:
        conn.execute(_SQL["import_drop_lines"], {"lines": dropped})
    conn.execute(_SQL["import_insert_customers"])
    run.unchanged += len(_rows(conn, "import_skipped_lines"))
    notify(Progress(stage="loading", done=3, total=_STEPS))
    conn.execute(_SQL["import_insert_identifiers"])
    conn.execute(_SQL["import_set_parents"])
    notify(Progress(stage="loading", done=4, total=_STEPS))
    (ids,) = _rows(conn, "import_inserted_ids")
    return list(ids["ids"])


def _rows(conn: Connection, query: str) -> list[dict[str, Any]]:
    return conn.execute(_SQL[query]).fetchall()


_COLUMN_OF_KIND = {"e164": "phone_numbers", "sip": "sip_users", "account_code": "account_codes"}


def _decide(
    run: _Run,
    existing: set[Any],
    conflicts: dict[int, list[FieldError]],
    stored: dict[str, parents.Node],
) -> None:
    """Move rows from `good` to unchanged or rejected, parents resolved over the whole file."""
    run.unchanged += len(existing)
    for line, problems in conflicts.items():
        row = run.good[line]
        run.rejections[line] = Rejection(
            line=line, external_id=row.draft.external_id, errors=tuple(problems)
        )
    new = {
        row.draft.external_id: parents.Node(
            external_id=row.draft.external_id,
            kind=row.draft.kind.value,
            currency=row.draft.currency,
            parent=row.draft.parent_external_id,
            line=line,
        )
        for line, row in run.good.items()
        if line not in existing and line not in conflicts
    }
    rejected_ids = {r.external_id: r.line for r in run.rejections.values() if r.external_id}
    for external_id, problem in parents.resolve(new, stored, rejected_ids).items():
        line = new[external_id].line or 0
        run.rejections[line] = Rejection(line=line, external_id=external_id, errors=(problem,))


def _staging_row(row: GoodRow) -> tuple[object, ...]:
    draft, address = row.draft, row.draft.address
    return (
        row.line,
        draft.external_id,
        draft.kind.value,
        draft.legal_name,
        list(draft.emails),
        address.line1,
        address.line2,
        address.postal_code,
        address.city,
        address.region,
        address.country,
        draft.currency,
        draft.time_zone,
        draft.billing_cycle_day,
        draft.locale,
        draft.payment_terms_days,
        draft.tax_id,
        draft.tax_exempt_reason,
        draft.parent_external_id,
        [kind.value for kind, _ in row.identifiers],
        [value for _, value in row.identifiers],
    )


def _first(rows: Iterator[tuple[int, list[str] | Exception]]) -> Any:
    first = next(rows, None)
    return None if first is None else first[1]


@contextmanager
def _opened(source: Path | str | IO[bytes]) -> Iterator[tuple[IO[bytes], int]]:
    """A path opened for reading (or a caller's binary file, left open), with its size."""
    if not isinstance(source, Path | str):
        try:
            size = source.seek(0, io.SEEK_END) - source.seek(0, io.SEEK_SET)
        except (OSError, ValueError):
            size = 0
        yield source, size
        return
    path = Path(source)
    try:
        handle = path.open("rb")
    except OSError as err:
        raise ValidationError.single("file", f"cannot read {path}: {err.strerror}") from None
    with handle:
        yield handle, path.stat().st_size
