"""Taxes: VAT rates by jurisdiction and date, the category of each invoice, and EN 16931
arithmetic (DOMAIN.md, "Invoices" and "Money and rounding").

Rates load from the ``vat-rates.json`` format (ibericode/vat-rates, version 4): per ISO
country code, periods newest first, each with the date it took effect, its rates by kind
(``standard``, ``reduced``, ``reduced1``...) and postcode exceptions (territories with
another rate, or, at 0, outside the VAT area). Numbers are read as decimals, never floats.

:func:`decide` applies the rules for telecom and electronic services, which are taxed where
the customer is:

- a customer whose exemption reason is recorded: category **E**, 0 %, that reason;
- a customer outside the EU (the United Kingdom included), or in an EU territory outside the
  VAT area (a postcode exception at 0 %: the Canary Islands, Heligoland...): **O**, not
  subject to EU VAT;
- a business with a valid VAT id in another EU country than the seller's: **AE**, reverse
  charge, 0 %, with its legal note;
- otherwise (a consumer anywhere in the EU, a business in the seller's country or without a
  valid VAT id): **S** at the customer country's rate in force at the tax point, or the
  postcode exception's rate.

:func:`tax_totals` does EN 16931's arithmetic: line nets rounded to the minor unit, one
subtotal per category and rate, its tax ``round(sum of its line nets x rate)``, totals as sums
of rounded parts; category O never shares an invoice with another (BR-O-*). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tarifa.customers.checks import EU_VAT_PREFIX
from tarifa.errors import FieldError, ValidationError
from tarifa.money import Money, RoundingPolicy, sum_money

#: EU member states (ISO codes; Greece is GR here, EL only in VAT ids).
EU_COUNTRIES = frozenset(EU_VAT_PREFIX)
REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient (Article 196 of Council "
    "Directive 2006/112/EC)"
)
OUTSIDE_SCOPE_NOTE = "Not subject to EU VAT: the customer is outside the EU VAT area"


class TaxCategory(StrEnum):
    """EN 16931 VAT category codes (UNTDID 5305) tarifa uses."""

    STANDARD = "S"
    REVERSE_CHARGE = "AE"
    OUTSIDE_SCOPE = "O"
    EXEMPT = "E"


@dataclass(frozen=True, slots=True)
class PostcodeException:
    name: str
    pattern: re.Pattern[str]
    standard: Decimal


@dataclass(frozen=True, slots=True)
class RatePeriod:
    effective_from: dt.date
    rates: Mapping[str, Decimal]
    exceptions: tuple[PostcodeException, ...] = ()


@dataclass(frozen=True, slots=True)
class Rate:
    """A rate (percent) in force, and the territory whose exception gave it, if any."""

    percent: Decimal
    country: str
    exception: str | None = None


@dataclass(frozen=True, slots=True)
class TaxRates:
    """Periods per country, newest first."""

    periods: Mapping[str, tuple[RatePeriod, ...]]

    def rate(
        self, country: str, at: dt.date, *, kind: str = "standard", postcode: str | None = None
    ) -> Rate:
        """The rate of `kind` in force in `country` on `at`; a postcode exception's standard
        rate when `postcode` matches one. KeyError when the data has no such rate."""
        period = next((p for p in self.periods.get(country, ()) if p.effective_from <= at), None)
        if period is None:
            raise KeyError(f"no VAT rates for {country} on {at}")
        if kind == "standard" and postcode is not None:
            compact = postcode.replace(" ", "").replace("-", "")
            for exception in period.exceptions:
                if exception.pattern.fullmatch(compact):
                    return Rate(exception.standard, country, exception.name)
        if kind not in period.rates:
            raise KeyError(f"no {kind} VAT rate for {country} on {at}")
        return Rate(period.rates[kind], country)


def read_vat_rates(source: Path | str | Mapping[str, Any]) -> TaxRates:
    """Rates from a vat-rates.json file (a path), its text, or its parsed mapping (numbers
    as Decimal or int). ValidationError lists every problem with its path."""
    if isinstance(source, Path):
        document = json.loads(source.read_text(encoding="utf-8"), parse_float=Decimal)
    elif isinstance(source, str):
        document = json.loads(source, parse_float=Decimal)
    else:
        document = source
    problems: list[FieldError] = []
    items = document.get("items") if isinstance(document, Mapping) else None
    if not isinstance(items, Mapping):
        raise ValidationError.single("items", "must map country codes to rate periods")
    periods: dict[str, tuple[RatePeriod, ...]] = {}
    for country, entries in items.items():
        path = f"items.{country}"
        if not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
            problems.append(FieldError(path, "must be an ISO 3166 country code"))
            continue
        if not isinstance(entries, list) or not entries:
            problems.append(FieldError(path, "must be a list of rate periods"))
            continue
        read = [_period(f"{path}[{i}]", entry, problems) for i, entry in enumerate(entries)]
        found = sorted((p for p in read if p is not None), key=lambda p: p.effective_from)
        periods[country] = tuple(reversed(found))
    if problems:
        raise ValidationError(problems)
    return TaxRates(MappingProxyType(periods))


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxParty:
    """What the rules need to know of a customer."""

    country: str
    business: bool
    #: A VAT id that passed the checks (checksum; a VIES answer when the provider asks one).
    vat_id_valid: bool = False
    postcode: str | None = None
    exempt_reason: str | None = None


@dataclass(frozen=True, slots=True)
class TaxDecision:
    category: TaxCategory
    percent: Decimal
    #: The jurisdiction whose VAT applies (None for O).
    country: str | None
    #: The exemption reason text (EN 16931 BT-120) for AE, O and E.
    note: str | None = None
    exception: str | None = None


def decide(
    rates: TaxRates,
    *,
    seller_country: str,
    customer: TaxParty,
    tax_point: dt.date,
    kind: str = "standard",
) -> TaxDecision:
    """The VAT category and rate of a supply of telecom or electronic services by a seller
    established in `seller_country` (an EU member) to `customer`, at `tax_point` (for a
    continuous supply, the end of its billing period)."""
    if seller_country not in EU_COUNTRIES:
        raise ValidationError.single("seller_country", "must be an EU member state")
    if customer.exempt_reason:
        reason = customer.exempt_reason
        return TaxDecision(TaxCategory.EXEMPT, Decimal(0), customer.country, reason)
    if customer.country not in EU_COUNTRIES:
        return TaxDecision(TaxCategory.OUTSIDE_SCOPE, Decimal(0), None, OUTSIDE_SCOPE_NOTE)
    if customer.business and customer.vat_id_valid and customer.country != seller_country:
        note = REVERSE_CHARGE_NOTE
        return TaxDecision(TaxCategory.REVERSE_CHARGE, Decimal(0), customer.country, note)
    rate = rates.rate(customer.country, tax_point, kind=kind, postcode=customer.postcode)
    if rate.exception is not None and rate.percent == 0:
        note = f"{OUTSIDE_SCOPE_NOTE} ({rate.exception})"
        return TaxDecision(TaxCategory.OUTSIDE_SCOPE, Decimal(0), None, note, rate.exception)
    return TaxDecision(TaxCategory.STANDARD, rate.percent, customer.country, None, rate.exception)


@dataclass(frozen=True, slots=True)
class TaxedLine:
    """An invoice line's net amount (rounded to the minor unit) and its VAT."""

    net: Money
    category: TaxCategory
    percent: Decimal


