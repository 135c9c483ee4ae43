"""Reconciliation in batches decides what taking the transactions one by one decides: the
same outcomes, reasons, payments, allocations, credits, invoice balances and ledger, across
batch boundaries (batches of three here), with payments of one account that change what the
next one finds, IBAN matches, ambiguities, duplicates, a booked direct debit and a return;
and a batch another import overtook is taken again and pays once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from tarifa.db import queries
from tarifa.db.connection import Connection
from tarifa.facade import Billing, connect
from tarifa.reconciliation import batch
from tarifa.reconciliation.batch import Item, OneByOne, Outcome, queue_reason
from tarifa.reconciliation.statement_writer import Booking, Detail, camt

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date
SHARED_IBAN = "DE89370400440532013000"
Conn = psycopg.Connection[dict[str, object]]


def _customer(billing: Billing, external_id: str, last: dt.date, iban: str | None) -> list[Any]:
    billing.customers.create(
        {
            "external_id": external_id,
            "kind": "person",
            "legal_name": f"{external_id} Person",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    if iban:
        billing.payment_methods.add(
            external_id,
            {"kind": "sepa_debit", "iban": iban, "mandate_id": f"M-{external_id}",
             "mandate_signed_on": "2026-03-01"},
            today=D(2026, 3, 1),
        )  # fmt: skip
    billing.subscriptions.create(external_id, "mobile-s", D(2026, 3, 1))
    return [
        billing.invoices.finalize(i.id, issue_date=i.billing_date)
        for i in billing.invoices.bill(external_id, on=last)
    ]


def _setup(billing: Billing, tmp_path: Path) -> dict[str, list[Any]]:
    """A: March 11.89, April and May 5.94 (no mandate); B and C pay from one IBAN (March
    11.89, April 5.94 each); D pays by direct debit, its March debit exported (pending)."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    made = {
        "A": _customer(billing, "A", D(2026, 5, 1), None),
        "B": _customer(billing, "B", D(2026, 4, 1), SHARED_IBAN),
        "C": _customer(billing, "C", D(2026, 4, 1), SHARED_IBAN),
        "D": _customer(billing, "D", D(2026, 4, 1), "DE02120300000000202051"),
    }
    billing.payments.export_direct_debits(D(2026, 3, 31), tmp_path / "debits.xml")
    return made


def _bookings(inv: dict[str, list[Any]]) -> list[Booking]:
    a_march, a_april, a_may = inv["A"]
    b_march, _b_april = inv["B"]
    d_march, _d_april = inv["D"]

    def rf(invoice: Any, amount: str, ref: str) -> Booking:
        detail = Detail(creditor_reference=invoice.creditor_reference)
        return Booking(amount=amount, reference=ref, details=(detail,))

    def text(words: str, amount: str, ref: str | None, iban: str | None = None) -> Booking:
        return Booking(amount=amount, reference=ref, details=(Detail(text=words, payer_iban=iban),))

    return [
        rf(a_march, "11.89", "E1"),  # exact
        rf(a_april, "20.00", "E2"),  # April, then May (the oldest open), the rest credit
        text(f"Rechnung {a_may.number}", "5.94", "E3"),  # May is paid by now: partial
        text("Handy", "5.94", None, SHARED_IBAN),  # B's and C's April: ambiguous
        rf(b_march, "11.89", "E4"),  # exact
        text("Handy", "11.89", None, SHARED_IBAN),  # only C's March is open for 11.89 now
        Booking(amount="4.90", credit=False, reference="F1", details=(Detail(text="fees"),)),
        text("Spende 4242 4242 4242 4242", "50.00", "E5"),  # nothing named; card removed
        rf(a_march, "11.89", "E1"),  # the same booking again
        rf(a_march, "1.00", "E6"),  # March paid: partial, credit
        text(f"{a_april.number} {a_may.number}", "3.00", "E7"),  # two invoices: ambiguous
        text(f"SEPA {d_march.number}", "11.89", "E8"),  # books D's pending direct debit
        Booking(amount="11.89", credit=False, reference="R1",
                details=(Detail(text=f"RETURN {d_march.number}", return_reason="MD06"),)),
        rf(d_march, "11.89", "E9"),  # D's March owed again after the return: exact
    ]  # fmt: skip


def _one_by_one(
    conn: Connection, statement_id: int, items: Sequence[Item], *, actor: str, one: OneByOne
) -> list[Outcome]:
    """The reference: each transaction claimed, then applied by the one-transaction path."""
    claim = queries.load("reconciliation")["claim"]
    outcomes: list[Outcome] = []
    for taken in items:
        values = batch._stored(taken, statement_id, actor, "queued",
                               queue_reason(taken.entry, taken.transaction))  # fmt: skip
        row = conn.execute(claim, values).fetchone()
        outcomes.append(
            "already_imported" if row is None else one(conn, int(str(row["id"])), taken)
        )
    return outcomes


