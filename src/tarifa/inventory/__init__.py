"""Inventory: phone numbers, SIM cards and devices, reserved, assigned and released."""

from tarifa.inventory.model import ResourceKind, ResourceStatus, normalized

__all__ = ["ResourceKind", "ResourceStatus", "normalized"]
