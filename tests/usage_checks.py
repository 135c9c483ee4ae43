"""What the usage intake tests share: an import's counts, which must always add up."""

from __future__ import annotations

from typing import Any


def counts(report: Any) -> tuple[int, int, int, int, int]:
    """(received, accepted, filtered, duplicates, quarantined), after checking they add up."""
    assert report.received == (
        report.accepted + report.filtered + report.duplicates + report.quarantined
    )
    return (report.received, report.accepted, report.filtered, report.duplicates,
            report.quarantined)  # fmt: skip
