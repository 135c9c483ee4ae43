"""Customers (accounts) and their usage identifiers."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import ConfigDict, Field

from tarifa.api.schemas.common import Body, Public

Kind = Literal["person", "business"]


class AddressBody(Body):
    line1: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str = Field(examples=["DE"], description="ISO 3166-1 alpha-2")


class AddressPublic(Public):
    line1: str | None
    line2: str | None
    postal_code: str | None
    city: str | None
    region: str | None
    country: str


class CustomerCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "CRM-DE-000034",
                    "kind": "person",
                    "legal_name": "Erika Mustermann",
                    "emails": ["erika@example.de"],
                    "address": {
                        "line1": "Hauptstraße 5",
                        "postal_code": "10115",
                        "city": "Berlin",
                        "country": "DE",
                    },
                    "currency": "EUR",
                    "time_zone": "Europe/Berlin",
                    "billing_cycle_day": 1,
                    "locale": "de-DE",
                }
            ]
        },
    )

    external_id: str = Field(examples=["CRM-DE-000034"], description="the CRM's id")
    kind: Kind
    legal_name: str = Field(examples=["Erika Mustermann"])
    emails: list[str] = Field(default_factory=list)
    address: AddressBody
    currency: str = Field(examples=["EUR"])
    time_zone: str = Field(examples=["Europe/Berlin"])
    billing_cycle_day: int = Field(examples=[1])
    locale: str = Field(examples=["de-DE"])
    payment_terms_days: int | None = None
    tax_id: str | None = None
    tax_exempt_reason: str | None = None
    parent_external_id: str | None = None

    def raw(self) -> dict[str, Any]:
        """The record as tarifa's customer validation reads it (flat, as a CSV row)."""
        fields = self.model_dump(exclude_unset=True, exclude={"address"})
        return fields | _flat(self.address)


class CustomerUpdate(Body):
    """The fields to change; those left out stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"billing_cycle_day": 15, "emails": ["billing@example.de"]}]
        },
    )

    legal_name: str | None = None
    emails: list[str] | None = None
    address: AddressBody | None = None
    time_zone: str | None = None
    billing_cycle_day: int | None = None
    locale: str | None = None
    payment_terms_days: int | None = None
    tax_id: str | None = None
    tax_exempt_reason: str | None = None
    status: Literal["active", "suspended"] | None = None

    def raw(self) -> dict[str, Any]:
        fields = self.model_dump(exclude_unset=True, exclude={"address"})
        return fields | (_flat(self.address) if self.address is not None else {})


def _flat(address: AddressBody) -> dict[str, Any]:
    raw = address.model_dump()
    return {"address_line1": raw.pop("line1"), "address_line2": raw.pop("line2")} | raw


class CustomerPublic(Public):
    id: int
    external_id: str
    kind: Kind
    status: Literal["active", "suspended", "closed"]
    legal_name: str
    emails: list[str]
    address: AddressPublic
    currency: str
    time_zone: str
    billing_cycle_day: int
    locale: str
    payment_terms_days: int
    tax_id: str | None
    tax_exempt_reason: str | None
    parent_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    version: int = Field(description="grows with every change; the ETag")


class IdentifierCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "e164",
                    "value": "+4915112345678",
                    "valid_from": "2026-10-01T00:00:00+02:00",
                }
            ]
        },
    )

    kind: Literal["e164", "sip", "account_code"] = Field(examples=["e164"])
    value: str = Field(examples=["+4915112345678"])
    valid_from: dt.datetime
    valid_to: dt.datetime | None = None


class IdentifierPublic(Public):
    id: int
    account_id: int
    subscription_id: int | None
    kind: str
    value: str
    valid_from: dt.datetime
    valid_to: dt.datetime | None
