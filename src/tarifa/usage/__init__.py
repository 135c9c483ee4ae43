"""Usage intake (mediation): usage files in, usage records out, nothing lost on the way."""

from tarifa.usage.importer import ImportReport, Progress
from tarifa.usage.quarantine import QuarantinedLine, RetryReport
from tarifa.usage.service import Usage

__all__ = ["ImportReport", "Progress", "QuarantinedLine", "RetryReport", "Usage"]
