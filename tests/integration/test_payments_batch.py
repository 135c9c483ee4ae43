"""Payments received in a batch (`Payments.receive_many`) are booked exactly as the same
payments received one by one: the same allocations, credits, invoice balances and ledger
entries, whatever the mix; idempotency keys are honoured across and within batches; a batch
is all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.facade import Billing
from tarifa.invoices.service import Invoice
from tarifa.payments import Payment, PaymentIn

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
D = dt.date
Conn = psycopg.Connection[dict[str, object]]


def _customer(billing: Billing, external_id: str) -> None:
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


@pytest.fixture
def invoices(billing: Billing) -> dict[str, list[Invoice]]:
    """Mobile S from 1 March, finalized invoices: A three (March 11.89, April and May 5.94
    each), B two (March, April), C one (March)."""
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    made: dict[str, list[Invoice]] = {}
    for account, last in (("A", D(2026, 5, 1)), ("B", D(2026, 4, 1)), ("C", D(2026, 3, 1))):
        _customer(billing, account)
        billing.subscriptions.create(account, "mobile-s", D(2026, 3, 1))
        drafts = billing.invoices.bill(account, on=last)
        made[account] = [billing.invoices.finalize(i.id, issue_date=i.billing_date) for i in drafts]
    return made


def _ledger(conn: Conn, since: int, positions: dict[int, int]) -> list[Any]:
    """The journal entries made after entry `since`, with their lines, payments named by
    their place in the batch (ids differ between the two runs), in a stable order."""
    rows = conn.execute(
        """
        SELECT e.kind, e.effective_date, e.description, e.invoice_id,
               coalesce(e.payment_id, x.payment_id) AS payment_id, x.amount AS allocated,
               array_agg(ROW(a.kind, a.subject, l.position, l.invoice_id, l.debit, l.credit)::text
                         ORDER BY l.position) AS lines
        FROM journal_entries e
        LEFT JOIN invoice_allocations x ON x.id = e.allocation_id
        JOIN journal_lines l ON l.entry_id = e.id
        JOIN ledger_accounts a ON a.id = l.ledger_account_id
        WHERE e.id > %(since)s
        GROUP BY e.id, x.payment_id, x.amount
        """,
        {"since": since},
    ).fetchall()
    entries = []
    for r in rows:
        place = positions[int(str(r["payment_id"]))]
        description = str(r["description"]).replace(
            f"payment {r['payment_id']} ", f"payment #{place} "
        )
        entries.append((place, r["kind"], r["invoice_id"], r["allocated"], r["effective_date"],
                        description, tuple(r["lines"])))  # fmt: skip
    return sorted(entries, key=repr)


def _state(billing: Billing, conn: Conn, payments: Sequence[Payment], since: int) -> Any:
    """Everything a payment changes, comparable across runs."""
    unique = {p.id: p for p in payments}
    positions = {pid: place for place, pid in enumerate(unique)}
    return (
        [
            (
                p.account_id,
                p.amount,
                p.invoice_id,
                # As printed (the CLI and the API show them): 0 and 0.00 are told apart.
                tuple((i, str(a)) for i, a in p.allocations),
                str(p.credit),
                p.reference,
                p.received_on,
                p.status,
                p.kind,
            )
            for p in payments
        ],
        [positions[p.id] for p in payments],
        [(i.number, i.state, i.balance) for a in "ABC" for i in billing.invoices.of_account(a)],
        [billing.invoices.available_credit(a) for a in "ABC"],
        [(r.kind, r.subject, r.debit, r.credit) for r in billing.ledger.trial_balance()],
        _ledger(conn, since, positions),
    )


def _both_ways(billing: Billing, conn: Conn, batch: Sequence[PaymentIn]) -> tuple[Any, Any]:
    """The state after booking `batch` one by one, and after `receive_many`, each rolled
    back afterwards."""
    since = _last_entry(conn)

    def one_by_one() -> list[Payment]:
        return [
            billing.payments.receive(
                p.account, p.amount, invoice=p.invoice, reference=p.reference,
                received_on=p.received_on, idempotency_key=p.idempotency_key, kind=p.kind,
            )
            for p in batch
        ]  # fmt: skip

    states = []
    book: Callable[[], list[Payment]]
    for book in (one_by_one, lambda: billing.payments.receive_many(batch)):
        with conn.transaction(force_rollback=True):
            states.append(_state(billing, conn, book(), since))
    return states[0], states[1]


def _last_entry(conn: Conn) -> int:
    row = conn.execute("SELECT coalesce(max(id), 0) AS id FROM journal_entries").fetchone()
    assert row is not None
    return int(str(row["id"]))


def test_a_batch_books_what_the_same_payments_one_by_one_book(
    billing: Billing, conn: Conn, invoices: dict[str, list[Invoice]]
) -> None:
    """Several payments of one account in the batch (each finds what the one before left),
    invoices named by number and by RF reference as payers type it, an overpayment kept as
    credit, a part payment, a key given twice (the same payment) and payments of other
    accounts in between."""
    a_march, a_april, a_may = invoices["A"]
    b_march, _ = invoices["B"]
    rf = str(a_may.creditor_reference)
    spaced = " ".join(rf[i : i + 4] for i in range(0, len(rf), 4)).lower()
    on = D(2026, 5, 10)
    batch = [
        PaymentIn(account="A", amount=Decimal("5.00"), received_on=on, reference="first"),
        PaymentIn(account="B", amount=Decimal("30.00"), received_on=on, idempotency_key="k-b"),
        PaymentIn(account="A", amount=Decimal("10.00"), invoice=spaced, received_on=on),
        PaymentIn(account="A", amount=Decimal("20.00"), invoice=a_march.number, received_on=on),
        PaymentIn(account="C", amount=Decimal("1.00"), received_on=on),
        PaymentIn(account="B", amount=Decimal("30.00"), received_on=on, idempotency_key="k-b"),
        PaymentIn(account="A", amount=Decimal("3.00"), received_on=on, kind="card"),
        PaymentIn(account="A", amount=Decimal("0.01"), invoice=a_april.number, received_on=on),
    ]
    one, many = _both_ways(billing, conn, batch)
    assert many == one
    payments, places, balances, credit, _, entries = many
    assert places == [0, 1, 2, 3, 4, 1, 5, 6]
    assert payments[2][3] == ((a_may.id, "5.94"), (a_march.id, "4.06"))
    assert credit[1] == Decimal("30.00") - b_march.total - invoices["B"][1].total
    received = sum((p[1] for p in payments[:5] + payments[6:]), Decimal(0))
    assert ("cash", "bank", received, Decimal(0)) in many[4]
    assert len(entries) == sum(len(p[3]) + (Decimal(p[4]) > 0) for p in payments[:5] + payments[6:])
    assert all(balance >= 0 for _, _, balance in balances)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    drawn=st.lists(
        st.tuples(
            st.sampled_from("ABC"),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("40.00"), places=2),
            st.sampled_from([None, None, "k1", "k2"]),
            st.integers(min_value=0, max_value=6),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_batch_books_what_the_same_payments_one_by_one_book(
    billing: Billing,
    conn: Conn,
    invoices: dict[str, list[Invoice]],
    drawn: list[tuple[str, Decimal, str | None, int]],
) -> None:
    """Random batches over the three accounts: amounts from a cent to more than all they owe,
    nothing named or an invoice of the account by number or RF reference, keys repeated."""
    batch = []
    for account, amount, key, choice in drawn:
        names = [None] + [n for i in invoices[account] for n in (i.number, i.creditor_reference)]
        batch.append(PaymentIn(account=account, amount=amount, idempotency_key=key,
                               invoice=names[choice % len(names)],
                               received_on=D(2026, 5, 10)))  # fmt: skip
    try:
        one, many = _both_ways(billing, conn, batch)
    except ConflictError:
        # A key given again for another payment refuses it one by one: the batch too.
        with conn.transaction(force_rollback=True), pytest.raises(ConflictError):
            billing.payments.receive_many(batch)
        return
    assert many == one


def test_a_key_booked_before_is_the_same_payment_and_another_payment_under_it_is_refused(
    billing: Billing, conn: Conn, invoices: dict[str, list[Invoice]]
) -> None:
    first = billing.payments.receive("A", Decimal("5.00"), idempotency_key="stmt-7")
    again, new = billing.payments.receive_many(
        [
            PaymentIn(account="A", amount=Decimal("5.00"), idempotency_key="stmt-7"),
            PaymentIn(account="C", amount=Decimal("2.00"), idempotency_key="stmt-8"),
        ]
    )
    assert again == first
    assert new.allocations == ((invoices["C"][0].id, Decimal("2.00")),)
    with pytest.raises(ConflictError, match="stmt-7"):
        billing.payments.receive_many(
            [
                PaymentIn(account="B", amount=Decimal("1.00"), idempotency_key="stmt-9"),
                PaymentIn(account="A", amount=Decimal("6.00"), idempotency_key="stmt-7"),
            ]
        )
    assert billing.payments.of_account("B") == []
    with pytest.raises(ConflictError):
        billing.payments.receive_many(
            [
                PaymentIn(account="B", amount=Decimal("1.00"), idempotency_key="twice"),
                PaymentIn(account="B", amount=Decimal("2.00"), idempotency_key="twice"),
            ]
        )


def test_a_batch_with_a_bad_payment_is_refused_whole_naming_every_problem_by_place(
    billing: Billing, invoices: dict[str, list[Invoice]]
) -> None:
    with pytest.raises(ValidationError) as refused:
        billing.payments.receive_many(
            [
                PaymentIn(account="A", amount=Decimal("1.00")),
                PaymentIn(account="B", amount=Decimal("1.001")),
                PaymentIn(account="C", amount=Decimal("2.00"), reference="4111 1111 1111 1111"),
            ]
        )
    assert [e.field for e in refused.value.errors] == [
        "payments[1].amount",
        "payments[2].reference",
    ]
    with pytest.raises(NotFoundError, match="INV-1999-000001"):
        billing.payments.receive_many(
            [
                PaymentIn(account="A", amount=Decimal("1.00")),
                PaymentIn(account="A", amount=Decimal("1.00"), invoice="INV-1999-000001"),
            ]
        )
    with pytest.raises(NotFoundError, match="NOBODY"):
        billing.payments.receive_many([PaymentIn(account="NOBODY", amount=Decimal("1.00"))])
    # Another account's invoice is not this account's to name.
    with pytest.raises(NotFoundError):
        billing.payments.receive_many(
            [PaymentIn(account="C", amount=Decimal("1"), invoice=invoices["A"][0].number)]
        )
    assert [billing.payments.of_account(a) for a in "ABC"] == [[], [], []]
    assert billing.payments.receive_many([]) == []


def test_a_batch_writes_one_audit_row_with_its_counts_and_payment_ids(
    billing: Billing, conn: Conn, invoices: dict[str, list[Invoice]]
) -> None:
    made = billing.payments.receive_many(
        [PaymentIn(account=a, amount=Decimal("50.00")) for a in "ABC"]
    )
    rows = conn.execute(
        "SELECT action, data FROM audit_log WHERE action LIKE 'payment%' ORDER BY id"
    ).fetchall()
    assert [r["action"] for r in rows] == ["payments.received"]
    data: Any = rows[0]["data"]
    assert (data["payments"], data["new"], data["payment_ids"]) == (3, 3, [p.id for p in made])
    assert Decimal(data["credit"]) == sum((p.credit for p in made), Decimal(0))
