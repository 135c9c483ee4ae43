"""pain.002 payment status reports (the bank's answer to a pain.008 or pain.001 file): which
transactions it rejected before settlement, and why (AC01 wrong account, AC04 closed, AM04
insufficient funds, MD01 no mandate...). Read namespace-agnostically, so the ISO versions
and national variants (the Swiss .ch.02) all read alike. Pure: bytes in, values out."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from tarifa.errors import ValidationError


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionStatus:
    end_to_end_id: str
    #: ACCP, ACSC, RJCT, PDNG...
    status: str
    reason: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusReport:
    original_message: str
    #: Status of each payment information block of the original file (ACCP, RJCT, PART...).
    groups: tuple[str, ...]
    transactions: tuple[TransactionStatus, ...]


def parse_status_report(data: bytes) -> StatusReport:
    """The report in `data`; ValidationError when it is not a readable pain.002."""
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as err:
        raise ValidationError.single("file", f"not XML: {err}") from None
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    report = root.find("CstmrPmtStsRpt")
    if report is None:
        raise ValidationError.single("file", "not a pain.002 payment status report")
    transactions = []
    for tx in report.iter("TxInfAndSts"):
        end_to_end = (tx.findtext("OrgnlEndToEndId") or "").strip()
        if not end_to_end:
            continue
        transactions.append(
            TransactionStatus(
                end_to_end_id=end_to_end,
                status=(tx.findtext("TxSts") or "").strip(),
                reason=(tx.findtext("StsRsnInf/Rsn/Cd") or "").strip() or None,
            )
        )
    return StatusReport(
        original_message=(report.findtext("OrgnlGrpInfAndSts/OrgnlMsgNmId") or "").strip(),
        groups=tuple(
            (g.findtext("PmtInfSts") or "").strip() for g in report.iter("OrgnlPmtInfAndSts")
        ),
        transactions=tuple(transactions),
    )


__all__ = ["StatusReport", "TransactionStatus", "parse_status_report"]
