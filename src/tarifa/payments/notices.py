"""Dunning notices: the e-mails a dunning step sends (first reminder, second reminder,
suspension notice, write-off notice), rendered from text templates.

A template is a file ``<notice>.txt`` (``reminder_1``, ``reminder_2``, ``suspension``,
``write_off``): its first line ``Subject: ...``, an empty line, then the body; ``$name``
placeholders (:class:`string.Template`) take the values of :class:`NoticeFacts`
(:data:`PLACEHOLDERS`). The package ships English and German ones
(``tarifa/payments/templates/<language>/``); a directory given by the caller
(TARIFA_DUNNING_TEMPLATES) overrides them file by file: ``<dir>/<language>/<notice>.txt``,
then ``<dir>/<notice>.txt``, then the package's in the customer's language, then in English.
A template naming an unknown placeholder is refused (ValidationError naming the file).

Builds the message only; :func:`tarifa.documents.mail.deliver` sends it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formatdate
from importlib.resources import files
from pathlib import Path
from string import Template

from tarifa.errors import ValidationError
from tarifa.payments.dunning_schedule import NOTICES

PLACEHOLDERS = (
    "customer_name",
    "invoice_number",
    "amount_due",
    "currency",
    "due_date",
    "days_overdue",
    "reference",
    "iban",
    "bic",
    "seller_name",
    "seller_email",
    "written_off",
)
_PACKAGED = ("en", "de")


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeFacts:
    """What a notice says: the invoice, what is still due on it (less disputed amounts), how
    to pay it by transfer, and for a write-off notice what was written off."""

    notice: str
    locale: str
    customer_name: str
    invoice_number: str
    amount_due: Decimal
    currency: str
    due_date: dt.date
    days_overdue: int
    reference: str | None
    iban: str | None
    bic: str | None
    seller_name: str
    seller_email: str | None
    written_off: Decimal = Decimal(0)

    def values(self) -> dict[str, str]:
        return {
            "customer_name": self.customer_name,
            "invoice_number": self.invoice_number,
            "amount_due": str(self.amount_due),
            "currency": self.currency,
            "due_date": self.due_date.isoformat(),
            "days_overdue": str(self.days_overdue),
            "reference": self.reference or self.invoice_number,
            "iban": grouped(self.iban or ""),
            "bic": self.bic or "",
            "seller_name": self.seller_name,
            "seller_email": self.seller_email or "",
            "written_off": str(self.written_off),
        }


def grouped(iban: str) -> str:
    """An IBAN as printed for people: groups of four."""
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def template_text(notice: str, locale: str, directory: Path | None = None) -> tuple[str, str]:
    """The template for `notice` in the customer's language, and where it was found."""
    if notice not in NOTICES:
        raise ValidationError.single("notice", f"must be one of {', '.join(NOTICES)}")
    language = locale.split("-")[0].lower()
    if directory is not None:
        for path in (directory / language / f"{notice}.txt", directory / f"{notice}.txt"):
            if path.is_file():
                return path.read_text(encoding="utf-8"), str(path)
    chosen = language if language in _PACKAGED else "en"
    source = files("tarifa.payments") / "templates" / chosen / f"{notice}.txt"
    return source.read_text(encoding="utf-8"), f"tarifa/payments/templates/{chosen}/{notice}.txt"


def render(facts: NoticeFacts, directory: Path | None = None) -> tuple[str, str]:
    """The subject and body of a notice."""
    text, where = template_text(facts.notice, facts.locale, directory)
    head, _, body = text.partition("\n")
    if not head.startswith("Subject:") or not body.startswith("\n"):
        raise ValidationError.single(
            f"template {where}", "must start with 'Subject: ...' and an empty line"
        )
    try:
        subject = Template(head.removeprefix("Subject:").strip()).substitute(facts.values())
        rendered = Template(body.lstrip("\n")).substitute(facts.values())
    except KeyError as err:
        raise ValidationError.single(
            f"template {where}",
            f"unknown placeholder ${err.args[0]}; known: {', '.join(PLACEHOLDERS)}",
        ) from None
    except ValueError as err:
        raise ValidationError.single(f"template {where}", str(err)) from None
    return subject, rendered


def notice_message(
    facts: NoticeFacts,
    *,
    sender: str,
    recipients: tuple[str, ...],
    message_id: str,
    directory: Path | None = None,
) -> EmailMessage:
    """The e-mail of a notice. Its Message-ID is the dunning event's own, so a notice sent
    twice (a crash between the SMTP server's answer and the mark) is recognisably one."""
    subject, body = render(facts, directory)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(body)
    return message


__all__ = ["PLACEHOLDERS", "NoticeFacts", "grouped", "notice_message", "render", "template_text"]
