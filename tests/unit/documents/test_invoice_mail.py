"""The e-mail of an invoice and its SMTP settings (TARIFA_SMTP_*), without a server."""

from __future__ import annotations

import pytest
from document_builders import customer, mobile_s, seller

from tarifa.documents.mail import Attachment, invoice_message, smtp_from_environment
from tarifa.documents.model import build_document
from tarifa.errors import ValidationError

PDF = Attachment(filename="a.pdf", content=b"%PDF", maintype="application", subtype="pdf")


def test_smtp_settings_come_from_the_environment_with_port_25_by_default() -> None:
    settings = smtp_from_environment(
        {"TARIFA_SMTP_HOST": "mail.example", "TARIFA_SMTP_FROM": "billing@acme.example"}
    )
    assert (settings.host, settings.port, settings.sender, settings.starttls) == (
        "mail.example",
        25,
        "billing@acme.example",
        False,
    )


def test_missing_host_and_a_bad_port_are_both_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        smtp_from_environment({"TARIFA_SMTP_PORT": "99999"})
    assert [e.field for e in caught.value.errors] == ["TARIFA_SMTP_HOST", "TARIFA_SMTP_PORT"]


def test_the_message_is_in_the_customers_language_with_its_attachments() -> None:
    document = build_document(mobile_s(), seller(), customer(locale="fr-FR"))
    message = invoice_message(
        document,
        sender="billing@acme.example",
        recipients=["max@example.org", "cfo@example.org"],
        attachments=[PDF],
    )
    assert message["Subject"] == "Facture INV-2026-000001 · ACME Telecom GmbH"
    assert message["To"] == "max@example.org, cfo@example.org"
    body = message.get_body(("plain",))
    assert body is not None
    assert "RF94INV2026000001" in body.get_content()
    assert [p.get_filename() for p in message.iter_attachments()] == ["a.pdf"]
