"""Customer validation: pure, every problem at once, each with its field and reason."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarifa.customers import (
    CustomerKind,
    IdentifierKind,
    normalize_identifier,
    validate_customer,
    validate_identifier,
)
from tarifa.customers.checks import e164
from tarifa.customers.phones import canonical_e164
from tarifa.errors import ValidationError

# Known-valid published VAT numbers (each passes its country's check-digit algorithm):
# DE136695976 is the German tax office's documentation example; ATU13585627, BE0776091951,
# FR40303265045 and IT00743110157 are the examples from python-stdnum's own test suite; and
# EL094259216 is a Greek number in the EL form the VIES service uses.
GOOD_VAT = {
    "DE": "DE136695976",
    "AT": "ATU13585627",
    "BE": "BE0776091951",
    "FR": "FR40303265045",
    "IT": "IT00743110157",
    "GR": "EL094259216",
}


def raw(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "external_id": "CRM-1",
        "kind": "business",
        "legal_name": "Nordwind Telecom GmbH",
        "emails": "billing@nordwind.example",
        "country": "DE",
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "billing_cycle_day": "1",
        "locale": "de-DE",
    }
    record.update(overrides)
    return record


def problems(record: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        validate_customer(record)
    return {error.field: error.reason for error in caught.value.errors}


def test_a_valid_record_becomes_a_typed_draft_with_defaults() -> None:
    draft = validate_customer(raw())
    assert draft.kind is CustomerKind.BUSINESS
    assert draft.billing_cycle_day == 1
    assert draft.payment_terms_days == 30  # the default terms
    assert draft.emails == ("billing@nordwind.example",)
    assert draft.country == "DE"


def test_a_record_with_three_problems_reports_all_three_with_their_fields() -> None:
    found = problems(raw(currency="EURO", time_zone="Europe/Hamburg", billing_cycle_day="32"))
    assert set(found) == {"currency", "time_zone", "billing_cycle_day"}
    assert found["billing_cycle_day"] == "must be between 1 and 31"


def test_required_fields_are_named_when_missing() -> None:
    found = problems({"kind": "person"})
    assert set(found) == {"external_id", "legal_name", "country", "currency", "time_zone",
                          "billing_cycle_day", "locale"}  # fmt: skip
    assert set(found.values()) == {"required"}


def test_input_is_trimmed_and_normalized() -> None:
    draft = validate_customer(raw(
        external_id="  CRM-1 ", kind="Business", country="de", currency="eur",
        time_zone="europe/berlin", locale="de_de",
        emails="Billing@Nordwind.EXAMPLE; ops@nordwind.example, billing@nordwind.example",
    ))  # fmt: skip
    assert draft.external_id == "CRM-1"
    assert (draft.country, draft.currency, draft.time_zone, draft.locale) == (
        "DE", "EUR", "Europe/Berlin", "de-DE")  # fmt: skip
    # domains are case-insensitive, local parts are kept; duplicates collapse
    assert draft.emails == ("Billing@nordwind.example", "ops@nordwind.example")


@pytest.mark.parametrize("value", [29.0, 1.5])
def test_floats_are_refused_everywhere(value: float) -> None:
    found = problems(raw(billing_cycle_day=value, payment_terms_days=value, currency=value))
    assert set(found) == {"billing_cycle_day", "payment_terms_days", "currency"}
    assert all("float" in reason for reason in found.values())


def test_whole_numbers_come_as_int_or_digits_only() -> None:
    assert validate_customer(raw(billing_cycle_day=31)).billing_cycle_day == 31
    assert problems(raw(billing_cycle_day="31.0")) == {
        "billing_cycle_day": "must be a whole number"
    }
    assert "billing_cycle_day" in problems(raw(billing_cycle_day=True))
    assert "payment_terms_days" in problems(raw(payment_terms_days=Decimal("30")))
    assert "payment_terms_days" in problems(raw(payment_terms_days="366"))


def test_unknown_fields_are_reported_rather_than_ignored() -> None:
    assert problems(raw(billing_cyle_day="3")) == {"billing_cyle_day": "unknown field"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("emails", "billing@nordwind"),
        ("emails", "two words@example.com"),
        ("country", "XX"),
        ("country", "DEU"),
        ("currency", "1.5"),
        ("currency", "XAU"),  # gold has no minor unit: nothing to bill in
        ("time_zone", "CET+1"),
        ("locale", "xx-DE"),
        ("locale", "de-XX"),
        ("locale", "german"),
        ("kind", "company"),
        ("status", "closed"),  # an account is closed through close(), not an edit
        ("legal_name", "A" * 201),
        ("legal_name", "Tab\tInside"),
    ],
)
def test_each_malformed_value_is_refused_with_its_field(field: str, value: str) -> None:
    assert field in problems(raw(**{field: value}))


@pytest.mark.parametrize("country", sorted(GOOD_VAT))
def test_a_published_eu_vat_number_is_accepted(country: str) -> None:
    draft = validate_customer(raw(country=country, tax_id=GOOD_VAT[country]))
    assert draft.tax_id == GOOD_VAT[country]


def test_a_vat_number_one_digit_off_is_refused() -> None:
    found = problems(raw(tax_id="DE136695977"))
    assert found == {"tax_id": "not a valid DE VAT number (format or check digits)"}


def test_a_vat_number_of_another_country_is_refused() -> None:
    found = problems(raw(country="DE", tax_id=GOOD_VAT["FR"]))
    assert found == {"tax_id": "VAT prefix FR does not match country DE: expected DE"}


def test_greek_vat_numbers_take_the_prefix_el_not_gr() -> None:
    assert "prefix EL" in problems(raw(country="GR", tax_id="GR094259216"))["tax_id"]


def test_a_vat_number_without_prefix_gets_the_country_prefix() -> None:
    assert validate_customer(raw(tax_id="136 695 976")).tax_id == "DE136695976"


def test_outside_the_eu_the_tax_id_is_free_text_and_persons_may_have_none() -> None:
    swiss = validate_customer(raw(country="CH", currency="CHF", tax_id="CHE-123.456.789 MWST"))
    assert swiss.tax_id == "CHE-123.456.789 MWST"
    person = validate_customer(raw(kind="person", legal_name="Anna Schmidt"))
    assert person.tax_id is None


def test_a_parent_is_named_once_and_never_itself() -> None:
    assert "parent_id" in problems(raw(parent_id=3, parent_external_id="GROUP"))
    assert problems(raw(parent_external_id="CRM-1")) == {
        "parent_external_id": "an account cannot be its own parent"}  # fmt: skip


# -- usage identifiers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+49 30 901820", "+4930901820"),  # Berlin, written with spaces
        ("+49 (0)30 901820", "+4930901820"),  # the national trunk 0 is dropped
        ("+1 212-555-0123", "+12125550123"),
        ("+39 06 6988 4857", "+390669884857"),  # Italy keeps its leading zero
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_normalized_to_e164(text: str, expected: str) -> None:
    assert normalize_identifier("e164", text) == (IdentifierKind.E164, expected)


@pytest.mark.parametrize("text", ["030 901820", "+4930", "+999 123456", "+49 30 901820 ext. 5"])
def test_numbers_without_country_code_or_invalid_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_identifier("e164", text)
    assert caught.value.errors[0].field == "value"


def test_sip_users_are_lowercased_and_lose_the_scheme() -> None:
    assert normalize_identifier("sip", "sip:Alice@PBX.Example.com")[1] == "alice@pbx.example.com"
    assert normalize_identifier("sip", "Bob")[1] == "bob"


def test_account_codes_are_kept_as_given_but_trimmed() -> None:
    assert normalize_identifier("account_code", "  Sales Dept 7 ")[1] == "Sales Dept 7"


def test_a_validity_period_needs_aware_times_in_order() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        validate_identifier("e164", "+4930901820", start, start)
    assert [e.field for e in caught.value.errors] == ["valid_to"]
    with pytest.raises(ValidationError) as caught:
        validate_identifier("fax", "+4930901820", datetime(2024, 1, 1))  # noqa: DTZ001
    assert [e.field for e in caught.value.errors] == ["kind", "valid_from"]


def test_the_e164_fast_path_agrees_with_phonenumbers_on_every_example_number() -> None:
    # The library's own example numbers, one per region and number type.
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for number_type in (phonenumbers.PhoneNumberType.FIXED_LINE,
                            phonenumbers.PhoneNumberType.MOBILE,
                            phonenumbers.PhoneNumberType.TOLL_FREE):  # fmt: skip
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            text = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            fast = canonical_e164(text)
            assert fast is None or fast == _slow_e164(text), text
            checked += fast is not None
    assert checked > 500  # the fast path answers for nearly all of them


@given(st.integers(min_value=1, max_value=999), st.text("0123456789", min_size=4, max_size=13))
def test_the_e164_fast_path_never_disagrees_with_phonenumbers(code: int, digits: str) -> None:
    text = f"+{code}{digits}"
    fast = canonical_e164(text)
    if fast is not None:
        assert fast == _slow_e164(text)


def test_demo_numbers_take_the_fast_path() -> None:
    rng = random.Random(7)
    numbers = [f"+4930{rng.randint(1_000_000, 9_999_999)}" for _ in range(50)]
    assert all(canonical_e164(n) == e164(n)[0] for n in numbers)


def _slow_e164(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
