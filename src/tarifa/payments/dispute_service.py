"""`tarifa.connect().disputes`: chargebacks and line disputes, their evidence notes and
their resolution (:mod:`tarifa.payments.disputes`, :mod:`tarifa.payments.line_disputes`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tarifa.customers.service import Customers
from tarifa.db.connection import Database
from tarifa.payments.disputes import Dispute, add_evidence, find, listed
from tarifa.payments.line_disputes import open_line_dispute, resolve_line_dispute


class Disputes:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def list(self, *, status: str | None = None, account: int | str | None = None) -> list[Dispute]:
        """Disputes (of one account, in one status): open ones by nearest deadline first."""
        account_id = None
        if account is not None:
            account_id = Customers(self.db, actor=self.actor).account(account).id
        return listed(self.db, status=status, account_id=account_id)

    def get(self, dispute: int | str) -> Dispute:
        """A dispute with its evidence notes, by id or gateway reference."""
        return find(self.db, dispute)

    def add_evidence(self, dispute: int | str, note: str) -> Dispute:
        """Append an evidence note to an open dispute (audit-logged)."""
        return add_evidence(self.db, dispute, note, actor=self.actor)

    def open_line(self, invoice: int | str, *, line: int, amount: Decimal, reason: str) -> Dispute:
        """A customer disputes `amount` (gross) of one line of a finalized invoice."""
        return open_line_dispute(
            self.db, invoice, line=line, amount=amount, reason=reason, actor=self.actor
        )

    def resolve(
        self, dispute: int | str, *, accept: bool, issue_date: dt.date | None = None
    ) -> Dispute:
        """Accept a line dispute (a credit note for its amount) or reject it (owed)."""
        return resolve_line_dispute(
            self.db, dispute, accept=accept, actor=self.actor, issue_date=issue_date
        )


__all__ = ["Disputes"]
