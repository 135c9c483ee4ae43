"""Payments (issue 6): payment methods and payments received; card numbers never stored."""

from tarifa.payments.cards import contains_card_number
from tarifa.payments.received import Payment, PaymentIn, Payments
from tarifa.payments.service import PaymentMethod, PaymentMethods

__all__ = [
    "Payment",
    "PaymentIn",
    "PaymentMethod",
    "PaymentMethods",
    "Payments",
    "contains_card_number",
]
