"""`tarifa invoices render|render-all|send` in subprocesses, on an invoice finalized through
the Python API."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import facturx
import pytest
import yaml
from aiosmtpd.controller import Controller

from tarifa.facade import connect

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[..., subprocess.CompletedProcess[str]]


class _Inbox:
    def __init__(self) -> None:
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture
def inbox() -> Any:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def tarifa(fresh_db: str, tmp_path: Path, inbox: tuple[_Inbox, int]) -> Run:
    env = os.environ | {
        "TARIFA_DATABASE_URL": fresh_db,
        "TARIFA_HOME": str(tmp_path / "unused"),
        "TARIFA_SMTP_HOST": "127.0.0.1",
        "TARIFA_SMTP_PORT": str(inbox[1]),
        "TARIFA_SMTP_FROM": "billing@acme.example",
    }

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "tarifa", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp_path,
        )
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    return run


def _finalized(url: str) -> int:
    with connect(url, actor="test:pytest") as billing:
        billing.catalog.load(ROOT / "examples" / "catalog" / "fibre.yaml")
        billing.sellers.add(
            yaml.safe_load((ROOT / "examples" / "sellers" / "acme-de.yaml").read_text())
        )
        billing.customers.create(
            {
                "external_id": "ACME",
                "kind": "business",
                "legal_name": "ACME AG",
                "emails": "ap@acme-ag.example",
                "country": "DE",
                "currency": "EUR",
                "time_zone": "Europe/Berlin",
                "billing_cycle_day": 1,
                "locale": "en-GB",
            }
        )
        billing.subscriptions.create("ACME", "fibre-300", dt.date(2026, 3, 1))
        billing.taxes.load(ROOT / "tests" / "fixtures" / "tax" / "vat-rates.json")
        (draft,) = billing.invoices.bill("ACME", on=dt.date(2026, 3, 1))
        return billing.invoices.finalize(draft.id, issue_date=dt.date(2026, 4, 1)).id


def test_an_invoice_is_rendered_in_every_format_and_sent(
    tarifa: Run, fresh_db: str, tmp_path: Path, inbox: tuple[_Inbox, int]
) -> None:
    invoice_id = _finalized(fresh_db)
    tarifa("invoices", "render", "INV-2026-000001", "--format", "facturx", "-o", "inv.pdf")
    _name, xml = facturx.get_xml_from_pdf(
        io.BytesIO((tmp_path / "inv.pdf").read_bytes()), check_xsd=True
    )
    assert b"<ram:ID>INV-2026-000001</ram:ID>" in xml
    written = json.loads(
        tarifa(
            "invoices", "render-all", "--account", "ACME", "--format", "pdf",
            "--format", "csv", "-o", "out", "--json",
        ).stdout
    )  # fmt: skip
    assert [Path(p).name for p in written] == ["INV-2026-000001.pdf", "INV-2026-000001.csv"]
    by_id = tarifa("invoices", "render-all", "--id", str(invoice_id), "-o", "out2")
    assert "wrote 1 files for 1 invoices" in by_id.stdout
    refused = tarifa(
        "invoices", "render-all", "--account", "ACME", "--id", "1", "-o", "x", expect=1
    )
    assert "validation_error" in refused.stderr
    assert "ap@acme-ag.example" in tarifa("invoices", "send", "INV-2026-000001").stdout
    assert inbox[0].recipients == [["ap@acme-ag.example"]]
