"""The invoice as a PDF for people (ReportLab), in the customer's locale.

One A4 page for an ordinary invoice: seller and buyer, number, dates and billing period, the
lines (discounts and credits apart), the usage summary by service and the top destinations,
the VAT breakdown with its legal notes (reverse charge, outside the EU VAT area, exemption),
totals, and how to pay: the seller's IBAN and BIC and the RF creditor reference.

The fonts are the Bitstream Vera TrueType fonts that ship with ReportLab, embedded in the
file: PDF/A-3 (which Factur-X requires) forbids fonts that are not embedded, and Vera covers
the Latin scripts of EU customers' names. Output is byte-for-byte reproducible
(ReportLab's invariant mode): the same document renders to the same file. Pure: no I/O.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from tarifa.documents.lines import DocumentLine
from tarifa.documents.model import InvoiceDocument, Party
from tarifa.documents.wording import Wording, wording

FONT = "TarifaVera"
BOLD = "TarifaVera-Bold"
_GRID = colors.Color(0.8, 0.8, 0.8)
_SHADE = colors.Color(0.94, 0.94, 0.94)
_WIDTH = A4[0] - 36 * mm
#: Descriptions up to this many characters fit the description column on one line.
_SHORT = 60


@cache
def _fonts() -> None:
    # Registered once per process; the files ship inside the reportlab package.
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))
    # So that <b> in a paragraph picks the bold face.
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    _fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.5, leading=11)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=9),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=16, leading=20),
        "h": ParagraphStyle("h", parent=base, fontName=BOLD, fontSize=10, leading=14),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
    }


def render_pdf(document: InvoiceDocument) -> bytes:
    """The document as PDF bytes."""
    words = wording(document.locale)
    styles = _styles()
    title = words.label("credit_note" if document.is_credit_note else "invoice")
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{title} {document.number}",
        author=document.seller.name,
        subject=f"{title} {document.number}",
        creator="tarifa",
        lang=words.tag,
        invariant=True,
    )
    story: list[Flowable] = [
        _header(document, words, title, styles),
        Spacer(1, 6 * mm),
    ]
    story += _lines(document, words, styles)
    story += _usage(document, words, styles)
    story += _taxes(document, words, styles)
    story += _payment(document, words, styles)
    if document.legal_footer:
        story += [Spacer(1, 6 * mm), Paragraph(escape(document.legal_footer), styles["small"])]
    template.build(story)
    return out.getvalue()


def _party(party: Party, words: Wording, styles: dict[str, ParagraphStyle]) -> Paragraph:
    address = party.address
    rows = [f"<b>{escape(party.name)}</b>"]
    rows += [escape(x) for x in (address.line1, address.line2) if x]
    rows.append(escape(" ".join(x for x in (address.postal_code, address.city) if x)))
    rows.append(escape(address.country))
    if party.vat_id:
        rows.append(f"{escape(words.label('vat_id'))}: {escape(party.vat_id)}")
    return Paragraph("<br/>".join(r for r in rows if r), styles["base"])


def _header(
    document: InvoiceDocument, words: Wording, title: str, styles: dict[str, ParagraphStyle]
) -> Table:
    facts = [
        (words.label("number"), document.number),
        (words.label("issue_date"), words.date(document.issue_date)),
        (
            words.label("period"),
            f"{words.date(document.period_start)} – {words.date(document.period_last_day)}",
        ),
    ]
    if document.due_date and not document.is_credit_note:
        facts.append((words.label("due_date"), words.date(document.due_date)))
    if document.preceding_invoice:
        facts.append((words.label("corrects"), document.preceding_invoice))
    facts.append((words.label("customer"), document.buyer.identifier))
    # Plain strings in tables, not paragraphs: a paragraph costs a PDF ~0.5 ms to lay out,
    # and bulk rendering has a budget of 20 ms an invoice (bench/render.py).
    right = [Paragraph(escape(title), styles["title"]), _facts(facts)]
    table = Table(
        [
            [_party(document.seller, words, styles), right],
            [Spacer(1, 4 * mm), ""],
            [_party(document.buyer, words, styles), ""],
        ],
        colWidths=[_WIDTH * 0.55, _WIDTH * 0.45],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("SPAN", (1, 0), (1, 2))]))
    return table


def _facts(rows: Sequence[tuple[str, str]]) -> Table:
    table = Table([[f"{k}:", v] for k, v in rows], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), FONT, 8.5),
                ("FONT", (1, 0), (1, -1), BOLD, 8.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
            ]
        )
    )
    return table


def _grid(rows: list[list[Any]], widths: Sequence[float], numeric_from: int) -> Table:
    table = Table(rows, colWidths=[_WIDTH * w for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, _GRID),
                ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _line_rows(
    lines: Sequence[DocumentLine], document: InvoiceDocument, words: Wording, style: ParagraphStyle
) -> list[list[Any]]:
    money = document.currency
    return [
        [
            _description(line, words, style),
            words.number(line.quantity),
            _price(words, line, money),
            words.percent(line.tax_percent) + f" {line.tax_category}",
            words.money(line.net, money),
        ]
        for line in lines
    ]


def _description(line: DocumentLine, words: Wording, style: ParagraphStyle) -> Any:
    period = f"{words.date(line.service_start)} – {words.date(line.service_end)}"
    if len(line.description) <= _SHORT:
        return f"{line.description}\n{period}"
    # Only a long description needs a paragraph, which wraps it to the column.
    return Paragraph(f"{escape(line.description)}<br/>{period}", style)


def _price(words: Wording, line: DocumentLine, currency: str) -> str:
    # A sub-cent unit price (0.0125 a minute) is printed whole; money formats round to cents.
    exponent = line.unit_price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return words.number(line.unit_price)
    return words.money(line.unit_price, currency)


def _lines(
    document: InvoiceDocument, words: Wording, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    head = [
        words.label("description"),
        words.label("quantity"),
        words.label("unit_price"),
        words.label("vat"),
        words.label("amount"),
    ]
    widths = (0.5, 0.1, 0.14, 0.1, 0.16)
    charges = [line for line in document.lines if line.net >= 0]
    reductions = [line for line in document.lines if line.net < 0]
    story: list[Flowable] = [
        _grid([head, *_line_rows(charges, document, words, styles["base"])], widths, 1)
    ]
    if reductions:
        story += [
            Spacer(1, 3 * mm),
            Paragraph(escape(words.label("discounts")), styles["h"]),
            _grid([head, *_line_rows(reductions, document, words, styles["base"])], widths, 1),
        ]
    return story


def _usage(
    document: InvoiceDocument, words: Wording, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    usage = document.usage
    if not usage.services:
        return []
    money = document.currency

    def cost(value: Any) -> str:
        return "" if value is None else words.money(value, money)

    services = [
        [words.label("service"), words.label("records"), words.label("used"), words.label("cost")]
    ] + [
        [
            words.label(s.service) if s.service in _SERVICES else s.service,
            words.number(s.records),
            words.usage(s.usage, s.unit),
            cost(s.cost),
        ]
        for s in usage.services
    ]
    story: list[Flowable] = [
        Spacer(1, 5 * mm),
        Paragraph(escape(words.label("usage")), styles["h"]),
        _grid(services, (0.4, 0.15, 0.25, 0.2), 1),
    ]
    if usage.top_destinations:
        destinations = [
            [
                words.label("destination"),
                words.label("records"),
                words.label("used"),
                words.label("cost"),
            ]
        ] + [
            [
                d.destination if d.destination.isalpha() else f"+{d.destination}",
                words.number(d.records),
                words.usage(d.usage, d.unit),
                cost(d.cost),
            ]
            for d in usage.top_destinations
        ]
        story += [
            Spacer(1, 3 * mm),
            Paragraph(escape(words.label("top_destinations")), styles["base"]),
            _grid(destinations, (0.4, 0.15, 0.25, 0.2), 1),
        ]
    return story


_SERVICES = frozenset({"voice", "data", "sms", "mms", "video"})


def _taxes(
    document: InvoiceDocument, words: Wording, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    money = document.currency
    rows: list[list[Any]] = [
        [words.label("tax_summary"), words.label("taxable"), words.label("tax"), ""]
    ]
    for row in document.tax_summary:
        rows.append(
            [
                f"{row.category} {words.percent(row.percent)}",
                words.money(row.taxable, money),
                words.money(row.tax, money),
                "",
            ]
        )
    totals = document.totals
    rows += [
        [words.label("net_total"), "", "", words.money(totals.net, money)],
        [words.label("tax_total"), "", "", words.money(totals.tax, money)],
        [words.label("total"), "", "", words.money(totals.total, money)],
    ]
    if totals.prepaid:
        rows.append([words.label("amount_due"), "", "", words.money(totals.due, money)])
    table = _grid(rows, (0.4, 0.2, 0.2, 0.2), 1)
    table.setStyle(TableStyle([("FONT", (0, -1), (-1, -1), BOLD, 10)]))
    story: list[Flowable] = [Spacer(1, 5 * mm), table]
    story += [Paragraph(escape(note), styles["small"]) for note in document.notes]
    return story


def _payment(
    document: InvoiceDocument, words: Wording, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    if document.is_credit_note:
        return [Spacer(1, 5 * mm), Paragraph(escape(words.label("refund")), styles["base"])]
    payment = document.payment
    if payment is None:
        return []
    intro = words.label("pay_by").format(
        amount=words.money(document.totals.due, document.currency),
        date=words.date(payment.due_date),
    )
    rows = [
        (words.label("account_holder"), payment.account_holder),
        ("IBAN", _grouped(payment.iban)),
        ("BIC", payment.bic or ""),
        (words.label("reference"), payment.reference),
    ]
    return [
        Spacer(1, 5 * mm),
        Paragraph(escape(words.label("payment")), styles["h"]),
        Paragraph(escape(intro), styles["base"]),
        *[Paragraph(f"{escape(k)}: <b>{escape(v)}</b>", styles["base"]) for k, v in rows if v],
    ]


def _grouped(iban: str) -> str:
    """An IBAN in groups of four, as banks print it (people copy it from the paper)."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


__all__ = ["render_pdf"]
