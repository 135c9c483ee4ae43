"""Reading catalog files: the examples are valid, every problem is named with its path."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from tarifa.catalog.document import json_schema
from tarifa.catalog.export import to_document, to_yaml
from tarifa.catalog.model import ChargeKind, Timing, Unit
from tarifa.catalog.rules import load_yaml, read_catalog
from tarifa.errors import ValidationError
from tarifa.pricing import PricingModel

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "catalog").glob("*.yaml"))

MINIMAL = """
products: [{code: line, name: Line, service: recurring}]
plans:
  - code: p
    name: P
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, kind: recurring, product: line, pricing: {model: flat, amount: "10"}}
"""


def problems(text: str) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        read_catalog(text)
    found: dict[str, str] = {}
    for error in caught.value.errors:  # several reasons for one field are joined with " | "
        found[error.field] = " | ".join(filter(None, (found.get(error.field), error.reason)))
    return found


def test_the_example_catalogs_are_valid_and_cover_every_pricing_model() -> None:
    assert [p.name for p in EXAMPLES] == ["fibre.yaml", "mobile.yaml", "streaming.yaml"]
    models = set()
    for path in EXAMPLES:
        catalog = read_catalog(path)
        for plan in catalog.plans:
            for version in plan.versions:
                for charge in version.charges:
                    models.update(p.spec.model for p in charge.prices)
    assert models == set(PricingModel)


def test_a_minimal_file_reads_with_its_defaults() -> None:
    catalog = read_catalog(MINIMAL)
    version = catalog.plan("p").versions[0]
    assert version.effective_from == date(2026, 1, 1)
    (fee,) = version.charges
    assert fee.kind is ChargeKind.RECURRING
    assert fee.timing is Timing.IN_ADVANCE
    assert fee.name == "fee"
    assert fee.price_in("EUR").model is PricingModel.FLAT


def test_an_unquoted_decimal_is_refused_as_a_binary_float() -> None:
    found = problems(MINIMAL.replace('amount: "10"', "amount: 10.5"))
    assert list(found) == ["plans[0].versions[0].charges[0].pricing.amount"]
    assert "binary float" in found["plans[0].versions[0].charges[0].pricing.amount"]


def test_every_problem_of_a_file_is_reported_with_its_path() -> None:
    text = """
products:
  - {code: line, name: Line, service: recurring}
  - {code: line, name: Again, service: phone}
plans:
  - code: p
    name: P
    versions:
      - effective_from: 2026-01-01
        currencies: [EUR, USD]
        billing_period: fortnightly
        charges:
          - {code: fee, kind: recurring, product: line, colour: red,
             pricing: {model: flat, amount: "10"}}
"""
    found = problems(text)
    assert found == {
        "products[1].service": found["products[1].service"],
        "plans[0].versions[0].billing_period": found["plans[0].versions[0].billing_period"],
        "plans[0].versions[0].charges[0].colour": "unknown field",
    }
    assert "voice" in found["products[1].service"]


def test_meaning_errors_are_all_reported_once_the_shape_is_right() -> None:
    text = """
products: [{code: line, name: Line, service: recurring}, {code: line, name: L, service: data}]
plans:
  - code: p
    name: P
    versions:
      - effective_from: 2026-02-01
        currencies: [EUR, USD]
        billing_period: monthly
        charges:
          - {code: fee, kind: recurring, product: nowhere, pricing: {model: flat, amount: "10"}}
          - {code: calls, kind: usage, product: line, metric: minutes,
             prices: {EUR: {model: graduated, tiers: [{up_to: "20", unit_price: "1"},
                                                      {up_to: "10", unit_price: "2"}]}}}
      - effective_from: 2026-01-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, kind: one_time, product: line, timing: in_advance,
             pricing: {model: percentage, rate: "2"}}
coupons:
  - {code: C, name: C, percentage: "120", amount: {EUR: "5"}, duration: repeating,
     scope: plan, target: nope}