@dataclass(frozen=True, slots=True)
class TaxSubtotal:
    """EN 16931 VAT breakdown (BG-23): one per category and rate."""

    category: TaxCategory
    percent: Decimal
    taxable: Money
    tax: Money


@dataclass(frozen=True, slots=True)
class TaxTotals:
    subtotals: tuple[TaxSubtotal, ...]
    net: Money
    tax: Money
    total: Money


def tax_totals(
    lines: Iterable[TaxedLine], currency: str, *, rounding: RoundingPolicy | None = None
) -> TaxTotals:
    """EN 16931 totals of an invoice's lines: ValidationError when a line's net is not at the
    minor unit, when category O shares the invoice with another category, or when a
    category other than S carries a rate."""
    policy = rounding or RoundingPolicy()
    taken = list(lines)
    problems: list[FieldError] = []
    groups: dict[tuple[TaxCategory, Decimal], list[Money]] = {}
    for i, line in enumerate(taken):
        if policy.round(line.net).amount != line.net.amount:
            problems.append(FieldError(f"lines[{i}].net", "must be rounded to the minor unit"))
        if line.category is not TaxCategory.STANDARD and line.percent != 0:
            problems.append(FieldError(f"lines[{i}].percent", "must be 0 outside category S"))
        groups.setdefault((line.category, line.percent.normalize()), []).append(line.net)
    categories = {category for category, _ in groups}
    if TaxCategory.OUTSIDE_SCOPE in categories and len(categories) > 1:
        problems.append(FieldError("lines", "category O cannot share an invoice with another"))
    if problems:
        raise ValidationError(problems)
    subtotals = []
    for (category, percent), nets in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1])):
        taxable = sum_money(nets, currency)
        tax = policy.round(taxable * percent / 100)
        subtotals.append(TaxSubtotal(category, percent, taxable, tax))
    net = sum_money((s.taxable for s in subtotals), currency)
    tax_total = sum_money((s.tax for s in subtotals), currency)
    return TaxTotals(tuple(subtotals), net, tax_total, net + tax_total)


