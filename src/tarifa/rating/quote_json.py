"""A priced event as JSON, the same for `tarifa rate quote --json` and the REST API: money as
decimal strings, the cost with exactly the destination rate's `rounding_decimals` digits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tarifa.rating.model import RatedEvent


def quote_payload(result: RatedEvent, currency: str | None) -> dict[str, Any]:
    """A quote as JSON: money as strings, the cost with exactly rounding_decimals digits."""
    step = Decimal(1).scaleb(-result.rounding_decimals)
    return {
        "cost": format(result.cost.quantize(step), "f"),
        "currency": currency,
        "precise_cost": format(result.precise_cost, "f"),
        "destination": result.destination,
        "prefix": result.prefix,
        "rating_plan": result.rating_plan,
        "subject": result.subject,
        "time_bands": list(result.time_bands),
        "billed_usage": format(result.billed_usage, "f"),
        "rounding_decimals": result.rounding_decimals,
        "spans": [
            {
                "start": s.start.isoformat(),
                "usage": format(s.usage, "f"),
                "time_band": s.time_band,
                "rate": s.rate,
                "rate_group_start": format(s.rate_group_start, "f"),
                "increments": format(s.increments, "f"),
                "cost": format(s.cost, "f"),
            }
            for s in result.spans
        ],
    }
