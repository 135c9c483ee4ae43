"""The tamper-evident audit log: who did what to which business entity, and when."""

from tarifa.audit.chain import Head, Problem, Verification
from tarifa.audit.log import AuditLog, record

__all__ = ["AuditLog", "Head", "Problem", "Verification", "record"]
