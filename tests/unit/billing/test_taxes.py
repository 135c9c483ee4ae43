"""Taxes: rates by country and date from the vat-rates.json format, the category rules for
telecom services, and EN 16931 arithmetic. Expected rates are read off the fixture by hand
(tests/fixtures/tax/vat-rates.json, ibericode/vat-rates 2025-08-12)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tarifa.billing.taxes import (
    REVERSE_CHARGE_NOTE,
    TaxCategory,
    TaxedLine,
    TaxParty,
    decide,
    gross_of,
    net_of_gross,
    read_vat_rates,
    tax_totals,
)
from tarifa.errors import ValidationError
from tarifa.money import Money

RATES = read_vat_rates(Path(__file__).resolve().parents[2] / "fixtures" / "tax" / "vat-rates.json")
D = dt.date
S, AE, OUT, E = (TaxCategory(c) for c in ("S", "AE", "O", "E"))


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def test_the_rate_in_force_at_the_tax_point_applies() -> None:
    """Germany cut its standard rate to 16 % from 1 July to 31 December 2020; Estonia raised
    its to 24 % on 1 July 2025; Finland's 25.5 % (from 1 September 2024) is read exactly."""
    assert RATES.rate("DE", D(2020, 6, 30)).percent == 19
    assert RATES.rate("DE", D(2020, 7, 1)).percent == 16
    assert RATES.rate("DE", D(2021, 1, 1)).percent == 19
    assert RATES.rate("EE", D(2025, 6, 30)).percent == 22
    assert RATES.rate("EE", D(2025, 7, 1)).percent == 24
    assert RATES.rate("FI", D(2024, 9, 1)).percent == Decimal("25.5")
    assert RATES.rate("FI", D(2024, 8, 31)).percent == 24
    assert RATES.rate("FR", D(2010, 1, 1), kind="reduced1").percent == Decimal("5.5")


def test_a_postcode_exception_gives_its_territory_rate() -> None:
    assert RATES.rate("PT", D(2026, 3, 31), postcode="9000-001").percent == 22  # Madeira
    assert RATES.rate("PT", D(2026, 3, 31), postcode="1100-148").percent == 23  # Lisbon
    canaries = RATES.rate("ES", D(2026, 3, 31), postcode="35001")
    assert (canaries.percent, canaries.exception) == (0, "Canary Islands")


def test_a_consumer_in_the_eu_pays_the_vat_of_their_own_country() -> None:
    consumer = TaxParty(country="FR", business=False, postcode="75001")
    decision = decide(RATES, seller_country="DE", customer=consumer, tax_point=D(2026, 3, 31))
    assert (decision.category, decision.percent, decision.country) == (S, 20, "FR")


def test_a_business_with_a_valid_vat_id_in_another_eu_country_is_reverse_charged() -> None:
    business = TaxParty(country="NL", business=True, vat_id_valid=True)
    decision = decide(RATES, seller_country="DE", customer=business, tax_point=D(2026, 3, 31))
    assert (decision.category, decision.percent, decision.note) == (AE, 0, REVERSE_CHARGE_NOTE)


def test_a_business_at_home_or_without_a_valid_vat_id_pays_vat() -> None:
    at_home = TaxParty(country="DE", business=True, vat_id_valid=True)
    unchecked = TaxParty(country="NL", business=True, vat_id_valid=False)
    point = D(2026, 3, 31)
    assert decide(RATES, seller_country="DE", customer=at_home, tax_point=point).percent == 19
    decision = decide(RATES, seller_country="DE", customer=unchecked, tax_point=point)
    assert (decision.category, decision.percent) == (S, 21)


def test_a_customer_outside_the_eu_or_its_vat_area_is_not_subject_to_eu_vat() -> None:
    point = D(2026, 3, 31)
    for customer in (
        TaxParty(country="US", business=False),
        TaxParty(country="GB", business=True, vat_id_valid=True),  # in the file, not in the EU
        TaxParty(country="ES", business=False, postcode="38001"),  # Tenerife
        TaxParty(country="DE", business=False, postcode="27498"),  # Heligoland
    ):
        decision = decide(RATES, seller_country="DE", customer=customer, tax_point=point)
        assert (decision.category, decision.percent, decision.country) == (OUT, 0, None), customer


