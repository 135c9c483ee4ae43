"""SEPA direct debit: the day's debits as a pain.008 file that the official schema accepts,
with the seller's creditor id, FRST for a mandate's first collection and RCUR after, and the
payments pending until the bank books them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from lxml import etree

from tarifa.facade import Billing
from tarifa.reconciliation.statement_writer import Booking, Detail, camt

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "tests" / "fixtures" / "sepa"
D = dt.date


def _debtor(billing: Billing, external_id: str, iban: str, mandate: str) -> list[int]:
    """Mobile S from 1 March, billed on 1 April and finalized: 11.89 (due 31 March) and
    5.94 (due 1 May), paid by a mandate signed on 1 March."""
    billing.customers.create(
        {
            "external_id": external_id,
            "kind": "person",
            "legal_name": f"Schmidt {external_id}",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.payment_methods.add(
        external_id,
        {"kind": "sepa_debit", "iban": iban, "mandate_id": mandate,
         "mandate_signed_on": "2026-03-01"},
        today=D(2026, 3, 1),
    )  # fmt: skip
    billing.subscriptions.create(external_id, "mobile-s", D(2026, 3, 1))
    return [
        billing.invoices.finalize(i.id, issue_date=i.billing_date).id
        for i in billing.invoices.bill(external_id, on=D(2026, 4, 1))
    ]


@pytest.fixture
def shop(billing: Billing) -> Billing:
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    return billing


def _valid(path: Path, schema: str) -> etree._ElementTree:
    xsd = etree.XMLSchema(etree.parse(str(SCHEMAS / f"{schema}.xsd")))
    document = etree.parse(str(path))
    xsd.assertValid(document)
    return document


@pytest.mark.parametrize("schema", ["pain.008.001.08", "pain.008.001.02"])
def test_the_days_debits_make_a_schema_valid_file_first_then_recurring(
    shop: Billing, tmp_path: Path, schema: str
) -> None:
    """On 31 March only the 11.89 invoices are due: two mandates' first debits (FRST),
    23.78; on 1 May the 5.94 ones follow as recurring debits (RCUR), 11.88."""
    first = _debtor(shop, "DD1", "DE89 3704 0044 0532 0130 00", "ACME-DD1")
    second = _debtor(shop, "DD2", "DE02 1203 0000 0000 2020 51", "ACME-DD2")
    march = shop.payments.export_direct_debits(D(2026, 3, 31), tmp_path / "m.xml", schema=schema)
    assert (march.debits, march.first, march.recurring, march.total) == (
        2, 2, 0, Decimal("23.78"),
    )  # fmt: skip
    document = _valid(tmp_path / "m.xml", schema)
    ns = {"p": document.getroot().nsmap[None]}
    assert document.xpath("//p:CdtrSchmeId//p:Othr/p:Id/text()", namespaces=ns) == [
        "DE98ZZZ09999999999"
    ]
    assert document.xpath("//p:SeqTp/text()", namespaces=ns) == ["FRST"]
    assert sorted(document.xpath("//p:MndtId/text()", namespaces=ns)) == ["ACME-DD1", "ACME-DD2"]
    assert set(document.xpath("//p:EndToEndId/text()", namespaces=ns)) == {
        shop.invoices.get(first[0]).number,
        shop.invoices.get(second[0]).number,
    }
    # Pending until the bank books them: nothing allocated yet, nothing exported twice.
    assert {p.status for p in shop.payments.of_account("DD1")} == {"pending"}
    assert shop.invoices.get(first[0]).balance == Decimal("11.89")
    again = shop.payments.export_direct_debits(D(2026, 3, 31), tmp_path / "again.xml")
    assert again.debits == 0
    assert not (tmp_path / "again.xml").exists()
    may = shop.payments.export_direct_debits(D(2026, 5, 1), tmp_path / "may.xml", schema=schema)
    assert (may.debits, may.first, may.recurring, may.total) == (2, 0, 2, Decimal("11.88"))
    document = _valid(tmp_path / "may.xml", schema)
    assert document.xpath("//p:SeqTp/text()", namespaces=ns) == ["RCUR"]


def test_a_booked_collection_settles_the_pending_debit_instead_of_paying_twice(
    shop: Billing, tmp_path: Path
) -> None:
    """The 31 March debit of 11.89 booked on the statement (end-to-end id: the invoice
    number): the pending payment succeeds and pays the invoice; no second payment is made."""
    (march_invoice, _april) = _debtor(shop, "DD3", "DE89 3704 0044 0532 0130 00", "ACME-DD3")
    shop.payments.export_direct_debits(D(2026, 3, 31), tmp_path / "m.xml")
    number = shop.invoices.get(march_invoice).number
    statement = tmp_path / "camt053.xml"
    statement.write_bytes(
        camt([Booking(amount="11.89", reference="SDD-1",
                      details=(Detail(text=f"SEPA debit {number}", reference=number),))])
    )  # fmt: skip
    report = shop.reconciliation.import_file(statement)
    assert report.counts()["matched"] == 1
    (payment,) = shop.payments.of_account("DD3")
    assert (payment.kind, payment.status, payment.allocations) == (
        "sepa_debit",
        "succeeded",
        ((march_invoice, Decimal("11.89")),),
    )
    assert shop.invoices.get(march_invoice).state == "paid"


def test_a_returned_debit_is_owed_again_and_dunning_takes_it_up(
    shop: Billing, tmp_path: Path
) -> None:
    """Booked on 10 April, the 11.89 debit comes back on 14 April with reason MD06 (the payer
    asked their bank for it): the payment is returned, the invoice owes 11.89 again (overdue),
    the ledger receivable says so, and the next dunning run finds it. A debit not yet booked
    that comes back (AC04, account closed) simply fails."""
    (march_invoice, april_invoice) = _debtor(shop, "RET", "DE89 3704 0044 0532 0130 00", "M-R")
    shop.payments.export_direct_debits(D(2026, 3, 31), tmp_path / "m.xml")
    number = shop.invoices.get(march_invoice).number
    booked = tmp_path / "booked.xml"
    booked.write_bytes(camt([Booking(amount="11.89", reference="SDD-2",
                                      details=(Detail(text=f"SEPA {number}"),))]))  # fmt: skip
    shop.reconciliation.import_file(booked)
    assert shop.invoices.get(march_invoice).state == "paid"
    back = tmp_path / "return.xml"
    back.write_bytes(
        camt([Booking(amount="11.89", credit=False, reference="RET-1",
                      details=(Detail(text=f"RETURN {number}", return_reason="MD06"),))],
             message="054", booked=D(2026, 4, 14))
    )  # fmt: skip
    counts = shop.reconciliation.import_file(back).counts()
    assert (counts["matched"], counts["unmatched"]) == (1, 0)
    (payment,) = shop.payments.of_account("RET")
    assert payment.status == "returned"
    invoice = shop.invoices.get(march_invoice)
    assert (invoice.balance, invoice.state) == (Decimal("11.89"), "overdue")
    (balance,) = shop.ledger.balance("RET")
    assert balance.receivable == Decimal("11.89") + shop.invoices.get(april_invoice).total
    rows = shop.ledger.trial_balance()
    assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
    assert shop.payments.dunning(on=D(2026, 4, 14)).overdue == 1
    # Not booked yet: the April debit, exported for 1 May, rejected with AC04.
    shop.payments.export_direct_debits(D(2026, 5, 1), tmp_path / "may.xml")
    april_number = shop.invoices.get(april_invoice).number
    rejected = tmp_path / "reject.xml"
    rejected.write_bytes(
        camt([Booking(amount="5.94", credit=False, reference="RET-2",
                      details=(Detail(text=f"RETURN {april_number}", return_reason="AC04"),))],
             message="054", booked=D(2026, 5, 2))
    )  # fmt: skip
    shop.reconciliation.import_file(rejected)
    statuses = {p.amount: p.status for p in shop.payments.of_account("RET")}
    assert statuses[Decimal("5.94")] == "failed"


def test_a_debit_the_bank_rejects_in_a_status_report_fails_once(
    shop: Billing, tmp_path: Path
) -> None:
    """The 31 March debit of DD4's 11.89 invoice rejected with AM04 (insufficient funds) in a
    pain.002 naming its end-to-end id (the invoice number): its payment fails with that code,
    the invoice still owes 11.89, and reading the report again changes nothing."""
    (march_invoice, _april) = _debtor(shop, "DD4", "DE89 3704 0044 0532 0130 00", "ACME-DD4")
    shop.payments.export_direct_debits(D(2026, 3, 31), tmp_path / "m.xml")
    number = shop.invoices.get(march_invoice).number
    report = tmp_path / "pain002.xml"
    report.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>'
        "<GrpHdr><MsgId>R1</MsgId><CreDtTm>2026-03-30T10:00:00</CreDtTm></GrpHdr>"
        "<OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08"
        "</OrgnlMsgNmId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>P1"
        f"</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>{number}</OrgnlEndToEndId>"
        "<TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts>"
        "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>",
        encoding="utf-8",
    )
    first = shop.payments.apply_status_report(report)
    assert (first.rejected, first.applied) == (1, 1)
    (payment,) = shop.payments.of_account("DD4")
    assert payment.status == "failed"
    with shop.db.transaction() as conn:
        code = conn.execute(
            "SELECT failure_code FROM payments WHERE id = %s", (payment.id,)
        ).fetchone()
    assert code == {"failure_code": "AM04"}
    assert shop.invoices.get(march_invoice).balance == Decimal("11.89")
    again = shop.payments.apply_status_report(report)
    assert (again.applied, again.unknown) == (0, 1)
