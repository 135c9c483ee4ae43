"""Telecom event rating: tariffs as pure values and the reference rater (DOMAIN.md, "Telecom
event rating").

:mod:`.model` holds the tariff and the events; :func:`rate_event` prices one event exactly as
DOMAIN.md says (the SQL batch rater must give the same cost for every record). Tariffs are read
from tarifa's YAML format (:mod:`.document`) or imported from CGRateS tariff-plan folders
(:mod:`.cgrates`). This package is pure: no database, no clock, no I/O beyond reading the files
it is asked to read.
"""

from tarifa.rating.cgrates import read_cgrates
from tarifa.rating.document import read_tariff, tariff_to_document, tariff_to_yaml
from tarifa.rating.model import (
    ANY,
    Destination,
    DestinationRate,
    DestinationRates,
    MaxCostStrategy,
    Rate,
    RatedEvent,
    RatedSpan,
    RateGroup,
    RatingError,
    RatingPlan,
    RatingPlanEntry,
    RatingProfile,
    RoundingMethod,
    Tariff,
    TimeBand,
    UsageEvent,
    UsageUnit,
    tariff_problems,
)
from tarifa.rating.reference import rate_event

__all__ = [
    "ANY",
    "Destination",
    "DestinationRate",
    "DestinationRates",
    "MaxCostStrategy",
    "Rate",
    "RateGroup",
    "RatedEvent",
    "RatedSpan",
    "RatingError",
    "RatingPlan",
    "RatingPlanEntry",
    "RatingProfile",
    "RoundingMethod",
    "Tariff",
    "TimeBand",
    "UsageEvent",
    "UsageUnit",
    "rate_event",
    "read_cgrates",
    "read_tariff",
    "tariff_problems",
    "tariff_to_document",
    "tariff_to_yaml",
]
