"""CRM sync: a customer upserted by its external id, and the changes feed."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tarifa.api.schemas.common import Body, Public
from tarifa.api.schemas.customers import AddressBody, CustomerPublic
from tarifa.api.schemas.subscriptions import SubscriptionPublic


class CustomerFields(Body):
    """A customer's fields as a CRM sends them (the address nested). Creating a customer
    needs kind, legal_name, address (country), currency, time_zone, billing_cycle_day and
    locale; on an existing one, the fields sent are changed and the others kept (null
    clears an optional one); kind and currency cannot change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"legal_name": "Erika Mustermann", "emails": ["erika@example.org"]}]
        },
    )

    kind: Literal["person", "business"] | None = None
    legal_name: str | None = Field(None, examples=["ACME AG"])
    emails: list[str] | None = None
    address: AddressBody | None = None
    currency: str | None = Field(None, examples=["EUR"])
    time_zone: str | None = Field(None, examples=["Europe/Berlin"])
    billing_cycle_day: int | None = Field(None, examples=[1])
    locale: str | None = Field(None, examples=["de-DE"])
    payment_terms_days: int | None = None
    tax_id: str | None = None
    tax_exempt_reason: str | None = None
    parent_external_id: str | None = None
    status: Literal["active", "suspended"] | None = None

    def raw(self) -> dict[str, Any]:
        """The fields sent (those left out are not there), flat as the services take them."""
        fields = self.model_dump(exclude_unset=True, exclude={"address"})
        if self.address is not None:
            address = self.address.model_dump(exclude_unset=True)
            renamed = {"line1": "address_line1", "line2": "address_line2"}
            fields |= {renamed.get(k, k): v for k, v in address.items()}
        return fields


class FeedChangePublic(Public):
    cursor: str = Field(description="the feed's position after this change")
    entity: Literal["customer", "subscription"]
    id: int
    action: str = Field(examples=["customer.updated"], description="its latest change")
    recorded_at: dt.datetime
    customer: CustomerPublic | None = Field(description="as it is now (entity customer)")
    subscription: SubscriptionPublic | None = Field(
        description="as it is now (entity subscription)"
    )


class ChangesPagePublic(BaseModel):
    data: list[FeedChangePublic]
    next_cursor: str = Field(description="where to go on from, now or later: keep it")
    has_more: bool = Field(description="true: more changes are there now; ask again at once")
