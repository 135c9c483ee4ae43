"""The tiers of a stored usage line, priced again from the catalog version it was billed on.

An invoice line keeps a usage charge's quantity and net, not its pricing breakdown. To print
a graduated charge one line per tier (EN 16931: each line's net is its quantity x price),
the charge is priced again as the invoice priced it, by the generator's own usage pricing
(:func:`tarifa.billing.usage_lines.usage_lines`: the plan version the subscription was on at
the end of the period, the allowance, a promotion), over the line's stored quantity. Catalog
versions never change once loaded, so this gives back the same amount; if it does not (a
line drafted by other rules), no tiers are returned and the line is printed whole. Pure: no
I/O.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from tarifa.billing.cycles import Cycle, Period
from tarifa.billing.schedule import period_index
from tarifa.billing.usage_lines import usage_lines
from tarifa.catalog.model import Catalog
from tarifa.documents.lines import Tier
from tarifa.errors import NotFoundError
from tarifa.money import RoundingPolicy
from tarifa.pricing import BreakdownItem, ItemKind
from tarifa.subscriptions.timeline import State, Timeline

USAGE_KEY = "usage:"


def usage_tiers(
    *,
    key: str,
    quantity: Decimal | None,
    net: Decimal,
    subscription_id: int,
    history: Timeline,
    catalog: Catalog,
    cycle: Cycle,
    period: Period,
    currency: str,
    zone: ZoneInfo,
) -> tuple[Tier, ...]:
    """The priced parts of the usage line `key` (``usage:<charge>``), or () when it has none
    to show or they do not give back its stored `net`."""
    if not key.startswith(USAGE_KEY) or quantity is None:
        return ()
    code = key.removeprefix(USAGE_KEY)
    segments = [s for s in history.within(period) if s.state is not State.SUSPENDED]
    if not segments:
        return ()
    last = segments[-1]
    try:
        version = catalog.plan(last.plan).version_on(history.plan_since(last.start))
        charge = version.charge(code)
    except NotFoundError:
        return ()
    metric = charge.metric or charge.code
    try:
        priced = usage_lines(
            subscription_id=subscription_id,
            history=history,
            catalog=catalog,
            cycle=cycle,
            period=period,
            period_index=period_index(cycle, history, period),
            currency=currency,
            usage={metric: quantity},
            zone=zone,
        )
    except ValueError:
        # The account's cycle changed since (a new billing day): the line's period is no
        # longer one period of it, so its tiers cannot be shown again; the line still is.
        # A percentage model is priced per transaction, which a stored total cannot redo.
        return ()
    used = next((u for u in priced if u.charge == code), None)
    if used is None:
        return ()
    if RoundingPolicy().round(used.amount).amount != net:
        return ()
    return tuple(_tier(item) for item in used.breakdown if item.amount != 0)


def _tier(item: BreakdownItem) -> Tier:
    if item.kind is ItemKind.TIER and item.unit_price is not None:
        return Tier(quantity=item.quantity, unit_price=item.unit_price, label=f"tier {item.tier}")
    if item.kind is ItemKind.TIER_FLAT_FEE:
        return Tier(quantity=Decimal(1), unit_price=item.amount, label=f"tier {item.tier} fee")
    if item.unit_price is not None:
        return Tier(quantity=item.quantity, unit_price=item.unit_price, label=item.kind.value)
    # A percentage of money (rate) has no unit price: the part is 1 x its amount.
    return Tier(quantity=Decimal(1), unit_price=item.amount, label=item.kind.value)


__all__ = ["usage_tiers"]
