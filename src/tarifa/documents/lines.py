"""Document lines: an invoice line as EN 16931 wants it, quantity x unit price = net.

EN 16931 checks that every line's net amount (BT-131) is its quantity (BT-129) times its net
price (BT-146) over the price's base quantity, and refuses a negative price (BR-27). A stored
invoice line knows its net (rounded once to the minor unit) and the quantity it counted, but
not always a price that gives back that net: 350 minutes for 7.50 is 0.0214285... a minute.
So:

- a charge priced in tiers becomes one line per tier (150 minutes at 0.05, 50 at 0.04), each
  tier's net a share of the line's net by the largest-remainder method, so the tier lines
  add up to the stored line to the cent;
- a line (or tier) whose quantity is unknown, zero, or whose net is not an exact product of
  its quantity and a price of at most :data:`MAX_PRICE_DECIMALS` decimals is printed as
  quantity 1 at a price equal to its net;
- a negative net (a credit, a discount) keeps a positive price and takes a negative
  quantity, since the price may not be negative.

Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tarifa.billing.taxes import TaxCategory
from tarifa.money import Money, allocate

#: The most decimals a unit price is printed with; beyond that the line is 1 x net.
MAX_PRICE_DECIMALS = 6
#: The most decimals a quantity is printed with (EN 16931 sets no limit; readers do).
MAX_QUANTITY_DECIMALS = 4
#: UN/ECE Recommendation 20 "one": tarifa counts units, minutes, MB and months alike.
UNIT_ONE = "C62"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tier:
    """One part of a tiered charge: `quantity` units at `unit_price` (precise, as priced)."""

    quantity: Decimal
    unit_price: Decimal
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentLine:
    """A line as printed and as sent in the e-invoice: ``quantity x unit_price == net``."""

    line_id: str
    kind: str
    description: str
    service_start: dt.date
    service_end: dt.date
    quantity: Decimal
    unit_price: Decimal
    unit_code: str
    net: Decimal
    tax_category: TaxCategory
    tax_percent: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class LineFacts:
    """What a stored invoice line says (the rest of :class:`DocumentLine`)."""

    position: int
    kind: str
    description: str
    service_start: dt.date
    service_end: dt.date
    quantity: Decimal | None
    net: Decimal
    tax_category: TaxCategory
    tax_percent: Decimal


def document_lines(
    line: LineFacts, currency: str, tiers: Sequence[Tier] = ()
) -> tuple[DocumentLine, ...]:
    """The printed line(s) of a stored line: one per tier when `tiers` are given (their
    nets are the stored net split by the tiers' precise amounts), else one."""
    if len(tiers) < 2:
        return (_line(line, str(line.position), line.description, line.quantity, line.net),)
    weights = [abs(t.quantity * t.unit_price) for t in tiers]
    if sum(weights) == 0:
        return (_line(line, str(line.position), line.description, line.quantity, line.net),)
    shares = allocate(Money.of(line.net, currency), weights)
    return tuple(
        _line(line, f"{line.position}.{n}", f"{line.description}: {tier.label}", tier.quantity, net)
        for n, (tier, net) in enumerate(zip(tiers, (s.amount for s in shares), strict=True), 1)
    )


def unit_price(quantity: Decimal | None, net: Decimal) -> tuple[Decimal, Decimal]:
    """(quantity, price) with ``quantity x price == net`` exactly and price >= 0: the line's
    own quantity when a short price gives back its net, else +-1 at the net's size."""
    sign = Decimal(-1) if net < 0 else Decimal(1)
    if quantity is not None and quantity != 0 and _short(quantity, MAX_QUANTITY_DECIMALS):
        q = abs(quantity) * sign
        price = abs(net) / abs(quantity)
        if _short(price, MAX_PRICE_DECIMALS) and q * price == net:
            return _plain(q), _plain(price)
    return sign, abs(net)


def _line(
    line: LineFacts, line_id: str, description: str, quantity: Decimal | None, net: Decimal
) -> DocumentLine:
    q, price = unit_price(quantity, net)
    return DocumentLine(
        line_id=line_id,
        kind=line.kind,
        description=description,
        service_start=line.service_start,
        service_end=line.service_end,
        quantity=q,
        unit_price=price,
        unit_code=UNIT_ONE,
        net=net,
        tax_category=line.tax_category,
        tax_percent=line.tax_percent,
    )


def _short(value: Decimal, decimals: int) -> bool:
    """Whether `value` is exact with at most `decimals` decimals."""
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -decimals


def _plain(value: Decimal) -> Decimal:
    # normalize() writes 10 as 1E+1; quantize back to a plain exponent for the XML and CSV.
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


__all__ = [
    "MAX_PRICE_DECIMALS",
    "UNIT_ONE",
    "DocumentLine",
    "LineFacts",
    "Tier",
    "document_lines",
    "unit_price",
]
