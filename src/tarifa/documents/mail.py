"""E-mailing an invoice: the PDF and the Factur-X file to the customer (smtplib).

Settings come from the environment: ``TARIFA_SMTP_HOST`` (required to send),
``TARIFA_SMTP_PORT`` (default 25), ``TARIFA_SMTP_FROM`` (default: the seller's e-mail),
and optionally ``TARIFA_SMTP_USER`` / ``TARIFA_SMTP_PASSWORD`` (login) and
``TARIFA_SMTP_STARTTLS=1``. The message is built by a pure function; only :func:`deliver`
talks to the server.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tarifa.documents.model import InvoiceDocument
from tarifa.documents.wording import wording
from tarifa.errors import FieldError, ValidationError


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str | None = None
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str


def smtp_from_environment(env: Mapping[str, str] | None = None) -> SmtpSettings:
    """Settings from TARIFA_SMTP_*; ValidationError names what is missing or wrong."""
    source = os.environ if env is None else env
    problems = []
    host = source.get("TARIFA_SMTP_HOST", "").strip()
    if not host:
        problems.append(FieldError("TARIFA_SMTP_HOST", "is required to send e-mail"))
    port_text = source.get("TARIFA_SMTP_PORT", "25").strip()
    port = int(port_text) if port_text.isdigit() else 0
    if not 0 < port < 65536:
        problems.append(FieldError("TARIFA_SMTP_PORT", "must be a port number 1-65535"))
    if problems:
        raise ValidationError(problems)
    return SmtpSettings(
        host=host,
        port=port,
        sender=source.get("TARIFA_SMTP_FROM") or None,
        user=source.get("TARIFA_SMTP_USER") or None,
        password=source.get("TARIFA_SMTP_PASSWORD") or None,
        starttls=source.get("TARIFA_SMTP_STARTTLS", "") in ("1", "true", "yes"),
    )


def invoice_message(
    document: InvoiceDocument,
    *,
    sender: str,
    recipients: Sequence[str],
    attachments: Sequence[Attachment],
) -> EmailMessage:
    """The e-mail carrying a document, its text in the customer's language."""
    words = wording(document.locale)
    title = words.label("credit_note" if document.is_credit_note else "invoice")
    message = EmailMessage()
    message["Subject"] = f"{title} {document.number} · {document.seller.name}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    body = [
        f"{title} {document.number}",
        f"{words.label('total')}: {words.money(document.totals.total, document.currency)}",
    ]
    if document.payment is not None:
        body += [
            f"{words.label('due_date')}: {words.date(document.payment.due_date)}",
            f"IBAN: {document.payment.iban}",
            f"{words.label('reference')}: {document.payment.reference}",
        ]
    message.set_content("\n".join(body) + "\n")
    for item in attachments:
        message.add_attachment(
            item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename
        )
    return message


def deliver(message: EmailMessage, settings: SmtpSettings) -> None:
    """Hand the message to the SMTP server (one connection per message)."""
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)


__all__ = ["Attachment", "SmtpSettings", "deliver", "invoice_message", "smtp_from_environment"]