def gross_of(net: Money, percent: Decimal, *, rounding: RoundingPolicy | None = None) -> Money:
    """What a document holding only `net` at `percent` totals: the net plus its VAT, rounded
    as :func:`tax_totals` rounds it."""
    return net + (rounding or RoundingPolicy()).round(net * percent / 100)


def net_of_gross(
    gross: Money, percent: Decimal, *, field: str = "amount", rounding: RoundingPolicy | None = None
) -> Money:
    """The net amount whose document totals exactly `gross` at `percent` (a credit note of a
    gross amount). Not every gross amount is reachable (at 19 % the totals of consecutive nets
    jump by two cents now and then): ValidationError naming the nearest ones that are."""
    quantum = gross.currency.quantum
    guess = (rounding or RoundingPolicy()).round(gross * 100 / (100 + percent))
    nets = [guess + Money.of(quantum * k, gross.currency) for k in range(-2, 3)]
    for net in nets:
        if gross_of(net, percent, rounding=rounding) == gross:
            return net
    totals = [gross_of(n, percent, rounding=rounding) for n in nets]
    below = max(t for t in totals if t < gross)
    above = min(t for t in totals if t > gross)
    raise ValidationError.single(
        field,
        f"{gross.amount} {gross.currency.code} cannot be credited exactly at {percent} % VAT; "
        f"{below.amount} or {above.amount} can",
    )


def _period(path: str, entry: object, problems: list[FieldError]) -> RatePeriod | None:
    if not isinstance(entry, Mapping):
        problems.append(FieldError(path, "must be an object"))
        return None
    found = len(problems)
    text = entry.get("effective_from")
    effective = dt.date.min
    if text != "0000-01-01":
        try:
            effective = dt.date.fromisoformat(str(text))
        except ValueError:
            problems.append(FieldError(f"{path}.effective_from", "must be a date YYYY-MM-DD"))
    rates: dict[str, Decimal] = {}
    raw_rates = entry.get("rates")
    if not isinstance(raw_rates, Mapping) or "standard" not in raw_rates:
        problems.append(FieldError(f"{path}.rates", "must hold a standard rate"))
    else:
        for kind, value in raw_rates.items():
            percent = _percent(value)
            if percent is None:
                problems.append(FieldError(f"{path}.rates.{kind}", "must be a percentage 0-100"))
            else:
                rates[str(kind)] = percent
    exceptions = []
    for i, raw in enumerate(entry.get("exceptions") or ()):
        where = f"{path}.exceptions[{i}]"
        percent = _percent(raw.get("standard")) if isinstance(raw, Mapping) else None
        try:
            pattern = re.compile(str(raw["postcode"])) if isinstance(raw, Mapping) else None
        except (KeyError, re.error):
            pattern = None
        if percent is None or pattern is None:
            problems.append(FieldError(where, "needs a postcode pattern and a standard rate"))
            continue
        exceptions.append(PostcodeException(str(raw.get("name", "")), pattern, percent))
    if len(problems) > found:
        return None
    return RatePeriod(effective, MappingProxyType(rates), tuple(exceptions))


def _percent(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    percent = Decimal(value)
    return percent if 0 <= percent <= 100 else None


__all__ = [
    "EU_COUNTRIES",
    "Rate",
    "RatePeriod",
    "TaxCategory",
    "TaxDecision",
    "TaxParty",
    "TaxRates",
    "TaxSubtotal",
    "TaxTotals",
    "TaxedLine",
    "decide",
    "gross_of",
    "net_of_gross",
    "read_vat_rates",
    "tax_totals",
]
