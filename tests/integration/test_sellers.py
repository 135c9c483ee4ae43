"""Sellers stored and changed with an audit row each; invoice numbers gapless per series,
under concurrency and rollback."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from psycopg.rows import dict_row

from tarifa.errors import ConflictError, NotFoundError
from tarifa.facade import Billing
from tarifa.sellers.service import next_invoice_number

pytestmark = pytest.mark.db

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sellers" / "acme-de.yaml"


def document(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw.update(changes)
    return raw


def test_a_seller_is_stored_normalized_and_reads_back_equal(billing: Billing) -> None:
    added = billing.sellers.add(document())
    assert (added.iban, added.version) == ("DE89370400440532013000", 1)
    assert billing.sellers.get("acme-de") == added
    assert [s.code for s in billing.sellers.list()] == ["acme-de"]
    with pytest.raises(ConflictError):
        billing.sellers.add(document())


def test_a_change_bumps_the_version_and_a_stale_one_is_refused(billing: Billing) -> None:
    added = billing.sellers.add(document())
    changed = billing.sellers.change(document(legal_footer="New footer"), version=1)
    assert (changed.legal_footer, changed.version) == ("New footer", 2)
    with pytest.raises(ConflictError):
        billing.sellers.change(document(legal_footer="Again"), version=1)
    with pytest.raises(NotFoundError):
        billing.sellers.change(document(code="nobody"))
    actions = [e["action"] for e in billing.audit.entries("seller", added.id)]
    assert actions == ["seller.added", "seller.changed"]


def test_numbers_count_per_seller_and_restart_every_year(billing: Billing) -> None:
    de = billing.sellers.add(document())
    vienna = {"line1": "Ring 1", "postal_code": "1010", "city": "Wien", "country": "AT"}
    series = {"pattern": "AT{number}", "width": 3}
    at = billing.sellers.add(document(code="acme-at", vat_id=None, series=series, address=vienna))
    with billing.db.transaction() as conn:
        taken = [
            next_invoice_number(conn, de.id, dt.date(2026, 12, 31)),
            next_invoice_number(conn, de.id, dt.date(2026, 12, 31)),
            next_invoice_number(conn, de.id, dt.date(2027, 1, 1)),
            next_invoice_number(conn, at.id, dt.date(2026, 12, 31)),
            next_invoice_number(conn, at.id, dt.date(2027, 1, 1)),
        ]
    assert taken == [
        (1, "INV-2026-000001"),
        (2, "INV-2026-000002"),
        (1, "INV-2027-000001"),
        (1, "AT001"),
        (2, "AT002"),
    ]


def test_a_rolled_back_finalization_gives_its_number_back(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        seller_id = _add_seller(fresh_db)
        with conn.transaction(force_rollback=True):
            assert next_invoice_number(conn, seller_id, dt.date(2026, 3, 31))[0] == 1
        with conn.transaction():
            assert next_invoice_number(conn, seller_id, dt.date(2026, 3, 31))[0] == 1


def test_finalizations_at_once_take_every_number_once_without_gaps(fresh_db: str) -> None:
    seller_id = _add_seller(fresh_db)
    numbers: list[int] = []
    lock = threading.Lock()

    def finalize_many() -> None:
        with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
            for _ in range(50):
                with conn.transaction():
                    number, _text = next_invoice_number(conn, seller_id, dt.date(2026, 3, 31))
                with lock:
                    numbers.append(number)

    threads = [threading.Thread(target=finalize_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 201))


def _add_seller(url: str) -> int:
    from tarifa.facade import connect

    with connect(url, actor="test:pytest") as billing:
        return billing.sellers.add(document()).id
