"""Dunning notices by e-mail, against a local SMTP server: each reminder, the suspension
notice, with the invoice, the amount due, the due date, the days overdue, the RF reference and
the seller's IBAN, to the customer's addresses, sent once however often the run is repeated;
a run that fails before sending sends on the next run, one that dies after the server took
the message sends it again with the same Message-ID (at-least-once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ledger_checks import assert_books_balance
from smtp_inbox import Inbox, free_port, smtp_server
from tarifa.documents.mail import SmtpSettings
from tarifa.facade import Billing
from tarifa.payments import dunning_mail

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date
IBAN = "DE89 3704 0044 0532 0130 00"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def late(billing: Billing) -> Billing:
    """Mobile S from 1 March; the 1 March invoice (11.89) finalized, due 31 March, unpaid; the
    customer has two e-mail addresses and reads German."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "MAIL",
            "kind": "person",
            "legal_name": "Dora Un",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
            "emails": ["dora@example.org", "buchhaltung@example.org"],
        }
    )
    billing.subscriptions.create("MAIL", "mobile-s", D(2026, 3, 1))
    (draft,) = billing.invoices.bill("MAIL", on=D(2026, 3, 1))
    billing.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))
    return billing


def _smtp(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="mahnwesen@acme.example", timeout=5)


def test_each_reminder_and_the_suspension_notice_is_mailed_once(
    late: Billing, inbox: Inbox
) -> None:
    """Default schedule: reminders on days 3 and 14, suspension on day 21."""
    smtp = _smtp(inbox.port)
    first = late.payments.dunning(on=D(2026, 4, 3), smtp=smtp)
    assert dict(first.mail) == {"sent": 1}
    ((recipients, message),) = inbox.messages
    assert recipients == ["dora@example.org", "buchhaltung@example.org"]
    assert message["Subject"] == "Zahlungserinnerung: Rechnung INV-2026-000001"
    assert message["From"] == "mahnwesen@acme.example"
    body = message.get_content()
    for text in (
        "Guten Tag Dora Un",
        "Offen sind noch 11.89 EUR",
        "am 2026-03-31 fällig",
        "seit 3 Tagen",
        "Verwendungszweck: RF94INV2026000001",
        f"IBAN: {IBAN}",
    ):
        assert text in body  # fmt: skip
    again = late.payments.dunning(on=D(2026, 4, 3), smtp=smtp)
    assert (again.actions, again.mail) == ({}, {})
    assert len(inbox.messages) == 1
    assert late.payments.dunning(on=D(2026, 4, 7), smtp=smtp).mail == {}  # a retry: no notice
    late.payments.receive("MAIL", Decimal("1.89"))
    assert dict(late.payments.dunning(on=D(2026, 4, 14), smtp=smtp).mail) == {"sent": 1}
    second = inbox.messages[-1][1]
    assert second["Subject"] == "Zweite Mahnung: Rechnung INV-2026-000001"
    assert "Offen sind 10.00 EUR" in second.get_content()
    assert "seit 14 Tagen" in second.get_content()
    assert dict(late.payments.dunning(on=D(2026, 4, 21), smtp=smtp).mail) == {"sent": 1}
    suspension = inbox.messages[-1][1]
    assert suspension["Subject"] == "Sperrung Ihrer Dienste: Rechnung INV-2026-000001"
    assert late.payments.dunning(on=D(2026, 4, 21), smtp=smtp).mail == {}
    assert len(inbox.messages) == 3
    assert len({m["Message-ID"] for _, m in inbox.messages}) == 3
    (invoice,) = late.invoices.of_account("MAIL")
    sent = [e for e in late.audit.entries("invoice", invoice.id)
            if e["action"] == "dunning.notice_sent"]  # fmt: skip
    assert [e["data"]["notice"] for e in sent] == ["reminder_1", "reminder_2", "suspension"]
    assert_books_balance(late)


def test_a_notice_the_server_did_not_take_is_sent_by_the_next_run(
    late: Billing, inbox: Inbox
) -> None:
    down = late.payments.dunning(on=D(2026, 4, 3), smtp=_smtp(free_port()))
    assert (dict(down.actions), dict(down.mail)) == ({"remind": 1}, {"waiting": 1})
    with late.db.transaction() as conn:
        row = conn.execute("SELECT mail, mail_error FROM dunning_events").fetchone()
    assert row is not None
    assert row["mail"] == "pending"
    assert "Connection" in row["mail_error"]
    assert inbox.messages == []
    assert dict(late.payments.dunning(on=D(2026, 4, 4), smtp=_smtp(inbox.port)).mail) == {"sent": 1}
    assert "seit 4 Tagen" in inbox.messages[0][1].get_content()  # as of the day it went out
    assert late.payments.dunning(on=D(2026, 4, 4), smtp=_smtp(inbox.port)).mail == {}
    assert len(inbox.messages) == 1


def test_a_run_that_dies_after_the_server_took_the_notice_sends_it_again_the_same(
    late: Billing, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At-least-once: the notice was never marked sent, so the next run sends it again, with
    the same Message-ID; the run after that sends nothing."""
    mark = dunning_mail._mark

    def die_before_marking(*args: object) -> str:
        raise RuntimeError("killed between the SMTP answer and the commit")

    monkeypatch.setattr(dunning_mail, "_mark", die_before_marking)
    with pytest.raises(RuntimeError):
        late.payments.dunning(on=D(2026, 4, 3), smtp=_smtp(inbox.port))
    assert len(inbox.messages) == 1
    monkeypatch.setattr(dunning_mail, "_mark", mark)
    rerun = late.payments.dunning(on=D(2026, 4, 3), smtp=_smtp(inbox.port))
    assert (rerun.actions, dict(rerun.mail)) == ({}, {"sent": 1})
    first, second = (m for _, m in inbox.messages)
    assert first["Message-ID"] == second["Message-ID"]
    assert late.payments.dunning(on=D(2026, 4, 3), smtp=_smtp(inbox.port)).mail == {}
    assert len(inbox.messages) == 2


def test_a_reminder_paid_before_it_went_out_is_cancelled_and_no_address_means_no_mail(
    late: Billing, inbox: Inbox
) -> None:
    assert dict(late.payments.dunning(on=D(2026, 4, 3)).mail) == {"waiting": 1}  # no SMTP
    late.payments.receive("MAIL", Decimal("11.89"))
    report = late.payments.dunning(on=D(2026, 4, 4), smtp=_smtp(inbox.port))
    assert dict(report.mail) == {"cancelled": 1}
    late.customers.create(
        {"external_id": "NOMAIL", "kind": "person", "legal_name": "No Mail", "country": "DE",
         "currency": "EUR", "time_zone": "Europe/Berlin", "billing_cycle_day": 1,
         "locale": "en-GB"},
    )  # fmt: skip
    late.subscriptions.create("NOMAIL", "mobile-s", D(2026, 3, 1))
    (draft,) = late.invoices.bill("NOMAIL", on=D(2026, 3, 1))
    late.invoices.finalize(draft.id, issue_date=D(2026, 3, 1))
    report = late.payments.dunning(on=D(2026, 4, 5), smtp=_smtp(inbox.port))
    assert dict(report.mail) == {"no_address": 1}
    assert inbox.messages == []
    assert_books_balance(late)
