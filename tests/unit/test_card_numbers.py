"""Card numbers are recognised wherever they are typed (the published test cards of Stripe and
Braintree, tests/fixtures/payments), and other long numbers are not taken for cards."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tarifa.payments.cards import contains_card_number, is_card_number, luhn_valid

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payments"
CARDS = [
    (row["number"], row["luhn_valid"] == "true")
    for name in ("stripe_test_cards_transcribed.csv", "braintree_test_cards_transcribed.csv")
    for row in csv.DictReader((FIXTURES / name).open(encoding="utf-8"))
]


@pytest.mark.parametrize(("number", "valid"), CARDS)
def test_every_published_test_card_is_recognised_and_a_bad_check_digit_is_not(
    number: str, valid: bool
) -> None:
    assert is_card_number(number) is valid
    assert contains_card_number(f"paid with {number[:4]} {number[4:8]} {number[8:]}") is valid


def test_a_card_number_is_found_inside_free_text_with_its_groups_and_expiry() -> None:
    assert contains_card_number("card: 4242-4242-4242-4242, exp 12/30")
    assert contains_card_number("4242 4242 4242 4242 12 30")
    assert contains_card_number("ref 378282246310005")


def test_numbers_of_other_industries_and_short_numbers_are_not_cards() -> None:
    iccid = "8949226000001234567"  # a SIM card: telecom prefix 89
    assert luhn_valid("79927398713")
    assert not contains_card_number(f"SIM {iccid}")
    assert not contains_card_number("+49 30 901820")  # a phone number
    assert not contains_card_number("RF94INV2026000001")
    assert not contains_card_number("INV-2026-000001")
    assert not contains_card_number("DE89 3704 0044 0532 0130 00")  # an IBAN
