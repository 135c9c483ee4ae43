"""Invoice documents: PDF for people, CSV for spreadsheets, Factur-X (EN 16931) for machines.

:mod:`~tarifa.documents.model` builds one document model from a stored invoice (pure); the
renderers (:mod:`~tarifa.documents.pdf`, :mod:`~tarifa.documents.csv_export`,
:mod:`~tarifa.documents.cii`, :mod:`~tarifa.documents.einvoice`) read only that model;
:mod:`~tarifa.documents.service` loads invoices and usage from PostgreSQL and sends e-mail.
"""

from tarifa.documents.model import DocumentType, InvoiceDocument, build_document

__all__ = ["DocumentType", "InvoiceDocument", "build_document"]
