"""What a payer's remittance text says about the invoice it pays."""

from __future__ import annotations

from decimal import Decimal

from tarifa.reconciliation.matching import (
    REDACTED,
    clues,
    creditor_references,
    fit,
    invoice_number_candidates,
    redact_card_numbers,
)
from tarifa.sellers.model import creditor_reference


def test_rf_references_are_found_compact_or_in_groups_followed_by_other_words() -> None:
    reference = creditor_reference("INV-2026-000001")
    assert reference == "RF94INV2026000001"
    assert creditor_references("Paul Ay RF94INV2026000001 thanks") == (reference,)
    assert creditor_references("rf94 inv2 0260 0000 1") == (reference,)
    assert creditor_references("RF94 INV2 0260 0000 1 Paul Ay") == (reference,)


def test_an_rf_reference_whose_check_digits_fail_is_ignored() -> None:
    assert creditor_references("RF95INV2026000001") == ()
    assert creditor_references("RF00") == ()
    # Glued to a word, it is not cut inside it (RF95INV202 would pass by chance).
    assert creditor_references("RF95INV2026000001PAUL") == ()


def test_invoice_numbers_are_compared_without_separators_and_short_numbers_are_ignored() -> None:
    assert invoice_number_candidates("Rechnung INV-2026-000001 vom 1.4., 11.89 EUR") == (
        "INV2026000001",
    )
    assert invoice_number_candidates("Rechnung 1001") == ()


def test_the_structured_reference_comes_before_the_text() -> None:
    found = clues("RF18539007547034", "see INV-2026-000002")
    assert found.creditor_references == ("RF18539007547034",)
    assert found.invoice_numbers == ("RF18539007547034", "INV2026000002")


def test_only_the_open_balance_exactly_is_an_exact_fit() -> None:
    assert fit(Decimal("11.89"), Decimal("11.89")) == "exact"
    assert fit(Decimal("11.890"), Decimal("11.89")) == "exact"
    assert fit(Decimal("5.00"), Decimal("11.89")) == "partial"
    assert fit(Decimal("20.00"), Decimal("11.89")) == "partial"


def test_card_numbers_in_a_payers_text_are_removed_and_the_rest_kept() -> None:
    text = "card 4242 4242 4242 4242 exp 12/30 for INV-2026-000001"
    assert redact_card_numbers(text) == f"card {REDACTED} exp 12/30 for INV-2026-000001"
    assert redact_card_numbers("INV-2026-000001 ICCID 8949000000000000001") == (
        "INV-2026-000001 ICCID 8949000000000000001"
    )
