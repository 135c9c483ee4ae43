"""The sellers service (`tarifa.connect().sellers`): add, change, look up, number invoices.

Each change is one transaction with one audit row (``seller.added``, ``seller.changed``). A
seller is never deleted: invoices name it for as long as they are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import psycopg

from tarifa.audit import record
from tarifa.customers.model import Address
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import ConflictError, NotFoundError, ValidationError
from tarifa.sellers.model import NumberSeries, Seller, SellerDraft, check_seller

_SQL = queries.load("sellers")


class Sellers:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    def add(self, raw: Mapping[str, Any]) -> Seller:
        """Store a new seller (ValidationError for every problem; ConflictError when its code
        is taken)."""
        draft = check_seller(raw)
        with self.db.transaction() as conn:
            try:
                with conn.transaction():
                    row = queries.one(conn, _SQL["insert_seller"], _params(draft))
            except psycopg.errors.UniqueViolation:
                raise ConflictError(f"a seller with code {draft.code!r} exists") from None
            seller = _seller(row)
            record(
                conn,
                actor=self.actor,
                action="seller.added",
                entity_type="seller",
                entity_id=seller.id,
                data=_audited(seller),
            )
        return seller

    def change(self, raw: Mapping[str, Any], *, version: int | None = None) -> Seller:
        """Replace every field of the seller whose code `raw` names (its code stays). With
        `version`, ConflictError when the stored seller is not at that version."""
        draft = check_seller(raw)
        with self.db.transaction() as conn:
            row = conn.execute(
                _SQL["update_seller"], {**_params(draft), "version": version}
            ).fetchone()
            if row is None:
                if self._find(conn, draft.code) is None:
                    raise NotFoundError(f"no seller {draft.code!r}")
                raise ConflictError(f"seller {draft.code!r} changed since version {version}")
            seller = _seller(row)
            record(
                conn,
                actor=self.actor,
                action="seller.changed",
                entity_type="seller",
                entity_id=seller.id,
                data=_audited(seller),
            )
        return seller

    def get(self, code: str) -> Seller:
        with self.db.transaction() as conn:
            row = self._find(conn, code)
        if row is None:
            raise NotFoundError(f"no seller {code!r}")
        return _seller(row)

    def issuer(self, code: str | None) -> Seller:
        """The seller that invoices: the one named, or the only one there is."""
        if code is not None:
            return self.get(code)
        known = self.list()
        if len(known) != 1:
            raise ValidationError.single(
                "seller", f"{len(known)} sellers are defined: name the one that invoices"
            )
        return known[0]

    def list(self) -> list[Seller]:
        with self.db.transaction() as conn:
            return [_seller(row) for row in conn.execute(_SQL["sellers"]).fetchall()]

    @staticmethod
    def _find(conn: Connection, code: str) -> dict[str, Any] | None:
        return conn.execute(_SQL["seller_by_code"], {"code": code}).fetchone()


def next_invoice_number(conn: Connection, seller_id: int, day: dt.date) -> tuple[int, str]:
    """Take the next number of the seller's series for an invoice dated `day`, in the caller's
    transaction (the one that finalizes the invoice): (number, formatted number)."""
    found = queries.one(conn, _SQL["next_invoice_number"], {"seller_id": seller_id, "day": day})
    return int(found["number"]), str(found["formatted"])


def _params(draft: SellerDraft) -> dict[str, Any]:
    address = draft.address
    return {
        "code": draft.code,
        "legal_name": draft.legal_name,
        "address_line1": address.line1,
        "address_line2": address.line2,
        "postal_code": address.postal_code,
        "city": address.city,
        "region": address.region,
        "country": address.country,
        "vat_id": draft.vat_id,
        "iban": draft.iban,
        "bic": draft.bic,
        "sepa_creditor_id": draft.sepa_creditor_id,
        "email": draft.email,
        "legal_footer": draft.legal_footer,
        "series_pattern": draft.series.pattern,
        "series_width": draft.series.width,
    }


def _seller(row: Mapping[str, Any]) -> Seller:
    return Seller(
        id=int(row["id"]),
        code=str(row["code"]),
        legal_name=str(row["legal_name"]),
        address=Address(
            line1=row["address_line1"],
            line2=row["address_line2"],
            postal_code=row["postal_code"],
            city=row["city"],
            region=row["region"],
            country=str(row["country"]),
        ),
        vat_id=row["vat_id"],
        iban=row["iban"],
        bic=row["bic"],
        sepa_creditor_id=row["sepa_creditor_id"],
        email=row["email"],
        legal_footer=row["legal_footer"],
        series=NumberSeries(pattern=str(row["series_pattern"]), width=int(row["series_width"])),
        created_at=row["created_at"],
        version=int(row["version"]),
    )


def _audited(seller: Seller) -> dict[str, Any]:
    data = asdict(seller)
    data.pop("created_at")
    return data


__all__ = ["Sellers", "next_invoice_number"]
