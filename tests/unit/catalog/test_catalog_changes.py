"""What a load adds: new versions are appended, stored versions and coupons never change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tarifa.catalog.changes import changes
from tarifa.catalog.model import Catalog
from tarifa.catalog.rules import read_catalog
from tarifa.errors import ValidationError

MOBILE = Path(__file__).resolve().parents[3] / "examples" / "catalog" / "mobile.yaml"

BASE = """
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
coupons:
  - {code: C, name: Ten off, percentage: "10"}
"""
LATER = """
      - effective_from: 2026-06-01
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {code: fee, kind: recurring, product: line, pricing: {model: flat, amount: "12"}}
"""


def test_everything_is_new_in_an_empty_catalog() -> None:
    found = changes(Catalog(), read_catalog(MOBILE))
    assert found.summary()["plans"] == ["mobile-s", "mobile-business", "roaming-eu", "phone-x-24"]
    assert found.summary()["versions"][:2] == ["mobile-s@1", "mobile-s@2"]
    assert found.summary()["coupons"] == ["WELCOME10", "DATA5"]


def test_the_same_catalog_again_changes_nothing() -> None:
    catalog = read_catalog(MOBILE)
    assert changes(catalog, read_catalog(MOBILE)).empty


def test_the_same_amount_written_differently_is_the_same_version() -> None:
    stored = read_catalog(BASE)
    assert changes(stored, read_catalog(BASE.replace('amount: "10"', 'amount: "10.00"'))).empty


def test_a_later_version_is_appended_with_the_next_number() -> None:
    stored = read_catalog(BASE)
    text = BASE.replace("coupons:", LATER.lstrip("\n") + "coupons:")
    found = changes(stored, read_catalog(text))
    assert found.summary()["versions"] == ["p@2"]


def test_a_file_that_leaves_old_versions_out_still_appends_new_ones() -> None:
    stored = read_catalog(BASE)
    only_later = BASE.split("      - effective_from")[0] + LATER.lstrip("\n")
    found = changes(stored, read_catalog(only_later))
    assert found.summary()["versions"] == ["p@2"]
    assert found.new_coupons == ()


def test_changing_a_stored_version_is_refused_with_its_path() -> None:
    stored = read_catalog(BASE)
    with pytest.raises(ValidationError) as caught:
        changes(stored, read_catalog(BASE.replace('amount: "10"', 'amount: "11"')))
    (error,) = caught.value.errors
    assert error.field == "plans[0].versions[0]"
    assert "never changes" in error.reason


def test_a_new_version_dated_before_a_stored_one_is_refused() -> None:
    stored = read_catalog(BASE.replace("coupons:", LATER.lstrip("\n") + "coupons:"))
    earlier = LATER.replace("2026-06-01", "2026-03-01")
    text = BASE.split("      - effective_from")[0] + earlier.lstrip("\n")
    with pytest.raises(ValidationError) as caught:
        changes(stored, read_catalog(text))
    assert caught.value.errors[0].field == "plans[0].versions[0].effective_from"


def test_a_coupon_never_changes_but_a_product_may_be_renamed() -> None:
    stored = read_catalog(BASE)
    renamed = changes(stored, read_catalog(BASE.replace("name: Line", "name: Mobile line")))
    assert renamed.summary()["products_renamed"] == ["line"]
    with pytest.raises(ValidationError) as caught:
        changes(stored, read_catalog(BASE.replace('percentage: "10"', 'percentage: "20"')))
    assert caught.value.errors[0].field == "coupons[0]"


def test_a_product_keeps_its_service_type() -> None:
    stored = read_catalog(BASE)
    with pytest.raises(ValidationError) as caught:
        changes(stored, read_catalog(BASE.replace("service: recurring", "service: other")))
    assert caught.value.errors[0].field == "products[0].service"
