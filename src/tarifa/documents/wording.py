"""How a document reads in its customer's locale: labels, numbers, money, dates (Babel).

The customer record carries a BCP 47 locale ("de-DE", "fr-BE"); an unknown or malformed one
falls back to English, and so does a language tarifa has no labels for (the numbers and dates
still follow the locale: an Austrian customer of an English-only text gets "€ 17,49").
Usage is shown in the units people read: calls in minutes, data in MB (10^6 bytes, as the
catalog counts them), messages as counts. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from types import MappingProxyType

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

FALLBACK = "en"

_EN = {
    "invoice": "Invoice",
    "credit_note": "Credit note",
    "number": "Number",
    "issue_date": "Date",
    "period": "Billing period",
    "due_date": "Due date",
    "customer": "Customer",
    "seller": "From",
    "vat_id": "VAT ID",
    "corrects": "Corrects invoice",
    "description": "Description",
    "service_period": "Service period",
    "quantity": "Qty",
    "unit_price": "Unit price",
    "vat": "VAT",
    "amount": "Amount",
    "discounts": "Discounts and credits",
    "tax_summary": "VAT summary",
    "taxable": "Taxable amount",
    "tax": "VAT",
    "net_total": "Total net",
    "tax_total": "Total VAT",
    "total": "Total",
    "amount_due": "Amount due",
    "usage": "Usage summary",
    "service": "Service",
    "records": "Records",
    "used": "Used",
    "cost": "Rated cost",
    "top_destinations": "Top destinations",
    "destination": "Destination",
    "payment": "Payment",
    "pay_by": "Please transfer {amount} by {date} to:",
    "account_holder": "Account holder",
    "reference": "Reference",
    "refund": "This amount will be refunded or kept as credit on your account.",
    "voice": "Calls",
    "data": "Data",
    "sms": "SMS",
    "mms": "MMS",
    "video": "Video",
    "minutes": "min",
    "megabytes": "MB",
    "events": "",
}
_DE = {
    "invoice": "Rechnung",
    "credit_note": "Gutschrift",
    "number": "Nummer",
    "issue_date": "Datum",
    "period": "Abrechnungszeitraum",
    "due_date": "Fällig am",
    "customer": "Kunde",
    "seller": "Von",
    "vat_id": "USt-IdNr.",
    "corrects": "Korrigiert Rechnung",
    "description": "Beschreibung",
    "service_period": "Leistungszeitraum",
    "quantity": "Menge",
    "unit_price": "Einzelpreis",
    "vat": "USt.",
    "amount": "Betrag",
    "discounts": "Rabatte und Gutschriften",
    "tax_summary": "Umsatzsteuer",
    "taxable": "Nettobetrag",
    "tax": "USt.",
    "net_total": "Summe netto",
    "tax_total": "Summe USt.",
    "total": "Gesamtbetrag",
    "amount_due": "Zu zahlen",
    "usage": "Verbrauchsübersicht",
    "service": "Dienst",
    "records": "Anzahl",
    "used": "Verbrauch",
    "cost": "Bewertete Kosten",
    "top_destinations": "Häufigste Ziele",
    "destination": "Ziel",
    "payment": "Zahlung",
    "pay_by": "Bitte überweisen Sie {amount} bis zum {date} auf:",
    "account_holder": "Kontoinhaber",
    "reference": "Verwendungszweck",
    "refund": "Der Betrag wird erstattet oder Ihrem Kundenkonto gutgeschrieben.",
    "voice": "Anrufe",
    "data": "Daten",
    "sms": "SMS",
    "mms": "MMS",
    "video": "Video",
    "minutes": "Min.",
    "megabytes": "MB",
    "events": "",
}
_FR = {
    "invoice": "Facture",
    "credit_note": "Avoir",
    "number": "Numéro",
    "issue_date": "Date",
    "period": "Période de facturation",
    "due_date": "Échéance",
    "customer": "Client",
    "seller": "Émetteur",
    "vat_id": "N° TVA",
    "corrects": "Corrige la facture",
    "description": "Désignation",
    "service_period": "Période",
    "quantity": "Qté",
    "unit_price": "Prix unitaire",
    "vat": "TVA",
    "amount": "Montant",
    "discounts": "Remises et avoirs",
    "tax_summary": "Récapitulatif TVA",
    "taxable": "Base HT",
    "tax": "TVA",
    "net_total": "Total HT",
    "tax_total": "Total TVA",
    "total": "Total TTC",
    "amount_due": "Net à payer",
    "usage": "Consommation",
    "service": "Service",
    "records": "Nombre",
    "used": "Volume",
    "cost": "Coût valorisé",
    "top_destinations": "Destinations principales",
    "destination": "Destination",
    "payment": "Paiement",
    "pay_by": "Merci de virer {amount} avant le {date} sur le compte :",
    "account_holder": "Titulaire",
    "reference": "Référence",
    "refund": "Ce montant sera remboursé ou conservé en avoir sur votre compte.",
    "voice": "Appels",
    "data": "Données",
    "sms": "SMS",
    "mms": "MMS",
    "video": "Vidéo",
    "minutes": "min",
    "megabytes": "Mo",
    "events": "",
}
LABELS = MappingProxyType({"en": _EN, "de": _DE, "fr": _FR})

# Babel writes some locales' group separator as a narrow no-break space (U+202F), which the
# embedded PDF font lacks; a plain no-break space reads the same.
_NARROW_SPACE = str.maketrans({"\u202f": "\u00a0"})
_MEGA = Decimal(10) ** 6


@dataclass(frozen=True, slots=True)
class Wording:
    """Labels and formats for one locale."""

    locale: Locale

    @property
    def tag(self) -> str:
        """The locale as a BCP 47 tag (``de-DE``), for PDF metadata."""
        return str(self.locale).replace("_", "-")

    def label(self, key: str) -> str:
        return LABELS.get(self.locale.language, _EN).get(key, _EN[key])

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.locale).translate(_NARROW_SPACE)

    def number(self, value: Decimal | int) -> str:
        # Up to 6 decimals: a unit price of 0.012345 is printed whole, never rounded away.
        text = format_decimal(value, format="#,##0.######", locale=self.locale)
        return text.translate(_NARROW_SPACE)

    def percent(self, value: Decimal) -> str:
        return f"{self.number(value)}\u00a0%"

    def date(self, day: dt.date) -> str:
        return format_date(day, format="medium", locale=self.locale)

    def usage(self, value: Decimal, unit: str) -> str:
        """Usage in a readable unit: seconds as minutes, bytes as MB, events as a count."""
        if unit == "seconds":
            minutes = (value / 60).quantize(Decimal("0.01"))
            return f"{self.number(minutes)}\u00a0{self.label('minutes')}"
        if unit == "bytes":
            return f"{self.number((value / _MEGA).quantize(Decimal('0.01')))}\u00a0" + self.label(
                "megabytes"
            )
        return self.number(value)


@cache
def wording(locale: str) -> Wording:
    """The wording of a BCP 47 or POSIX locale name, English when Babel does not know it."""
    try:
        return Wording(Locale.parse(locale.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return Wording(Locale.parse(FALLBACK))


__all__ = ["FALLBACK", "LABELS", "Wording", "wording"]