def test_an_exempt_customer_carries_category_e_with_its_reason() -> None:
    charity = TaxParty(country="DE", business=True, exempt_reason="Art. 132(1)(g) 2006/112/EC")
    decision = decide(RATES, seller_country="DE", customer=charity, tax_point=D(2026, 3, 31))
    assert (decision.category, decision.note) == (E, "Art. 132(1)(g) 2006/112/EC")


def test_a_seller_outside_the_eu_is_refused() -> None:
    customer = TaxParty(country="DE", business=False)
    with pytest.raises(ValidationError) as raised:
        decide(RATES, seller_country="US", customer=customer, tax_point=D(2026, 3, 31))
    assert raised.value.errors[0].field == "seller_country"


def test_tax_is_rounded_once_per_category_and_rate_over_the_rounded_line_nets() -> None:
    """Three lines of 0.05 at 19 %: per line 0.0095 would round to 0.01 each (0.03); EN 16931
    taxes the subtotal: 0.15 x 19 % = 0.0285 -> 0.03. Two lines of 10.01 at 7 %: 20.02 x 7 %
    = 1.4014 -> 1.40 (per line 0.7007 -> 0.70 twice, the same here). Totals: net 20.17, tax
    1.43, total 21.60."""
    lines = [TaxedLine(eur("0.05"), S, Decimal(19)) for _ in range(3)]
    lines += [TaxedLine(eur("10.01"), S, Decimal(7)) for _ in range(2)]
    totals = tax_totals(lines, "EUR")
    assert [(s.percent, s.taxable.amount, s.tax.amount) for s in totals.subtotals] == [
        (Decimal(7), Decimal("20.02"), Decimal("1.40")),
        (Decimal(19), Decimal("0.15"), Decimal("0.03")),
    ]
    assert (totals.net.amount, totals.tax.amount, totals.total.amount) == (
        Decimal("20.17"),
        Decimal("1.43"),
        Decimal("21.60"),
    )


def test_rounding_the_subtotal_differs_from_summing_rounded_line_taxes() -> None:
    """Ten lines of 0.10 at 21 %: each line's tax 0.021 rounds to 0.02 (0.20 in all); the
    subtotal's 1.00 x 21 % = 0.21. EN 16931 (BR-CO-17) wants 0.21."""
    totals = tax_totals([TaxedLine(eur("0.10"), S, Decimal(21)) for _ in range(10)], "EUR")
    assert totals.tax.amount == Decimal("0.21")


def test_category_o_never_shares_an_invoice_and_unrounded_nets_are_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        tax_totals(
            [TaxedLine(eur("1.00"), OUT, Decimal(0)), TaxedLine(eur("1.00"), S, Decimal(19))],
            "EUR",
        )
    assert raised.value.errors[0].field == "lines"
    with pytest.raises(ValidationError) as raised:
        tax_totals([TaxedLine(eur("1.005"), S, Decimal(19))], "EUR")
    assert raised.value.errors[0].field == "lines[0].net"


def test_a_rates_file_with_problems_names_each_one() -> None:
    bad_date_and_float = {"effective_from": "2026-13-01", "rates": {"standard": 19.5}}
    with pytest.raises(ValidationError) as raised:
        read_vat_rates({"items": {"DE": [bad_date_and_float], "xx": []}})
    fields = {e.field for e in raised.value.errors}
    assert fields == {"items.DE[0].effective_from", "items.DE[0].rates.standard", "items.xx"}


def test_the_net_of_a_gross_amount_credits_exactly_that_gross_amount() -> None:
    assert net_of_gross(Money.of("5.95", "EUR"), Decimal(19)) == Money.of("5.00", "EUR")
    assert gross_of(Money.of("5.00", "EUR"), Decimal(19)) == Money.of("5.95", "EUR")
    assert net_of_gross(Money.of("4.00", "EUR"), Decimal(0)) == Money.of("4.00", "EUR")


def test_a_gross_amount_no_net_reaches_is_refused_naming_the_nearest_that_are() -> None:
    """At 19 %: 0.02 net totals 0.02, 0.03 net totals 0.04; nothing totals 0.03."""
    with pytest.raises(ValidationError, match=r"0\.03 EUR cannot be credited exactly") as err:
        net_of_gross(Money.of("0.03", "EUR"), Decimal(19))
    assert "0.02 or 0.04 can" in err.value.errors[0].reason
