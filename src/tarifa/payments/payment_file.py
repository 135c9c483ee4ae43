"""A file of payments received, one a line (`tarifa payments receive --file`): CSV with a
header naming its columns, UTF-8.

    account,amount,invoice,reference,date,key
    ACC000001,11.89,INV-2026-0000001,Rechnung März,2026-04-03,
    ACC000002,20.00,,,2026-04-03,bank-4711

`account` (the external id) and `amount` are required; `invoice` (number or RF reference),
`reference`, `date` (ISO, default today), `key` and `kind` (default bank_transfer) may be
left out or empty. A line without a key is keyed by the file's SHA-256 and its line number,
so the same file imported again pays nothing twice. Pure: it reads bytes and returns the
payments, or a ValidationError naming every bad line.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tarifa.errors import FieldError, ValidationError
from tarifa.payments.batch import PaymentIn

REQUIRED = ("account", "amount")
OPTIONAL = ("invoice", "reference", "date", "key", "kind")


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentLine:
    line: int
    payment: PaymentIn


def read_payment_file(data: bytes) -> list[PaymentLine]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError.single("file", "is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or ()]
    problems = [FieldError("header", f"has no column {c!r}") for c in REQUIRED if c not in columns]
    problems += [
        FieldError("header", f"column {c!r} is not one of {', '.join(REQUIRED + OPTIONAL)}")
        for c in columns
        if c not in REQUIRED + OPTIONAL
    ]
    if problems:
        raise ValidationError(problems)
    digest = hashlib.sha256(data).hexdigest()
    lines = []
    for row in reader:
        if None in row:
            # "1,50" unquoted: the amount would be read as 1.
            reason = "has more fields than the header (a decimal comma? write 1.50)"
            problems.append(FieldError(f"line {reader.line_num}", reason))
            continue
        values = {k.strip(): (v or "").strip() for k, v in row.items()}
        try:
            lines.append(_line(reader.line_num, values, digest))
        except ValidationError as err:
            problems += err.errors
    if problems:
        raise ValidationError(problems)
    return lines


def _line(number: int, values: dict[str, str], digest: str) -> PaymentLine:
    where = f"line {number}"
    problems = []
    if not values.get("account"):
        problems.append(FieldError(f"{where}: account", "is required"))
    try:
        amount = Decimal(values.get("amount", ""))
    except InvalidOperation:
        problems.append(FieldError(f"{where}: amount", "must be a decimal number"))
    received_on = None
    if values.get("date"):
        try:
            received_on = dt.date.fromisoformat(values["date"])
        except ValueError:
            problems.append(FieldError(f"{where}: date", "must be an ISO date (2026-04-03)"))
    if problems:
        raise ValidationError(problems)
    payment = PaymentIn(
        account=values["account"],
        amount=amount,
        invoice=values.get("invoice") or None,
        reference=values.get("reference") or None,
        received_on=received_on,
        kind=values.get("kind") or "bank_transfer",
        idempotency_key=values.get("key") or f"file:{digest}:{number}",
    )
    return PaymentLine(line=number, payment=payment)


__all__ = ["OPTIONAL", "REQUIRED", "PaymentLine", "read_payment_file"]
