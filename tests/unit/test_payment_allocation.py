"""A payment goes to the invoice named, else to the oldest open invoices; the rest is left
for customer credit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tarifa.payments.allocation import Allocation, OpenBook, OpenInvoice, allocate

D = Decimal
OPEN = [
    OpenInvoice(id=3, due_date=dt.date(2026, 5, 1), balance=D("20.00")),
    OpenInvoice(id=1, due_date=dt.date(2026, 3, 1), balance=D("10.00")),
    OpenInvoice(id=2, due_date=dt.date(2026, 4, 1), balance=D("15.00")),
]


def test_the_oldest_open_invoices_are_paid_first_and_the_last_one_in_part() -> None:
    """30.00 pays #1 (10.00), #2 (15.00) and 5.00 of #3."""
    made, left = allocate(D("30.00"), OPEN)
    assert made == [
        Allocation(invoice_id=1, amount=D("10.00")),
        Allocation(invoice_id=2, amount=D("15.00")),
        Allocation(invoice_id=3, amount=D("5.00")),
    ]
    assert left == D(0)


def test_the_named_invoice_comes_first_and_an_overpayment_is_left_over() -> None:
    """60.00 naming #3: #3 (20.00), then #1 (10.00), #2 (15.00); 15.00 left."""
    made, left = allocate(D("60.00"), OPEN, named=3)
    assert [a.invoice_id for a in made] == [3, 1, 2]
    assert left == D("15.00")


def test_nothing_open_leaves_everything() -> None:
    assert allocate(D("5.00"), []) == ([], D("5.00"))


def _book() -> OpenBook:
    return OpenBook([(7, "EUR", invoice) for invoice in OPEN])


def test_payments_planned_in_a_batch_find_what_the_ones_before_them_left() -> None:
    """25.00 pays #1 and #2; the next 8.00 finds only #3 open and pays 8.00 of it; a third
    payment naming the paid #1 goes to #3 too (nothing is left on #1)."""
    book = _book()
    assert book.spend(7, "EUR", D("25.00")) == (
        [Allocation(invoice_id=1, amount=D("10.00")), Allocation(invoice_id=2, amount=D("15.00"))],
        D(0),
    )
    assert book.spend(7, "EUR", D("8.00")) == ([Allocation(invoice_id=3, amount=D("8.00"))], D(0))
    assert book.balance(3) == D("12.00")
    assert book.spend(7, "EUR", D("20.00"), named=1) == (
        [Allocation(invoice_id=3, amount=D("12.00"))],
        D("8.00"),
    )
    assert [book.balance(i) for i in (1, 2, 3)] == [D(0)] * 3
    assert book.open_of(7, "EUR") == ()


def test_a_book_keeps_accounts_and_currencies_apart() -> None:
    book = _book()
    assert book.spend(7, "CHF", D("5.00")) == ([], D("5.00"))
    assert book.spend(8, "EUR", D("5.00")) == ([], D("5.00"))
    assert book.balance(1) == D("10.00")
    assert book.balance(99) == D(0)
