"""The audit hash chain, checked in pure Python.

Each audit row stores the hash of the row before it and its own hash,
``sha256(prev_hash + "\\n" + canonical content)``. The canonical content is the row's jsonb
array text, produced by the database function ``audit_canonical`` for both the writer and
the verifier. Walking the rows in order and recomputing every link finds the first row that
was changed (its hash no longer matches), removed (the next row's ``prev_hash`` points at
nothing), or whose personal data no longer matches its digest. A tail cut off the end leaves a
valid chain, which is why the head (last id and hash) is exported and checked later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

GENESIS = "0" * 64


def link_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def personal_digest(salt: str, data_text: str) -> str:
    return hashlib.sha256(f"{salt}\n{data_text}".encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainRow:
    id: int
    prev_hash: str
    hash: str
    canonical: str
    personal_salt: str | None = None
    personal_text: str | None = None
    personal_digest: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Head:
    id: int
    hash: str


class Problem(StrEnum):
    CHANGED = "changed"  # the row's content no longer gives its stored hash
    MISSING_BEFORE = "missing_before"  # the row's prev_hash names no row: rows were deleted
    PERSONAL_CHANGED = "personal_changed"  # personal data no longer matches its digest
    HEAD_MISSING = "head_missing"  # the exported head is gone: the tail was cut or rewritten


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    rows: int
    head: Head | None
    problem: Problem | None = None
    row_id: int | None = None  # the first row where the problem shows

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(rows: Iterable[ChainRow], *, expected_head: Head | None = None) -> Verification:
    """Walk the chain in id order and report the first break, if any."""
    prev = GENESIS
    count = 0
    last: ChainRow | None = None
    head_seen = expected_head is None
    for row in rows:
        count += 1
        if row.prev_hash != prev:
            return _broken(Problem.MISSING_BEFORE, row, count, last)
        if link_hash(row.prev_hash, row.canonical) != row.hash:
            return _broken(Problem.CHANGED, row, count, last)
        if row.personal_salt is not None and (
            personal_digest(row.personal_salt, row.personal_text or "") != row.personal_digest
        ):
            return _broken(Problem.PERSONAL_CHANGED, row, count, last)
        if expected_head is not None and row.id == expected_head.id:
            head_seen = row.hash == expected_head.hash
            if not head_seen:
                return _broken(Problem.CHANGED, row, count, last)
        prev = row.hash
        last = row
    head = Head(id=last.id, hash=last.hash) if last else None
    if not head_seen:
        return Verification(
            rows=count,
            head=head,
            problem=Problem.HEAD_MISSING,
            row_id=expected_head.id if expected_head else None,
        )
    return Verification(rows=count, head=head)


def _broken(problem: Problem, row: ChainRow, count: int, last: ChainRow | None) -> Verification:
    head = Head(id=last.id, hash=last.hash) if last else None
    return Verification(rows=count, head=head, problem=problem, row_id=row.id)
