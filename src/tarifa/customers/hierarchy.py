"""Parent accounts: a corporate account that pays the invoices of its children.

The rules (the database enforces them too, in sql/functions/customers.sql):

- a parent is a **business** account: a company pays for its subsidiaries' or employees'
  lines; a person paying for other accounts is modelled as a business account;
- a parent bills in the **same currency** as each of its children, since it pays their
  invoices from one receivable account and the ledger never mixes currencies;
- a child is never attached to a **closed** parent, and a parent with open children is not
  closed (their invoices would lose their payer);
- there are **no cycles**: an account is never its own ancestor. Hierarchies may be deeper
  than one level (group, subsidiary, department).

Changes to the hierarchy take one advisory lock, so two concurrent re-parentings cannot each
miss the other's half of a cycle; the parent row is read FOR SHARE so it cannot be closed or
change currency before the child commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tarifa.customers.model import Customer, CustomerDraft, CustomerKind, CustomerStatus
from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.errors import FieldError

_SQL = queries.load("customers")


def check(
    conn: Connection,
    raw: Mapping[str, Any] | CustomerDraft,
    draft: CustomerDraft | None,
    current: Customer | None,
    problems: list[FieldError],
) -> int | None:
    """Resolve and check the parent of `draft` (or of the invalid `raw` record, as far as it
    can be read); append problems; return the parent's id."""
    field, key = _reference(raw, draft)
    if current is not None and draft is not None:
        _check_children(conn, current, draft, problems)
    if key is None:
        return None
    query = "share_customer" if field == "parent_id" else "share_customer_by_external_id"
    param = {"id": key} if field == "parent_id" else {"external_id": key}
    parent: dict[str, Any] | None = conn.execute(_SQL[query], param).fetchone()
    if parent is None:
        what = "id" if field == "parent_id" else "external id"
        problems.append(FieldError(field, f"no customer with {what} {key}"))
        return None
    parent_id = int(parent["id"])
    if draft is None:
        return parent_id
    if current is not None and parent_id == current.id:
        problems.append(FieldError(field, "an account cannot be its own parent"))
        return parent_id
    attaching = current is None or current.parent_id != parent_id
    if parent["kind"] != CustomerKind.BUSINESS.value:
        problems.append(
            FieldError(
                field,
                f"parent {parent['external_id']} is not a business "
                "account; only a business pays for other accounts",
            )
        )
    if parent["currency"] != draft.currency:
        problems.append(
            FieldError(
                field,
                f"parent {parent['external_id']} bills in "
                f"{parent['currency']}, this account in "
                f"{draft.currency}; they must share one currency",
            )
        )
    if attaching and parent["status"] == CustomerStatus.CLOSED.value:
        problems.append(FieldError(field, f"parent {parent['external_id']} is closed"))
    if attaching and current is not None:
        conn.execute(_SQL["lock_hierarchy"])
        ancestors = [row["id"] for row in conn.execute(_SQL["ancestors"], {"id": parent_id})]
        if current.id in ancestors:
            problems.append(
                FieldError(
                    field,
                    f"{parent['external_id']} is a descendant of this "
                    "account: the hierarchy would have a cycle",
                )
            )
    return parent_id


def _reference(
    raw: Mapping[str, Any] | CustomerDraft, draft: CustomerDraft | None
) -> tuple[str, Any]:
    if draft is not None:
        if draft.parent_external_id is not None:
            return "parent_external_id", draft.parent_external_id
        return "parent_id", draft.parent_id
    # An invalid record: look its parent up anyway if the reference itself reads well, so the
    # caller learns about a missing parent together with the other problems.
    fields: Mapping[str, Any] = {} if isinstance(raw, CustomerDraft) else raw
    external = fields.get("parent_external_id")
    if isinstance(external, str) and external.strip() and len(external.strip()) <= 100:
        return "parent_external_id", external.strip()
    parent_id = fields.get("parent_id")
    if isinstance(parent_id, int) and not isinstance(parent_id, bool) and parent_id > 0:
        return "parent_id", parent_id
    return "parent_id", None


def _check_children(
    conn: Connection, current: Customer, draft: CustomerDraft, problems: list[FieldError]
) -> None:
    if draft.kind is current.kind and draft.currency == current.currency:
        return
    children = conn.execute(_SQL["children"], {"id": current.id}).fetchall()
    if not children:
        return
    if draft.kind is not CustomerKind.BUSINESS:
        problems.append(
            FieldError(
                "kind",
                f"the account has {len(children)} child accounts; "
                "only a business account can be a parent",
            )
        )
    if any(child["currency"] != draft.currency for child in children):
        problems.append(
            FieldError(
                "currency",
                f"the account has {len(children)} child accounts "
                f"billed in {current.currency}; a parent and its "
                "children share one currency",
            )
        )
