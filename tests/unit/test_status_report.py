"""pain.002 status reports read from PostFinance's published samples
(tests/fixtures/sepa): a batch accepted whole, and one rejected with AC01 for its one
transaction (end-to-end id EndToEndId-006-01-01)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tarifa.errors import ValidationError
from tarifa.payments.status_report import TransactionStatus, parse_status_report

SEPA = Path(__file__).resolve().parents[1] / "fixtures" / "sepa"


def test_an_accepted_batch_has_no_transaction_statuses() -> None:
    (path,) = SEPA.glob("postfinance_pain002-chdd*.xml")
    report = parse_status_report(path.read_bytes())
    assert (report.original_message, report.groups, report.transactions) == (
        "pain.008.001.02.ch.03",
        ("ACCP",),
        (),
    )


def test_a_rejected_transaction_names_its_end_to_end_id_and_reason() -> None:
    (path,) = SEPA.glob("postfinance_pain002-epo*.xml")
    report = parse_status_report(path.read_bytes())
    assert report.groups == ("RJCT",)
    assert report.transactions == (
        TransactionStatus(end_to_end_id="EndToEndId-006-01-01", status="RJCT", reason="AC01"),
    )


def test_a_file_that_is_not_a_status_report_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"pain\.002"):
        parse_status_report(b"<Document><Other/></Document>")
    with pytest.raises(ValidationError, match="not XML"):
        parse_status_report(b"<unclosed")
