"""Payments (issue 6): payment methods so far; card numbers never stored."""

from tarifa.payments.cards import contains_card_number
from tarifa.payments.service import PaymentMethod, PaymentMethods

__all__ = ["PaymentMethod", "PaymentMethods", "contains_card_number"]
