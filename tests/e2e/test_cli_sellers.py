"""`tarifa sellers …` in a subprocess, against a database of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sellers" / "acme-de.yaml"


@pytest.fixture
def tarifa(fresh_db: str, tmp_path: Path):
    env = os.environ | {"TARIFA_DATABASE_URL": fresh_db, "TARIFA_HOME": str(tmp_path / "unused")}

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "tarifa", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    return run


def test_a_seller_is_added_listed_shown_and_changed(tarifa, tmp_path: Path) -> None:
    added = json.loads(tarifa("sellers", "add", str(EXAMPLE), "--json").stdout)
    assert (added["code"], added["iban"], added["version"]) == (
        "acme-de",
        "DE89370400440532013000",
        1,
    )
    listed = json.loads(tarifa("sellers", "list", "--json").stdout)
    assert [s["code"] for s in listed] == ["acme-de"]
    assert "ACME Telecom GmbH" in tarifa("sellers", "show", "acme-de").stdout
    changed = tmp_path / "changed.yaml"
    changed.write_text(EXAMPLE.read_text(encoding="utf-8").replace("width: 6", "width: 8"))
    result = json.loads(
        tarifa("sellers", "change", str(changed), "--version", "1", "--json").stdout
    )
    assert (result["series"]["width"], result["version"]) == (8, 2)
    stale = tarifa("sellers", "change", str(changed), "--version", "1", expect=1)
    assert "changed since version 1" in stale.stderr


def test_a_bad_seller_file_prints_every_problem_with_its_field(tarifa, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8")
        .replace("DE136695976", "DE136695977")
        .replace("COBADEFFXXX", "COBAXXFF")
    )
    result = tarifa("sellers", "add", str(bad), expect=1)
    assert "vat_id:" in result.stderr
    assert "bic:" in result.stderr
    assert "iban:" not in result.stderr
    tarifa("sellers", "show", "acme-de", expect=1)
