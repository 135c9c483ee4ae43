"""Sending dunning notices (:mod:`tarifa.payments.notices`) through SMTP
(:mod:`tarifa.documents.mail`), each once.

A step that sends a notice records it with its event, `pending`, in the step's own committed
transaction. Sending comes after: for each pending notice, a transaction takes the event's
row (`SKIP LOCKED`: two runs never send the same one at once), hands the message to the SMTP
server, and marks it `sent` as it commits. A rerun sends the notices not marked sent.

This is **at-least-once**: a run that dies after the server accepted a message and before
its commit leaves the notice pending, and the next run sends it again, with the same
Message-ID (``<dunning-EVENT@domain>``) so that it is recognisably the same notice. A
reminder lost is worse than a reminder twice; the window is one SMTP answer wide.

A reminder whose invoice has nothing left to pay (less disputed amounts) by the time it is
sent is `cancelled`; a notice to a customer without an e-mail address is `no_address`;
without SMTP settings, or when the server fails, notices stay pending (the error is kept)
and wait for the next run.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.documents.mail import SmtpSettings, deliver, smtp_from_environment
from tarifa.payments.dunning_schedule import FIRST_REMINDER, SECOND_REMINDER, WRITE_OFF
from tarifa.payments.notices import NoticeFacts, notice_message

_SQL = queries.load("payments")


def send_notices(
    db: Database,
    *,
    on: dt.date,
    actor: str,
    smtp: SmtpSettings | None,
    templates: Path | None = None,
) -> Counter[str]:
    """Send the pending notices; counts per outcome (sent, waiting, cancelled, no_address)."""
    counts: Counter[str] = Counter()
    with db.transaction() as conn:
        pending = queries.rows(conn, _SQL["unsent_notices"])
    for notice in pending:
        if smtp is None:
            counts["waiting"] += 1
            continue
        with db.transaction() as conn:
            if conn.execute(_SQL["claim_notice"], {"id": notice["id"]}).fetchone() is None:
                continue  # sent or being sent by another run
            counts[_send(conn, notice, on=on, actor=actor, smtp=smtp, templates=templates)] += 1
    return counts


def _send(
    conn: Connection,
    notice: dict[str, Any],
    *,
    on: dt.date,
    actor: str,
    smtp: SmtpSettings,
    templates: Path | None,
) -> str:
    written_off = Decimal(notice["detail"].get("written_off", "0"))
    nothing_due = notice["notice"] in (FIRST_REMINDER, SECOND_REMINDER) and notice["due"] <= 0
    if nothing_due or (notice["notice"] == WRITE_OFF and written_off <= 0):
        return _mark(conn, notice, "cancelled", None)
    recipients = tuple(notice["emails"])
    if not recipients:
        return _mark(conn, notice, "no_address", None)
    sender = smtp.sender or notice["seller_email"]
    if not sender:
        return _failed(conn, notice, "TARIFA_SMTP_FROM is required: the seller has no e-mail")
    message_id = f"<dunning-{notice['id']}@{sender.rpartition('@')[2] or 'tarifa'}>"
    facts = NoticeFacts(
        notice=str(notice["notice"]),
        locale=str(notice["locale"]),
        customer_name=str(notice["legal_name"]),
        invoice_number=str(notice["number"]),
        amount_due=Decimal(notice["due"]),
        currency=str(notice["currency"]),
        due_date=notice["due_date"],
        days_overdue=(on - notice["due_date"]).days,
        reference=notice["creditor_reference"],
        iban=notice["iban"],
        bic=notice["bic"],
        seller_name=str(notice["seller_name"]),
        seller_email=notice["seller_email"],
        written_off=written_off,
    )
    message = notice_message(
        facts, sender=sender, recipients=recipients, message_id=message_id, directory=templates
    )
    try:
        deliver(message, smtp)
    except (OSError, smtplib.SMTPException) as err:
        return _failed(conn, notice, f"{type(err).__name__}: {err}")
    record(
        conn,
        actor=actor,
        action="dunning.notice_sent",
        entity_type="invoice",
        entity_id=int(notice["invoice_id"]),
        data={"event": notice["id"], "notice": notice["notice"], "number": notice["number"],
              "amount_due": facts.amount_due, "message_id": message_id},
        personal={"to": list(recipients)},
    )  # fmt: skip
    return _mark(conn, notice, "sent", message_id)


def _mark(conn: Connection, notice: dict[str, Any], mail: str, message_id: str | None) -> str:
    conn.execute(_SQL["mark_notice"], {"id": notice["id"], "mail": mail, "message_id": message_id})
    return mail


def _failed(conn: Connection, notice: dict[str, Any], error: str) -> str:
    conn.execute(_SQL["note_mail_error"], {"id": notice["id"], "error": error})
    return "waiting"


def smtp_if_configured(env: Mapping[str, str]) -> SmtpSettings | None:
    """SMTP settings when TARIFA_SMTP_HOST is set (a wrong port is still a ValidationError);
    None: dunning records its notices without sending them."""
    if not env.get("TARIFA_SMTP_HOST", "").strip():
        return None
    return smtp_from_environment(env)


__all__ = ["send_notices", "smtp_if_configured"]
