"""Payment methods: cards as gateway tokens (never numbers), SEPA mandates checked with
schwifty, bank transfer; one default per account; revoked, never deleted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tarifa.errors import ConflictError, ValidationError
from tarifa.facade import Billing

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 12, 5)
CARD = {
    "kind": "card",
    "gateway": "sandbox",
    "token": "pm_card_visa",
    "brand": "visa",
    "last4": "4242",
    "exp_month": 12,
    "exp_year": 2030,
}
MANDATE = {
    "kind": "sepa_debit",
    "iban": "DE89 3704 0044 0532 0130 00",
    "mandate_id": "ACME-M-0001",
    "mandate_signed_on": "2026-11-02",
}


@pytest.fixture
def account(billing: Billing) -> str:
    billing.customers.create(
        {
            "external_id": "PM",
            "kind": "person",
            "legal_name": "Paula Meyer",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    return "PM"


def test_a_card_is_kept_as_a_token_with_brand_last_four_and_expiry(
    billing: Billing, account: str
) -> None:
    card = billing.payment_methods.add(account, CARD, today=TODAY)
    assert (card.kind, card.token, card.is_default) == ("card", "pm_card_visa", True)
    assert card.display == "visa •••• 4242 (12/2030)"
    with billing.db.transaction() as conn:
        row = conn.execute("SELECT * FROM payment_methods WHERE id = %s", (card.id,)).fetchone()
    assert row is not None
    assert "4242424242424242" not in " ".join(str(v) for v in row.values())


def test_a_card_number_is_refused_in_every_field_and_nothing_is_stored(
    billing: Billing, account: str
) -> None:
    raw = CARD | {"token": "4242424242424242", "label": "my card 4000 0566 5566 5556"}
    with pytest.raises(ValidationError) as refused:
        billing.payment_methods.add(account, raw, today=TODAY)
    assert {e.field for e in refused.value.errors} >= {"token", "label"}
    assert all("card number" in e.reason for e in refused.value.errors if e.field == "label")
    assert billing.payment_methods.of_account(account) == []


def test_every_problem_of_a_method_is_reported_with_its_field(
    billing: Billing, account: str
) -> None:
    raw = CARD | {"brand": "bitcoin", "last4": "42", "exp_month": 13, "colour": "red"}
    with pytest.raises(ValidationError) as refused:
        billing.payment_methods.add(account, raw, today=TODAY)
    assert {e.field for e in refused.value.errors} == {"brand", "last4", "exp_month", "colour"}
    with pytest.raises(ValidationError, match="expired in 11/2026"):
        billing.payment_methods.add(
            account, CARD | {"exp_month": 11, "exp_year": 2026}, today=TODAY
        )


def test_a_sepa_mandate_is_checked_and_starts_with_the_first_sequence(
    billing: Billing, account: str
) -> None:
    mandate = billing.payment_methods.add(account, MANDATE, today=TODAY)
    assert (mandate.iban, mandate.bic, mandate.sequence) == (
        "DE89370400440532013000",
        "COBADEFFXXX",  # derived from the German bank code by schwifty
        "FRST",
    )
    with pytest.raises(ValidationError) as refused:
        billing.payment_methods.add(
            account,
            MANDATE | {"iban": "DE89 3704 0044 0532 0130 01", "mandate_signed_on": "2027-01-01",
                       "mandate_id": "Ä" * 40},
            today=TODAY,
        )  # fmt: skip
    assert {e.field for e in refused.value.errors} == {"iban", "mandate_signed_on", "mandate_id"}
    with pytest.raises(ConflictError):
        billing.payment_methods.add(account, MANDATE, today=TODAY)


def test_one_default_per_account_and_revoked_methods_stay(billing: Billing, account: str) -> None:
    card = billing.payment_methods.add(account, CARD, today=TODAY)
    transfer = billing.payment_methods.add(
        account, {"kind": "bank_transfer", "default": True}, today=TODAY
    )
    assert billing.payment_methods.default_of(account) == transfer
    assert billing.payment_methods.make_default(card.id).is_default
    assert [m.is_default for m in billing.payment_methods.of_account(account)] == [True, False]
    revoked = billing.payment_methods.revoke(card.id)
    assert (revoked.status, revoked.is_default) == ("revoked", False)
    assert billing.payment_methods.revoke(card.id) == revoked
    assert len(billing.payment_methods.of_account(account)) == 2
    with pytest.raises(ConflictError):
        billing.payment_methods.make_default(card.id)


def test_a_payment_reference_or_credit_reason_holding_a_card_number_is_refused(
    billing: Billing,
) -> None:
    billing.catalog.load(ROOT / "examples" / "catalog" / "mobile.yaml")
    billing.sellers.add(
        yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
    )
    billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
    billing.customers.create(
        {
            "external_id": "REF",
            "kind": "person",
            "legal_name": "Rolf Eff",
            "country": "DE",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "billing_cycle_day": 1,
            "locale": "de-DE",
        }
    )
    billing.subscriptions.create("REF", "mobile-s", dt.date(2026, 3, 1))
    (draft,) = billing.invoices.bill("REF", on=dt.date(2026, 3, 1))
    invoice = billing.invoices.finalize(draft.id, issue_date=dt.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="card number"):
        billing.invoices.allocate(invoice.id, Decimal("1.00"), reference="card 4242424242424242")
    with pytest.raises(ValidationError, match="card number"):
        billing.invoices.credit(invoice.id, reason="refund to 5555 5555 5555 4444")
