"""tarifa: billing for telecom and other service providers, in Python on PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tarifa.facade import Billing

__version__ = "0.1.0"


def connect(url: str | None = None, *, actor: str | None = None) -> Billing:
    """Open tarifa; see :func:`tarifa.facade.connect`. Imported lazily so that
    `import tarifa.money` never pulls in the database driver."""
    from tarifa.facade import connect as _connect

    return _connect(url, actor=actor)


__all__ = ["__version__", "connect"]
