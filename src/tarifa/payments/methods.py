"""Payment methods as values, checked (DOMAIN.md "Payments"; pure: no I/O, no clock).

- **card**: the gateway's token (``pm_card_visa``), the brand, the last four digits and the
  expiry, shown to people; the number itself never enters tarifa. A card that has expired is
  refused.
- **sepa_debit**: a SEPA direct-debit mandate: the debtor's IBAN (and BIC) checked with
  schwifty, the mandate reference (1-35 characters of the SEPA set), the date it was signed
  (not in the future) and the sequence, ``FRST`` until the first collection, then ``RCUR``.
- **bank_transfer**: the customer pays by transfer quoting the invoice's RF reference.

Every free-text field refuses a value holding a card number (:mod:`tarifa.payments.cards`).
Every problem is reported at once, with its field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from tarifa.errors import FieldError, ValidationError
from tarifa.payments.cards import contains_card_number


class MethodKind(StrEnum):
    CARD = "card"
    SEPA_DEBIT = "sepa_debit"
    BANK_TRANSFER = "bank_transfer"


BRANDS = frozenset(
    {"visa", "mastercard", "amex", "discover", "diners", "jcb", "unionpay", "maestro",
     "cartes_bancaires", "other"}
)  # fmt: skip
_TOKEN = re.compile(r"^[A-Za-z0-9_\-.:]{3,255}$")
# The SEPA character set for references (EPC: a-z A-Z 0-9 / - ? : ( ) . , ' + space).
_MANDATE = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")
_TEXT_FIELDS = ("gateway", "token", "brand", "mandate_id", "bic", "label")
_FIELDS = frozenset(
    {"kind", "gateway", "token", "brand", "last4", "exp_month", "exp_year", "iban", "bic",
     "mandate_id", "mandate_signed_on", "sequence", "label", "default"}
)  # fmt: skip
CARD_NUMBER_REASON = "holds a card number: store the gateway's token, never the number"


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodDraft:
    kind: MethodKind
    is_default: bool = False
    gateway: str | None = None
    token: str | None = None
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    iban: str | None = None
    bic: str | None = None
    mandate_id: str | None = None
    mandate_signed_on: dt.date | None = None
    sequence: str | None = None
    label: str | None = None


def check_method(raw: Mapping[str, Any], *, today: dt.date) -> MethodDraft:
    """The checked method of `raw` (field -> value); ValidationError with every problem."""
    problems: list[FieldError] = [
        FieldError(key, "is not a payment method field") for key in raw if key not in _FIELDS
    ]
    for field in _TEXT_FIELDS:
        value = raw.get(field)
        if isinstance(value, str) and contains_card_number(value):
            problems.append(FieldError(field, CARD_NUMBER_REASON))
    try:
        kind = MethodKind(str(raw.get("kind")))
    except ValueError:
        problems.append(FieldError("kind", "must be card, sepa_debit or bank_transfer"))
        raise ValidationError(problems) from None
    label = _text(raw, "label", problems, limit=100)
    default = raw.get("default", False)
    if not isinstance(default, bool):
        problems.append(FieldError("default", "must be true or false"))
    draft = MethodDraft(kind=kind, is_default=default is True, label=label)
    if kind is MethodKind.CARD:
        draft = _card(raw, draft, today, problems)
    elif kind is MethodKind.SEPA_DEBIT:
        draft = _sepa(raw, draft, today, problems)
    else:
        extra = sorted(k for k in raw if k not in ("kind", "label", "default"))
        problems.extend(FieldError(k, "a bank transfer has no such detail") for k in extra)
    if problems:
        raise ValidationError(problems)
    return draft


def _card(
    raw: Mapping[str, Any], draft: MethodDraft, today: dt.date, problems: list[FieldError]
) -> MethodDraft:
    gateway = _text(raw, "gateway", problems, required=True, limit=40)
    token = _text(raw, "token", problems, required=True, limit=255)
    if token is not None and not _TOKEN.match(token):
        problems.append(FieldError("token", "must be the gateway's token (letters, digits, _-.:)"))
    brand = _text(raw, "brand", problems, required=True, limit=40)
    if brand is not None and brand.lower() not in BRANDS:
        problems.append(FieldError("brand", f"must be one of {', '.join(sorted(BRANDS))}"))
    last4 = raw.get("last4")
    if not (isinstance(last4, str) and len(last4) == 4 and last4.isdigit()):
        problems.append(FieldError("last4", "must be the card's last four digits"))
        last4 = None
    month, year = (
        _int(raw, "exp_month", problems, 1, 12),
        _int(raw, "exp_year", problems, 2000, 2100),
    )
    if month is not None and year is not None and (year, month) < (today.year, today.month):
        problems.append(FieldError("exp_year", f"the card expired in {month:02d}/{year}"))
    return MethodDraft(
        kind=draft.kind,
        is_default=draft.is_default,
        label=draft.label,
        gateway=gateway,
        token=token,
        brand=brand.lower() if brand else None,
        last4=last4,
        exp_month=month,
        exp_year=year,
    )


def _sepa(
    raw: Mapping[str, Any], draft: MethodDraft, today: dt.date, problems: list[FieldError]
) -> MethodDraft:
    iban: str | None = None
    bic: str | None = None
    try:
        checked = IBAN(str(raw.get("iban") or ""))
        iban = checked.compact
        if not checked.in_sepa_zone:
            problems.append(FieldError("iban", f"{checked.country_code} is outside the SEPA zone"))
        derived = checked.bic
        bic = derived.compact if derived is not None else None
    except SchwiftyException as err:
        problems.append(FieldError("iban", f"is not a valid IBAN: {err}"))
    if raw.get("bic"):
        try:
            bic = BIC(str(raw["bic"])).compact
        except SchwiftyException as err:
            problems.append(FieldError("bic", f"is not a valid BIC: {err}"))
    mandate = _text(raw, "mandate_id", problems, required=True, limit=35)
    if mandate is not None and not _MANDATE.match(mandate):
        problems.append(FieldError("mandate_id", "must be 1-35 characters of the SEPA set"))
    signed = raw.get("mandate_signed_on")
    if isinstance(signed, str):
        try:
            signed = dt.date.fromisoformat(signed)
        except ValueError:
            signed = None
    if not isinstance(signed, dt.date):
        problems.append(FieldError("mandate_signed_on", "must be a date (YYYY-MM-DD)"))
        signed = None
    elif signed > today:
        problems.append(FieldError("mandate_signed_on", "must not be in the future"))
    sequence = raw.get("sequence", "FRST")
    if sequence not in ("FRST", "RCUR"):
        problems.append(FieldError("sequence", "must be FRST or RCUR"))
    return MethodDraft(
        kind=draft.kind,
        is_default=draft.is_default,
        label=draft.label,
        iban=iban,
        bic=bic,
        mandate_id=mandate,
        mandate_signed_on=signed,
        sequence=str(sequence),
    )


def _text(
    raw: Mapping[str, Any],
    field: str,
    problems: list[FieldError],
    *,
    required: bool = False,
    limit: int,
) -> str | None:
    value = raw.get(field)
    if value is None or value == "":
        if required:
            problems.append(FieldError(field, "is required"))
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        problems.append(FieldError(field, f"must be text of 1 to {limit} characters"))
        return None
    return value.strip()


def _int(
    raw: Mapping[str, Any], field: str, problems: list[FieldError], low: int, high: int
) -> int | None:
    value = raw.get(field)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        problems.append(FieldError(field, f"must be a whole number from {low} to {high}"))
        return None
    return value


__all__ = ["BRANDS", "CARD_NUMBER_REASON", "MethodDraft", "MethodKind", "check_method"]
