"""Sellers: the legal entities that issue invoices, and their invoice number series."""

from tarifa.sellers.model import (
    NumberSeries,
    Seller,
    SellerDraft,
    check_seller,
    creditor_id_problem,
    creditor_reference,
)

__all__ = [
    "NumberSeries",
    "Seller",
    "SellerDraft",
    "check_seller",
    "creditor_id_problem",
    "creditor_reference",
]