def _state(billing: Billing, conn: Conn) -> Any:
    transactions = conn.execute(
        """
        SELECT t.key, t.status, t.reason, t.invoice_id, t.remittance, t.amount, t.direction,
               p.amount AS paid, p.kind, p.status AS payment_status
        FROM reconciliation_transactions t LEFT JOIN payments p ON p.id = t.payment_id
        ORDER BY t.key
        """
    ).fetchall()
    return (
        transactions,
        [
            (
                p.kind,
                p.status,
                p.amount,
                p.allocations,
                p.credit,
                p.reference,
                p.received_on,
                p.idempotency_key,
            )
            for a in "ABCD"
            for p in billing.payments.of_account(a)
        ],
        [(i.number, i.state, i.balance) for a in "ABCD" for i in billing.invoices.of_account(a)],
        [(r.kind, r.subject, r.debit, r.credit) for r in billing.ledger.trial_balance()],
    )


def test_batches_decide_what_one_transaction_at_a_time_decides(
    billing: Billing, conn: Conn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices = _setup(billing, tmp_path)
    path = tmp_path / "camt053.xml"
    path.write_bytes(camt(_bookings(invoices)))
    monkeypatch.setattr("tarifa.reconciliation.service.BATCH_SIZE", 3)
    results = []
    for take in (_one_by_one, batch.take):
        monkeypatch.setattr("tarifa.reconciliation.service.take", take)
        with conn.transaction(force_rollback=True):
            report = billing.reconciliation.import_file(path)
            again = billing.reconciliation.import_file(path)
            results.append((report.counts(), again.counts(), _state(billing, conn)))
    one, many = results
    assert many == one
    counts, again, (transactions, payments, _, trial) = many
    assert counts == {"statements": 1, "entries": 14, "transactions": 14, "matched": 6,
                      "partially_matched": 3, "unmatched": 4, "already_imported": 1,
                      "skipped": 0}  # fmt: skip
    assert again["already_imported"] == 14
    reasons = {t["key"].rsplit(":", 1)[-1]: t["reason"] for t in transactions}
    assert reasons["E7"].startswith("its invoice number fits several invoices")
    assert [t["status"] for t in transactions if t["amount"] == Decimal("5.94")].count(
        "queued"
    ) == 1
    assert ("sepa_debit", "returned") in {(p[0], p[1]) for p in payments}
    assert sum(r[2] for r in trial) == sum(r[3] for r in trial)


def test_a_batch_another_import_overtook_is_taken_again_and_pays_once(
    fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the batch is decided, another import stores one of its bookings (committed):
    the batch finds its key taken, rolls back and is taken again, that booking counted
    `already_imported` and paid by nobody twice."""
    with connect(fresh_db, actor="test:pytest") as billing:
        invoices = _setup(billing, tmp_path)
    a_march, a_april, _ = invoices["A"]
    path = tmp_path / "camt053.xml"
    path.write_bytes(camt([
        Booking(amount="11.89", reference="O1",
                details=(Detail(creditor_reference=a_march.creditor_reference),)),
        Booking(amount="5.94", reference="O2",
                details=(Detail(creditor_reference=a_april.creditor_reference),)),
    ]))  # fmt: skip
    flush = batch._Batch.flush
    overtaken: list[str] = []

    def overtake(self: Any) -> None:
        if self.decided and not overtaken:
            taken = self.decided[0][0]
            overtaken.append(taken.key)
            with psycopg.connect(fresh_db, autocommit=True) as other:
                statement = other.execute(
                    "INSERT INTO reconciliation_statements (kind, identifier, account,"
                    " fingerprint, entries, actor) VALUES ('camt.053', 'other', 'X', 'other',"
                    " 1, 'test') RETURNING id"
                ).fetchone()
                assert statement is not None
                values = batch._stored(taken, int(statement[0]), "test", "queued", "other")
                other.execute(queries.load("reconciliation")["claim"], values)
        flush(self)

    monkeypatch.setattr(batch._Batch, "flush", overtake)
    with connect(fresh_db, actor="test:pytest") as billing:
        report = billing.reconciliation.import_file(path)
        assert (report.matched, report.already_imported) == (1, 1)
        assert len(billing.payments.of_account("A")) == 1
        rows = billing.ledger.trial_balance()
        assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
    assert overtaken
