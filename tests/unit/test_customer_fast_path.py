"""The CSV import's fast path for good rows agrees with the general validation.

`RowChecker._fast` repeats the rules of `validate_customer` for plain CSV cells (for speed);
every row it accepts must be accepted by the general path with exactly the same result, and
it must leave every row it is unsure of to the general path. Rows are the example customers
with seeded mutations of every kind: spacing and case, empty optional cells, values just
inside and just outside each limit, bad codes.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from tarifa.customers.csvrows import GoodRow, RowChecker, copy_text, read_header
from tarifa.customers.model import validate_customer
from tarifa.errors import FieldError, ValidationError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "customers.csv"
MUTATIONS = (
    lambda v: v,
    lambda v: f"  {v} ",
    str.upper,
    str.lower,
    lambda v: "",
    lambda v: " ",
    lambda v: v + "x" * 190,
    lambda v: v[:-1],
    lambda v: "0",
    lambda v: "32",
    lambda v: "29",
    lambda v: "-1",
    lambda v: "365",
    lambda v: "366",
    lambda v: "XX",
    lambda v: "DE",
    lambda v: "EUR",
    lambda v: "Mars/Olympus",
    lambda v: "a@b.c, A@B.C",
    lambda v: "not an email",
    lambda v: "DE123456788",
    lambda v: "1,5",
    lambda v: "ß" + v,
)


def general(checker: RowChecker, fields: list[str]) -> tuple[str, tuple[object, ...]] | None:
    """The general path's verdict: (COPY text, identifiers) of a good row, None if refused."""
    errors: list[FieldError] = []
    try:
        values = checker.customer_values(fields)
        draft = validate_customer(dict(zip(checker.customer_names, values, strict=True)))
    except ValidationError:
        return None
    identifiers = checker._identifiers(fields, errors)
    return None if errors else (copy_text(draft), identifiers)


def test_every_row_the_fast_path_accepts_the_general_path_accepts_identically() -> None:
    with EXAMPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    checker = RowChecker(read_header(header))
    rng = random.Random(20261126)
    fast_accepted = general_accepted = 0
    for n in range(6000):
        fields = list(rng.choice(body))
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            column = rng.randrange(len(fields))
            fields[column] = rng.choice(MUTATIONS)(fields[column])
        checker.identifier_owners.clear()  # each row on its own: no in-file duplicates
        expected = general(checker, fields)
        checker.identifier_owners.clear()
        general_accepted += expected is not None
        got = checker._fast(n + 2, [*fields, ""])
        if got is None:
            continue  # unsure or bad: the general path decides
        fast_accepted += 1
        assert isinstance(got, GoodRow)
        assert expected is not None, (fields, got)
        assert (got.text, got.identifiers) == expected, fields
    # The comparison means something only if both paths accept many rows.
    assert fast_accepted > 1500
    assert general_accepted >= fast_accepted
