"""Loading catalogs into PostgreSQL: stored as given, read back the same, append-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from tarifa.catalog.export import to_yaml
from tarifa.catalog.rules import read_catalog
from tarifa.errors import NotFoundError, ValidationError
from tarifa.facade import Billing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "catalog"
MOBILE = EXAMPLES / "mobile.yaml"
pytestmark = pytest.mark.db


def test_a_loaded_catalog_reads_back_exactly_as_the_file_says(billing: Billing) -> None:
    report = billing.catalog.load(MOBILE)
    assert report.changed
    assert report.created["versions"] == [
        "mobile-s@1",
        "mobile-s@2",
        "mobile-business@1",
        "roaming-eu@1",
        "phone-x-24@1",
    ]
    assert billing.catalog.current() == read_catalog(MOBILE)


def test_every_example_catalog_loads_and_exports_to_a_file_that_changes_nothing(
    billing: Billing,
) -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        assert billing.catalog.load(path).changed, path.name
    exported = billing.catalog.export()
    again = billing.catalog.load_text(exported, name="export.yaml")
    assert not again.changed
    assert read_catalog(exported) == billing.catalog.current()


def test_loading_the_same_file_twice_creates_nothing_the_second_time(
    billing: Billing, conn: psycopg.Connection[dict[str, object]]
) -> None:
    billing.catalog.load(MOBILE)
    counts = _counts(conn)
    again = billing.catalog.load(MOBILE)
    assert (again.changed, again.load_id, again.created) == (False, None, {})
    assert _counts(conn) == counts


def test_a_load_writes_one_audit_row_with_what_it_created(
    billing: Billing, conn: psycopg.Connection[dict[str, object]]
) -> None:
    report = billing.catalog.load(MOBILE)
    rows = conn.execute(
        "SELECT action, entity_id, data FROM audit_log WHERE action = 'catalog.loaded'"
    ).fetchall()
    assert [(r["action"], r["entity_id"]) for r in rows] == [
        ("catalog.loaded", str(report.load_id))
    ]
    data = rows[0]["data"]
    assert isinstance(data, dict)
    assert data["coupons"] == ["WELCOME10", "DATA5"]


def test_a_changed_version_is_refused_and_nothing_of_the_file_is_stored(
    billing: Billing, conn: psycopg.Connection[dict[str, object]]
) -> None:
    billing.catalog.load(MOBILE)
    counts = _counts(conn)
    text = MOBILE.read_text().replace('amount: "9.99"', 'amount: "8.99"')
    new_plan = (
        "  - {code: new-plan, name: New, versions: [{effective_from: 2026-01-01,"
        " currencies: [EUR], billing_period: monthly, charges: [{code: f, kind: one_time,"
        " product: sim-activation, pricing: {model: flat, amount: '1'}}]}]}\n"
    )
    text = text.replace("plans:\n", "plans:\n" + new_plan, 1)
    with pytest.raises(ValidationError) as caught:
        billing.catalog.load_text(text)
    assert [e.field for e in caught.value.errors] == ["plans[1].versions[0]"]
    assert _counts(conn) == counts


def test_a_new_version_is_appended_and_quotes_follow_the_effective_date(billing: Billing) -> None:
    billing.catalog.load_text(_one_plan("10"))
    billing.catalog.load_text(_one_plan("10") + _version("2026-06-01", "12"))
    plan = billing.catalog.plan("p")
    assert [v.effective_from for v in plan.versions] == [date(2026, 1, 1), date(2026, 6, 1)]
    may = billing.catalog.quote("p", period_start=date(2026, 5, 1))
    june = billing.catalog.quote("p", period_start=date(2026, 6, 1))
    assert (may.version, may.total) == (1, Decimal("10.00"))
    assert (june.version, june.total) == (2, Decimal("12.00"))


def test_the_database_refuses_to_change_a_stored_version(
    billing: Billing, conn: psycopg.Connection[dict[str, object]]
) -> None:
    billing.catalog.load(MOBILE)
    with pytest.raises(psycopg.errors.CheckViolation, match="never change"), conn.transaction():
        conn.execute("UPDATE catalog_charge_prices SET spec = '{}'::jsonb")
    with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
        conn.execute("DELETE FROM catalog_coupons")


def test_a_quote_through_the_service_uses_the_stored_plan_and_coupon(billing: Billing) -> None:
    billing.catalog.load(MOBILE)
    # See tests/unit/catalog/test_quote.py for the arithmetic: 23.49 less 2.35.
    result = billing.catalog.quote(
        "mobile-s",
        usage={"minutes": "350", "sms": 50, "data_mb": "7300"},
        period_start=date(2026, 3, 1),
        coupon="WELCOME10",
    )
    assert result.total == Decimal("21.14")
    with pytest.raises(NotFoundError):
        billing.catalog.quote("no-such-plan")


def test_an_exported_file_is_the_catalog_that_was_loaded(billing: Billing) -> None:
    billing.catalog.load(EXAMPLES / "streaming.yaml")
    assert billing.catalog.export() == to_yaml(read_catalog(EXAMPLES / "streaming.yaml"))


def _counts(conn: psycopg.Connection[dict[str, object]]) -> dict[str, object]:
    tables = (
        "catalog_loads",
        "catalog_products",
        "catalog_plans",
        "catalog_plan_versions",
        "catalog_charges",
        "catalog_charge_prices",
        "catalog_coupons",
        "audit_log",
    )
    return {t: conn.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"] for t in tables}  # type: ignore[index]


def _one_plan(amount: str) -> str:
    return f"""
products: [{{code: line, name: Line, service: recurring}}]
plans:
  - code: p
    name: P
    versions:
{_version("2026-01-01", amount)}"""


def _version(effective_from: str, amount: str) -> str:
    return f"""      - effective_from: {effective_from}
        currencies: [EUR]
        billing_period: monthly
        charges:
          - {{code: fee, kind: recurring, product: line,
             pricing: {{model: flat, amount: "{amount}"}}}}
"""
