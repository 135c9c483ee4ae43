"""Resolving the parents named in an import file, all rows at once (pure).

A row's parent is another new row of the same file or an account already in the database.
The rules are those of :mod:`tarifa.customers.hierarchy`: a business, in the same currency,
not closed, no cycles. A row whose parent is rejected is rejected too (its payer would be
missing), so rejections cascade down the hierarchy; the file's order does not matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tarifa.customers.model import CustomerKind, CustomerStatus
from tarifa.errors import FieldError

FIELD = "parent_external_id"


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """What parent resolution needs to know of an account (a new row or a stored one)."""

    external_id: str
    kind: str
    currency: str
    status: str = CustomerStatus.ACTIVE.value
    parent: str | None = None
    line: int | None = None  # the file line of a new row


def resolve(
    new: Mapping[str, Node],
    stored: Mapping[str, Node],
    rejected_lines: Mapping[str, int],
) -> dict[str, FieldError]:
    """Problems by external id of the new rows whose parent cannot be used.

    `new`: rows about to be inserted; `stored`: accounts already in the database that new
    rows name as parents; `rejected_lines`: external ids of rows the file rejected already.
    """
    accepted: dict[str, bool] = {}
    problems: dict[str, FieldError] = {}
    for start in new:
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = start
        while current is not None and current in new and current not in accepted:
            if current in on_path:
                cycle = path[path.index(current) :]
                for i, member in enumerate(cycle):
                    names = " → ".join([*cycle[i:], *cycle[: i + 1]])  # from the member round
                    accepted[member] = False
                    problems[member] = FieldError(FIELD, f"the parents form a cycle: {names}")
                break
            path.append(current)
            on_path.add(current)
            current = new[current].parent
        for external_id in reversed(path):
            if external_id in accepted:
                continue
            problem = _problem(new[external_id], new, stored, accepted, rejected_lines)
            accepted[external_id] = problem is None
            if problem is not None:
                problems[external_id] = problem
    return problems


def _problem(
    row: Node,
    new: Mapping[str, Node],
    stored: Mapping[str, Node],
    accepted: Mapping[str, bool],
    rejected_lines: Mapping[str, int],
) -> FieldError | None:
    name = row.parent
    if name is None:
        return None
    parent = new.get(name)
    if parent is not None:
        if not accepted[name]:
            return FieldError(FIELD, f"parent {name} (line {parent.line}) is rejected")
    else:
        parent = stored.get(name)
    if parent is None:
        if name in rejected_lines:
            return FieldError(FIELD, f"parent {name} (line {rejected_lines[name]}) is rejected")
        return FieldError(FIELD, f"no customer with external id {name} in the file or database")
    if parent.kind != CustomerKind.BUSINESS.value:
        return FieldError(FIELD, f"parent {name} is not a business account")
    if parent.currency != row.currency:
        return FieldError(
            FIELD, f"parent {name} bills in {parent.currency}, this account in {row.currency}"
        )
    if parent.status == CustomerStatus.CLOSED.value:
        return FieldError(FIELD, f"parent {name} is closed")
    return None