"""
    found = problems(text)
    at = "plans[0].versions[0]"
    assert "defined twice" in found["products[1].code"]
    assert "several currencies" in found[f"{at}.charges[0].pricing"]
    assert "no product 'nowhere'" in found[f"{at}.charges[0].product"]
    assert found[f"{at}.charges[1].unit"] == "required for a usage charge with a pricing"
    assert "no price in USD" in found[f"{at}.charges[1].prices"]
    assert any(f.startswith(f"{at}.charges[1].prices.EUR.tiers[1]") for f in found)
    assert "later than the one before" in found["plans[0].versions[1].effective_from"]
    at1 = "plans[0].versions[1].charges[0]"
    assert "without timing" in found[f"{at1}.timing"]
    assert "not over transactions" in found[f"{at1}.pricing"]
    assert "exactly one" in found["coupons[0].percentage"]
    assert "at most 100" in found["coupons[0].percentage"]
    assert "required" in found["coupons[0].periods"]
    assert "no plan 'nope'" in found["coupons[0].target"]


def test_a_key_given_twice_is_refused_instead_of_silently_overwritten() -> None:
    found = problems(MINIMAL.replace("name: P\n", "name: P\n    name: Q\n"))
    assert "given twice" in found["file"]


def test_broken_yaml_names_the_line() -> None:
    found = problems("plans: [\n  {code: x\n")
    assert "not valid YAML at line" in found["file"]


def test_percentage_charges_price_amounts_and_others_do_not() -> None:
    text = (
        MINIMAL
        + """
          - {code: fees, kind: usage, product: line, metric: sales, unit: events,
             pricing: {model: percentage, rate: "1.2"}}
          - {code: calls, kind: usage, product: line, metric: minutes, unit: amount,
             pricing: {model: per_unit, unit_price: "0.1"}}
"""
    )
    found = problems(text)
    assert "unit is amount" in found["plans[0].versions[0].charges[1].unit"]
    assert "percentage models only" in found["plans[0].versions[0].charges[2].unit"]


def test_an_export_reads_back_to_the_same_catalog() -> None:
    for path in EXAMPLES:
        catalog = read_catalog(path)
        again = read_catalog(to_yaml(catalog))
        assert again == catalog, path.name


def test_money_in_an_export_is_written_as_strings() -> None:
    document = to_document(read_catalog(ROOT / "examples" / "catalog" / "mobile.yaml"))
    fee = document["plans"][0]["versions"][0]["charges"][0]
    assert fee["pricing"] == {"model": "flat", "amount": "9.99"}


def test_units_count_decimal_megabytes_unless_the_charge_says_mebibytes() -> None:
    assert Unit.MB.base == ("bytes", 10**6)
    assert Unit.GB.base == ("bytes", 10**9)
    assert Unit.MIB.base == ("bytes", 2**20)
    assert Unit.MINUTES.base == ("seconds", 60)


def test_the_shipped_json_schema_is_the_one_the_models_generate() -> None:
    shipped = ROOT / "src" / "tarifa" / "catalog" / "catalog.schema.json"
    assert json.loads(shipped.read_text()) == json_schema()


def test_allowance_quantities_are_exact_decimals() -> None:
    catalog = read_catalog(ROOT / "examples" / "catalog" / "mobile.yaml")
    minutes = catalog.plan("mobile-s").versions[0].charge("minutes")
    assert minutes.allowance is not None
    assert minutes.allowance.quantity == Decimal("200")


def _as_json(value: object) -> object:
    """What a JSON or YAML-to-JSON tool sees: YAML dates become ISO strings."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def test_the_example_catalogs_validate_against_the_shipped_json_schema() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in EXAMPLES:
        document = _as_json(load_yaml(path.read_text()))
        assert list(validator.iter_errors(document)) == [], path.name


def test_the_json_schema_refuses_what_the_shape_check_refuses() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    document = _as_json(load_yaml(MINIMAL))
    assert isinstance(document, dict)
    charge = document["plans"][0]["versions"][0]["charges"][0]
    for bad in (
        {"colour": "red"},
        {"kind": "sometimes"},
        {"pricing": {"model": "cheap"}},
        {"pricing": {"model": "flat", "amount": 10.5}},
    ):
        broken = json.loads(json.dumps(document))
        broken["plans"][0]["versions"][0]["charges"][0] = charge | bad
        assert list(validator.iter_errors(broken)), bad
