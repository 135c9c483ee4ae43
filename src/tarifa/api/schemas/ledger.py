"""The ledger's reports and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from tarifa.api.schemas.common import Amount, Public


class TrialBalanceRowPublic(Public):
    kind: str = Field(examples=["receivable"])
    subject: str
    currency: str
    debit: Amount
    credit: Amount
    balance: Amount


class AgingRowPublic(Public):
    account_id: int
    external_id: str
    currency: str
    current: Amount
    days_1_30: Amount
    days_31_60: Amount
    days_61_90: Amount
    days_over_90: Amount
    total: Amount


class AuditEntryPublic(Public):
    id: int
    recorded_at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    data: Any = None


class AuditVerificationPublic(Public):
    ok: bool
    rows: int
    head_id: int | None
    head_hash: str | None
    problem: str | None
    row_id: int | None
