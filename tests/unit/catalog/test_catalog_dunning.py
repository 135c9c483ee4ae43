"""A plan's `dunning` key: its schedule read, checked with the problem's path, exported back,
described by the JSON Schema, and changeable (collection policy, not a price)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tarifa.catalog.changes import changes
from tarifa.catalog.document import json_schema
from tarifa.catalog.dunning import Action, Step
from tarifa.catalog.export import to_document, to_yaml
from tarifa.catalog.rules import load_yaml, read_catalog
from tarifa.errors import ValidationError

PLAN = """
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
WITH_DUNNING = (
    PLAN
    + """    dunning:
      - {day: 5, action: remind}
      - {day: 10, action: retry}
      - {day: 20, action: suspend}
      - {day: 90, action: write_off}
"""
)


def test_a_plan_carries_its_dunning_schedule_and_a_plan_without_one_none() -> None:
    assert read_catalog(PLAN).plan("p").dunning is None
    assert read_catalog(WITH_DUNNING).plan("p").dunning == (
        Step(5, Action.REMIND),
        Step(10, Action.RETRY),
        Step(20, Action.SUSPEND),
        Step(90, Action.WRITE_OFF),
    )


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ("[{day: 5, action: remind}, {day: 5, action: suspend}]", "increasing"),
        ("[{day: 0, action: remind}]", "at least 1"),
        ("[{day: 9, action: write_off}, {day: 20, action: suspend}]", "only be the last step"),
        ("[]", "increasing"),
    ],
)
def test_a_bad_schedule_is_refused_with_its_path(steps: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_catalog(PLAN + f"    dunning: {steps}\n")
    assert [e.field for e in caught.value.errors] == ["plans[0].dunning"]
    assert reason in caught.value.errors[0].reason


def test_an_unknown_action_is_refused_by_the_shape_check() -> None:
    with pytest.raises(ValidationError) as caught:
        read_catalog(PLAN + "    dunning: [{day: 3, action: shout}]\n")
    assert caught.value.errors[0].field == "plans[0].dunning[0].action"


def test_the_schedule_is_exported_and_reads_back_the_same() -> None:
    catalog = read_catalog(WITH_DUNNING)
    assert read_catalog(to_yaml(catalog)) == catalog
    assert to_document(catalog)["plans"][0]["dunning"][-1] == {"day": 90, "action": "write_off"}
    assert "dunning" not in to_document(read_catalog(PLAN))["plans"][0]


def _as_json(text: str) -> object:
    return json.loads(json.dumps(load_yaml(text), default=str))  # dates as ISO text


def test_the_json_schema_describes_the_dunning_key() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    assert list(validator.iter_errors(_as_json(WITH_DUNNING))) == []
    assert list(validator.iter_errors(_as_json(PLAN + "    dunning: [{day: 3}]\n")))
    assert list(validator.iter_errors(_as_json(PLAN + "    dunning: [{day: 3, action: x}]\n")))


def test_a_changed_schedule_is_stored_as_a_change_of_the_plan() -> None:
    found = changes(read_catalog(PLAN), read_catalog(WITH_DUNNING))
    assert [p.code for p in found.described_plans] == ["p"]
    assert found.new_versions == ()
    assert changes(read_catalog(WITH_DUNNING), read_catalog(WITH_DUNNING)).empty
