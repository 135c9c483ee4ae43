"""Webhooks (issue 7): endpoints, the outbox written by triggers in the transaction of each
change, the delivery worker with retries, Standard Webhooks signatures (docs/webhooks.md)."""

from tarifa.webhooks.model import (
    EVENT_TYPES,
    Attempt,
    Delivery,
    DeliveryReport,
    Endpoint,
    Event,
    PurgeReport,
    RetrySchedule,
    Sent,
)
from tarifa.webhooks.service import Webhooks
from tarifa.webhooks.signing import sign, verify

__all__ = [
    "EVENT_TYPES",
    "Attempt",
    "Delivery",
    "DeliveryReport",
    "Endpoint",
    "Event",
    "PurgeReport",
    "RetrySchedule",
    "Sent",
    "Webhooks",
    "sign",
    "verify",
]
