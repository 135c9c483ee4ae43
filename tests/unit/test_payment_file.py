"""A CSV of payments received: the columns it needs, the lines it refuses (all at once, by
line), and the keys that make the same file pay once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tarifa.errors import ValidationError
from tarifa.payments.payment_file import read_payment_file


def test_a_file_gives_one_payment_a_line_with_its_own_key_or_one_from_the_file() -> None:
    data = (
        "\ufeffaccount,amount,invoice,reference,date,key\r\n"
        'ACC1,11.89,INV-2026-0000001,"Rechnung, März",2026-04-03,\r\n'
        "ACC2, 20.00 ,,,,bank-4711\r\n"
    ).encode()
    first, second = read_payment_file(data)
    assert (first.line, first.payment.account, first.payment.amount) == (
        2,
        "ACC1",
        Decimal("11.89"),
    )
    assert (first.payment.invoice, first.payment.reference) == (
        "INV-2026-0000001",
        "Rechnung, März",
    )
    assert first.payment.received_on == dt.date(2026, 4, 3)
    assert str(first.payment.idempotency_key).startswith("file:")
    assert str(first.payment.idempotency_key).endswith(":2")
    assert (second.payment.amount, second.payment.received_on) == (Decimal("20.00"), None)
    assert (second.payment.invoice, second.payment.idempotency_key) == (None, "bank-4711")
    assert read_payment_file(data)[0].payment == first.payment
    other = read_payment_file(data + b"ACC3,1.00\r\n")[0].payment
    assert other.idempotency_key != first.payment.idempotency_key


def test_every_bad_line_and_column_is_named() -> None:
    with pytest.raises(ValidationError) as refused:
        read_payment_file(b"account,amount\n,1\nACC1,1,00\nACC2,1.00\nACC3,x\n")
    assert [str(e) for e in refused.value.errors] == [
        "line 2: account: is required",
        "line 3: has more fields than the header (a decimal comma? write 1.50)",
        "line 5: amount: must be a decimal number",
    ]
    with pytest.raises(ValidationError, match=r"no column 'amount'.*'sum' is not one of"):
        read_payment_file(b"account,sum\nACC1,1\n")
    with pytest.raises(ValidationError, match="date: must be an ISO date"):
        read_payment_file(b"account,amount,date\nACC1,1,3.4.2026\n")
