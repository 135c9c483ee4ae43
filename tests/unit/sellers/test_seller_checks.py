"""What an invoice prints about its seller is checked before it is stored: VAT id, IBAN, BIC,
SEPA creditor id, address, number series; and ISO 11649 creditor references."""

from __future__ import annotations

from typing import Any

import pytest
from stdnum import iso11649

from tarifa.errors import ValidationError
from tarifa.sellers import NumberSeries, check_seller, creditor_id_problem, creditor_reference


def seller(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": "acme-de",
        "legal_name": "ACME Telecom GmbH",
        "address": {
            "line1": "Friedrichstr. 1",
            "postal_code": "10117",
            "city": "Berlin",
            "country": "DE",
        },
        "vat_id": "DE 136 695 976",
        "iban": "DE89 3704 0044 0532 0130 00",
        "bic": "COBADEFFXXX",
        "sepa_creditor_id": "DE98 ZZZ 09999999999",
        "legal_footer": "Amtsgericht Berlin HRB 12345",
    }
    base.update(changes)
    return base


def fields_of(raw: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as raised:
        check_seller(raw)
    return {problem.field for problem in raised.value.errors}


def test_a_good_seller_is_normalized() -> None:
    draft = check_seller(seller())
    assert (draft.vat_id, draft.iban, draft.bic, draft.sepa_creditor_id) == (
        "DE136695976",
        "DE89370400440532013000",
        "COBADEFFXXX",
        "DE98ZZZ09999999999",
    )
    assert draft.series == NumberSeries(pattern="INV-{year}-{number}", width=6)
    assert draft.address.country == "DE"


def test_every_bad_field_is_named() -> None:
    raw = seller(
        code="ACME DE",
        vat_id="DE136695977",  # one check digit off
        iban="DE89370400440532013001",  # checksum off
        bic="COBAXXFF",  # not a country code
        sepa_creditor_id="DE97ZZZ09999999999",  # check digits off
        email="nobody",
        series={"pattern": "INV-{year}", "width": 0},
        colour="blue",
    )
    assert fields_of(raw) == {
        "code",
        "vat_id",
        "iban",
        "bic",
        "sepa_creditor_id",
        "email",
        "series.pattern",
        "series.width",
        "colour",
    }


def test_the_address_must_say_where_the_seller_is() -> None:
    raw = seller(address={"line1": "Friedrichstr. 1", "country": "XX"})
    assert fields_of(raw) == {"address.postal_code", "address.city", "address.country"}
    assert fields_of(seller(address=None)) == {"address"}


def test_a_vat_id_of_another_country_than_the_sellers_is_refused() -> None:
    assert fields_of(seller(vat_id="FR40303265045")) == {"vat_id"}


def test_the_sepa_creditor_id_check_ignores_the_business_code() -> None:
    """EPC: the check digits cover the national id, the country code and "00" (D=13, E=14),
    not the business code: DE98ZZZ09999999999 and DE98ABC09999999999 are both valid."""
    assert creditor_id_problem("DE98ZZZ09999999999") is None
    assert creditor_id_problem("DE98ABC09999999999") is None
    assert creditor_id_problem("DE98ZZZ0999999999") is not None
    assert creditor_id_problem("XX98ZZZ09999999999") == "XX is not a country code"


def test_a_creditor_reference_is_iso_11649_over_the_invoice_numbers_letters_and_digits() -> None:
    """By hand: INV2026000001 + "RF00" as digits (I=18 N=23 V=31 R=27 F=15) mod 97 = 4, so the
    check digits are 98 - 4 = 94."""
    reference = creditor_reference("INV-2026-000001")
    assert reference == "RF94INV2026000001"
    assert iso11649.is_valid(reference)
    with pytest.raises(ValueError, match="21 letters and digits"):
        creditor_reference("INV-2026-0000000000000000001")


def test_a_number_series_formats_its_year_and_zero_padded_number() -> None:
    assert NumberSeries().format(42, 2026) == "INV-2026-000042"
    assert NumberSeries(pattern="B{number}", width=4).format(7, 2026) == "B0007"
    assert not NumberSeries(pattern="B{number}").yearly
