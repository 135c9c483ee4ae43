"""Invoice documents from the database: a finalized invoice of a real billing period (its
subscription, its stored usage), rendered as PDF, CSV, itemized usage and Factur-X, and
e-mailed through a local SMTP server."""

from __future__ import annotations

import csv
import datetime as dt
import io
import socket
from collections.abc import Iterator
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import facturx
import pytest
import yaml
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from en16931_checks import assert_valid_en16931
from tarifa.documents.mail import SmtpSettings
from tarifa.errors import ConflictError, NotFoundError
from tarifa.facade import Billing
from tarifa.invoices.service import Invoice

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


def _invoice(billing: Billing, *, finalize: bool = True) -> Invoice:
    """Mobile S from 1 March, calls of 6,000 s and 6,600 s to +49 30 901820 (Berlin): the
    invoice of 1 April (tests/integration/test_invoices.py), the only one finalized: March's
    210 minutes, 200 included, 10 x 0.05 = 0.50 (SMS and data 0.00), April's fee 4.99: net
    5.49, VAT 19 % 1.04, total 6.53."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.customers.create(
        {
            "external_id": "MUC",
            "kind": "person",
            "legal_name": "Max Muster",
            "emails": "max@example.org",
            "address_line1": "Marienplatz 1",
            "postal_code": "80331",
            "city": "München",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    sub = billing.subscriptions.create("MUC", "mobile-s", D(2026, 3, 1))
    billing.subscriptions.bind(
        sub.id, "e164", "+4915112345678", dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    calls = "".join(
        f'{{"id": "c{n}", "account": "+4915112345678", "service": "voice", '
        f'"destination": "+4930901820", "start": "2026-03-{day}T10:00:00+01:00", '
        f'"usage": {secs}}}\n'
        for n, (day, secs) in enumerate((("02", 6000), ("20", 6600)))
    )
    billing.usage.import_file(
        io.BytesIO(calls.encode()), format="jsonl", source="t", name="c.jsonl"
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    _march, draft = billing.invoices.bill("MUC", on=D(2026, 4, 1))
    return billing.invoices.finalize(draft.id, issue_date=D(2026, 4, 1)) if finalize else draft


@pytest.fixture
def finalized(billing: Billing) -> tuple[Billing, Invoice]:
    return billing, _invoice(billing)


def _text(pdf: bytes) -> str:
    # No-break spaces (Babel puts one between amount and currency) read as plain spaces.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\xa0", " ").split())


def test_the_pdf_reads_in_the_customers_locale_with_the_reference_and_the_iban(
    finalized: tuple[Billing, Invoice],
) -> None:
    billing, invoice = finalized
    text = _text(billing.documents.render("INV-2026-000001", "pdf"))
    assert "Rechnung" in text
    assert "RF94INV2026000001" in text
    assert "DE89 3704 0044 0532 0130 00" in text
    assert "Gesamtbetrag 6,53 €" in text
    assert "Bitte überweisen Sie 6,53 € bis zum 01.05.2026" in text
    # The usage summary: 2 calls, 210 minutes, and the destination called.
    assert "Anrufe 2 210 Min." in text
    assert "+4930901820" in text
    assert billing.documents.render(invoice.id, "pdf") == billing.documents.render(
        "INV-2026-000001", "pdf"
    )


def test_csv_lines_add_up_to_the_invoice_net(finalized: tuple[Billing, Invoice]) -> None:
    billing, invoice = finalized
    rows = list(csv.DictReader(io.StringIO(billing.documents.render(invoice.id, "csv").decode())))
    assert len(rows) == len(invoice.lines)
    assert sum(Decimal(r["net"]) for r in rows) == invoice.net == Decimal("5.49")
    assert {r["invoice"] for r in rows} == {"INV-2026-000001"}


def test_the_itemized_usage_export_has_one_row_per_record_of_the_period(
    finalized: tuple[Billing, Invoice],
) -> None:
    billing, invoice = finalized
    text = billing.documents.render(invoice.id, "usage").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["record_id"], r["usage"], r["service"]) for r in rows] == [
        ("c0", "6000", "voice"),
        ("c1", "6600", "voice"),
    ]
    assert rows[0]["started_at"] == "2026-03-02T09:00:00+00:00"


def test_the_factur_x_file_of_a_stored_invoice_passes_the_en_16931_rules(
    finalized: tuple[Billing, Invoice],
) -> None:
    billing, invoice = finalized
    pdf = billing.documents.render(invoice.number or "", "facturx")
    _name, xml = facturx.get_xml_from_pdf(io.BytesIO(pdf), check_xsd=True)
    assert_valid_en16931(xml)
    assert b"<ram:DuePayableAmount>6.53</ram:DuePayableAmount>" in xml


def test_render_many_writes_each_format_of_each_invoice(
    finalized: tuple[Billing, Invoice], tmp_path: Path
) -> None:
    billing, invoice = finalized
    ids = billing.documents.finalized_of_account("MUC")
    assert ids == [invoice.id]
    written = billing.documents.render_many(ids, tmp_path, ["pdf", "facturx", "csv"])
    assert [p.name for p in written] == [
        "INV-2026-000001.pdf",
        "INV-2026-000001-facturx.pdf",
        "INV-2026-000001.csv",
    ]
    assert all(p.stat().st_size > 0 for p in written)


def test_a_draft_or_an_unknown_number_has_no_document(billing: Billing) -> None:
    draft = _invoice(billing, finalize=False)
    with pytest.raises(ConflictError, match="draft"):
        billing.documents.render(draft.id, "pdf")
    with pytest.raises(NotFoundError):
        billing.documents.render("INV-1999-000001", "pdf")


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # aiosmtpd's handler hook; the envelope holds the recipients and the raw message.
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_sending_mails_the_pdf_and_the_factur_x_file_to_the_customer(
    finalized: tuple[Billing, Invoice], smtp: tuple[_Inbox, int]
) -> None:
    billing, invoice = finalized
    inbox, port = smtp
    settings = SmtpSettings(host="127.0.0.1", port=port, sender="billing@acme.example")
    assert billing.documents.send("INV-2026-000001", settings) == ["max@example.org"]
    ((recipients, message),) = inbox.messages
    assert recipients == ["max@example.org"]
    assert message["Subject"] == "Rechnung INV-2026-000001 · ACME Telecom GmbH"
    attachments = {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.walk()
        if part.get_filename()
    }
    assert sorted(attachments) == ["INV-2026-000001-facturx.pdf", "INV-2026-000001.pdf"]
    facturx_pdf = attachments["INV-2026-000001-facturx.pdf"]
    assert isinstance(facturx_pdf, bytes)
    _name, xml = facturx.get_xml_from_pdf(io.BytesIO(facturx_pdf), check_xsd=True)
    assert b"INV-2026-000001" in xml
    actions = [e["action"] for e in billing.audit.entries("invoice", invoice.id)]
    assert actions[-1] == "invoice.sent"


def test_a_graduated_usage_charge_is_printed_one_line_per_tier(billing: Billing) -> None:
    """Mobile Business (mobile.yaml), one seat (volume: 15.00) from 1 March and 1,500 national
    minutes in March (25 calls of an hour), graduated: 1,000 x 0.04 = 40.00 and 500 x 0.03 =
    15.00, no data (0.00). On the 1 April invoice, with April's seat 15.00, the stored usage
    line of 55.00 becomes two lines, each quantity x price = net; VAT 19 % of 70.00 is 13.30,
    total 83.30."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.customers.create(
        {
            "external_id": "BIZ",
            "kind": "person",
            "legal_name": "Kanzlei Muster",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    sub = billing.subscriptions.create("BIZ", "mobile-business", D(2026, 3, 1))
    billing.subscriptions.bind(
        sub.id, "e164", "+4915199990000", dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    calls = "".join(
        f'{{"id": "b{n}", "account": "+4915199990000", "service": "voice", '
        f'"destination": "+4930901820", "start": "2026-03-{n + 2:02d}T10:00:00+01:00", '
        f'"usage": 3600}}\n'
        for n in range(25)
    )
    billing.usage.import_file(
        io.BytesIO(calls.encode()), format="jsonl", source="t", name="b.jsonl"
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    _march, draft = billing.invoices.bill("BIZ", on=D(2026, 4, 1))
    invoice = billing.invoices.finalize(draft.id, issue_date=D(2026, 4, 1))
    assert invoice.total == Decimal("83.30")
    document = billing.documents.document(invoice.id)
    calls = [line for line in document.lines if line.description.startswith("National calls")]
    assert [(c.quantity, c.unit_price, c.net) for c in calls] == [
        (Decimal(1000), Decimal("0.04"), Decimal("40.00")),
        (Decimal(500), Decimal("0.03"), Decimal("15.00")),
    ]
    pdf = billing.documents.render(invoice.id, "facturx")
    _name, xml = facturx.get_xml_from_pdf(io.BytesIO(pdf), check_xsd=True)
    assert_valid_en16931(xml)


def test_a_stored_credit_note_renders_as_a_type_381_document_naming_its_invoice(
    finalized: tuple[Billing, Invoice],
) -> None:
    """Crediting April's fee (4.99, VAT 0.95, 5.94) of INV-2026-000001: the credit note
    INV-2026-000002 renders as Factur-X type 381 with the invoice as its preceding document,
    passes the EN 16931 rules, and its PDF has no payment instructions."""
    billing, invoice = finalized
    (fee,) = [line.position for line in invoice.lines if line.kind == "recurring"]
    note = billing.invoices.credit(invoice.id, positions=[fee], reason="fee waived")
    assert (note.number, note.total) == ("INV-2026-000002", Decimal("5.94"))
    pdf = billing.documents.render(note.number, "facturx")
    _name, xml = facturx.get_xml_from_pdf(io.BytesIO(pdf), check_xsd=True)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert b"<ram:IssuerAssignedID>INV-2026-000001</ram:IssuerAssignedID>" in xml
    assert b"<ram:GrandTotalAmount>5.94</ram:GrandTotalAmount>" in xml
    assert_valid_en16931(xml)
    text = _text(billing.documents.render(note.number, "pdf"))
    assert "INV-2026-000001" in text
    assert "Bitte überweisen" not in text
    assert "RF" not in text


def test_an_invoice_paid_by_customer_credit_shows_it_prepaid_and_nothing_due(
    finalized: tuple[Billing, Invoice],
) -> None:
    """INV-2026-000001 (6.53) paid, then credited in full: 6.53 of customer credit. The 1 May
    invoice (April without usage, May's fee 4.99 + 0.95 = 5.94) is paid by 5.94 of it when
    finalized: its Factur-X says prepaid 5.94 and 0.00 due (BR-CO-16 holds), and its PDF asks
    for no transfer."""
    billing, invoice = finalized
    billing.invoices.allocate(invoice.id, invoice.total)
    billing.invoices.credit(invoice.id, reason="contract rescinded")
    drafted = billing.invoices.bill("MUC", on=D(2026, 5, 1))
    (may,) = [i for i in drafted if i.billing_date == D(2026, 5, 1)]
    final = billing.invoices.finalize(may.id, issue_date=D(2026, 5, 1))
    assert (final.total, final.prepaid) == (Decimal("5.94"), Decimal("5.94"))
    pdf = billing.documents.render(final.id, "facturx")
    _name, xml = facturx.get_xml_from_pdf(io.BytesIO(pdf), check_xsd=True)
    assert b"<ram:TotalPrepaidAmount>5.94</ram:TotalPrepaidAmount>" in xml
    assert b"<ram:DuePayableAmount>0.00</ram:DuePayableAmount>" in xml
    assert_valid_en16931(xml)
    assert "Bitte überweisen" not in _text(billing.documents.render(final.id, "pdf"))
