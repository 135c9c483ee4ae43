"""The audit chain checked in pure Python, on rows built by hand."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from tarifa.audit.chain import GENESIS, ChainRow, Head, Problem, link_hash, personal_digest, verify


def _chain(*contents: str) -> list[ChainRow]:
    rows, prev = [], GENESIS
    for n, content in enumerate(contents, start=1):
        row = ChainRow(id=n, prev_hash=prev, hash=link_hash(prev, content), canonical=content)
        rows.append(row)
        prev = row.hash
    return rows


def test_a_link_is_sha256_of_the_previous_hash_a_newline_and_the_content() -> None:
    expected = hashlib.sha256(("0" * 64 + "\n" + '[1, "x"]').encode()).hexdigest()
    assert link_hash(GENESIS, '[1, "x"]') == expected


def test_an_intact_chain_verifies_and_reports_its_head() -> None:
    rows = _chain("a", "b", "c")
    result = verify(rows)
    assert result.ok
    assert result.rows == 3
    assert result.head == Head(id=3, hash=rows[-1].hash)


def test_an_empty_log_is_intact_and_has_no_head() -> None:
    result = verify([])
    assert result.ok
    assert result.head is None


def test_changed_content_is_reported_at_that_row() -> None:
    rows = _chain("a", "b", "c")
    rows[1] = replace(rows[1], canonical="B")
    result = verify(rows)
    assert (result.problem, result.row_id) == (Problem.CHANGED, 2)


def test_a_removed_row_is_reported_at_the_row_after_the_gap() -> None:
    rows = _chain("a", "b", "c")
    del rows[1]
    result = verify(rows)
    assert (result.problem, result.row_id) == (Problem.MISSING_BEFORE, 3)


def test_personal_data_that_no_longer_matches_its_digest_is_reported() -> None:
    digest = personal_digest("salt", '{"email": "a@example.com"}')
    row = ChainRow(
        id=1, prev_hash=GENESIS, hash=link_hash(GENESIS, "a"), canonical="a",
        personal_salt="salt", personal_text='{"email": "b@example.com"}', personal_digest=digest,
    )  # fmt: skip
    assert verify([row]).problem is Problem.PERSONAL_CHANGED


def test_erased_personal_data_leaves_the_chain_intact() -> None:
    row = ChainRow(
        id=1, prev_hash=GENESIS, hash=link_hash(GENESIS, "a"), canonical="a",
        personal_salt=None, personal_text=None, personal_digest="f" * 64,
    )  # fmt: skip
    assert verify([row]).ok


def test_a_cut_tail_is_caught_only_with_the_exported_head() -> None:
    rows = _chain("a", "b", "c")
    head = Head(id=3, hash=rows[2].hash)
    assert verify(rows[:2]).ok
    result = verify(rows[:2], expected_head=head)
    assert (result.problem, result.row_id) == (Problem.HEAD_MISSING, 3)


def test_a_head_whose_row_was_rewritten_is_reported_as_changed() -> None:
    rows = _chain("a", "b", "c")
    rewritten = _chain("a", "b", "C")  # the attacker recomputed every hash after row 2
    result = verify(rewritten, expected_head=Head(id=3, hash=rows[2].hash))
    assert (result.problem, result.row_id) == (Problem.CHANGED, 3)
