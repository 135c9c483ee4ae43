"""Dunning notices: rendered from the packaged templates in the customer's language, with the
invoice, the amount due, the due date, the days overdue, the RF reference and the seller's
IBAN; a template directory overrides them file by file; a wrong placeholder is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tarifa.errors import ValidationError
from tarifa.payments.notices import NoticeFacts, notice_message, render


def _facts(notice: str = "reminder_1", locale: str = "en-GB") -> NoticeFacts:
    return NoticeFacts(
        notice=notice,
        locale=locale,
        customer_name="Dora Un",
        invoice_number="INV-2026-000001",
        amount_due=Decimal("11.89"),
        currency="EUR",
        due_date=dt.date(2026, 3, 31),
        days_overdue=3,
        reference="RF94INV2026000001",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        seller_name="ACME Telecom GmbH",
        seller_email="billing@acme.example",
        written_off=Decimal("11.89"),
    )


def test_a_first_reminder_names_the_invoice_the_amount_and_how_to_pay_it() -> None:
    subject, body = render(_facts())
    assert subject == "Payment reminder: invoice INV-2026-000001"
    for text in (
        "11.89 EUR",
        "2026-03-31",
        "3 days overdue",
        "RF94INV2026000001",
        "IBAN: DE89 3704 0044 0532 0130 00",
        "BIC: COBADEFFXXX",
        "Dear Dora Un",
    ):
        assert text in body  # fmt: skip
    assert "$" not in subject + body


@pytest.mark.parametrize(
    ("notice", "subject"),
    [
        ("reminder_1", "Zahlungserinnerung: Rechnung INV-2026-000001"),
        ("reminder_2", "Zweite Mahnung: Rechnung INV-2026-000001"),
        ("suspension", "Sperrung Ihrer Dienste: Rechnung INV-2026-000001"),
        ("write_off", "Rechnung INV-2026-000001: offener Betrag ausgebucht"),
    ],
)
def test_each_notice_has_a_german_template_for_german_customers(notice: str, subject: str) -> None:
    rendered_subject, body = render(_facts(notice, "de-DE"))
    assert rendered_subject == subject
    assert "RF94INV2026000001" in body
    assert "$" not in body


def test_a_language_without_templates_gets_the_english_ones() -> None:
    assert render(_facts("suspension", "fr-FR"))[0].startswith("Your services are suspended")


def test_a_template_directory_overrides_the_packaged_template_file_by_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "reminder_1.txt").write_text(
        "Subject: Erinnerung $invoice_number\n\nBitte zahlen Sie $amount_due $currency.\n",
        encoding="utf-8",
    )
    (tmp_path / "suspension.txt").write_text("Subject: Stop\n\nStopped $days_overdue.\n")
    assert render(_facts("reminder_1", "de-DE"), tmp_path) == (
        "Erinnerung INV-2026-000001",
        "Bitte zahlen Sie 11.89 EUR.\n",
    )
    assert render(_facts("suspension", "de-DE"), tmp_path) == ("Stop", "Stopped 3.\n")
    assert render(_facts("reminder_2", "de-DE"), tmp_path)[0].startswith("Zweite Mahnung")


def test_a_template_with_an_unknown_placeholder_or_no_subject_is_refused(tmp_path: Path) -> None:
    (tmp_path / "reminder_1.txt").write_text("Subject: Hi\n\nPay $amount_owed now.\n")
    with pytest.raises(ValidationError, match=r"unknown placeholder \$amount_owed") as err:
        render(_facts(), tmp_path)
    assert err.value.errors[0].field == f"template {tmp_path / 'reminder_1.txt'}"
    (tmp_path / "reminder_2.txt").write_text("Pay now.\n")
    with pytest.raises(ValidationError, match=r"must start with 'Subject: \.\.\.'"):
        render(_facts("reminder_2"), tmp_path)


def test_the_message_goes_to_the_customer_with_the_events_message_id() -> None:
    message = notice_message(
        _facts(),
        sender="billing@acme.example",
        recipients=("dora@example.org", "accounts@example.org"),
        message_id="<dunning-7@acme.example>",
    )
    assert message["To"] == "dora@example.org, accounts@example.org"
    assert message["From"] == "billing@acme.example"
    assert message["Message-ID"] == "<dunning-7@acme.example>"
    assert "11.89 EUR" in message.get_content()
