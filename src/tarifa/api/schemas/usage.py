"""Usage records in batches, the quarantine, and rating runs."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field

from tarifa.api.schemas.common import Amount, Body, Public

MAX_BATCH = 10_000


class UsageRecordCreate(Body):
    """One usage record, as the JSON lines import reads it (docs/rating.md, "JSON lines").
    Only `id` is checked here: a record that is wrong in any other way is quarantined with
    its reason, and the batch's good records are stored all the same."""

    id: str = Field(min_length=1, description="the source's id of the record (idempotency)")
    account: str | None = Field(None, examples=["+4915112345678"])
    account_kind: str | None = Field(None, examples=["e164"])
    destination: str | None = Field(None, examples=["4930123456"])
    start: str | None = Field(None, examples=["2026-03-02T09:15:00+01:00"])
    usage: str | int | None = Field(None, examples=["130"], description="a decimal as a string")
    service: str | None = Field(None, examples=["voice"])
    unit: str | None = Field(None, examples=["seconds"])
    disposition: str | None = Field(None, examples=["ANSWERED"])


class UsageBatchCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "mediation-1",
                    "records": [
                        {
                            "id": "c-1",
                            "account": "+4915112345678",
                            "start": "2026-03-02T09:15:00+01:00",
                            "usage": "130",
                            "service": "voice",
                            "destination": "4930123456",
                        }
                    ],
                }
            ]
        },
    )

    source: str = Field(min_length=1, examples=["mediation-1"], description="the sending system")
    tenant: str = "default"
    timezone: str | None = Field(None, description="for times written without an offset")
    records: list[UsageRecordCreate] = Field(min_length=1, max_length=MAX_BATCH)


class UsageBatchPublic(Public):
    """received = accepted + filtered + duplicates + quarantined."""

    import_id: int
    source: str
    received: int
    accepted: int
    filtered: int
    duplicates: int
    quarantined: int


class QuarantinedPublic(Public):
    id: int
    source: str
    line: int
    reason: str
    raw: str
    import_id: int
    file: str | None
    quarantined_at: dt.datetime


class RatingRefusalPublic(Public):
    """A record the rater refused: where it came from and why (`code`, `message`)."""

    usage_id: int
    source: str
    record_id: str | None
    account: str = Field(description="the account's external id")
    started_at: dt.datetime
    category: str
    destination: str
    usage: Amount = Field(description="in its unit: seconds, bytes or events")
    unit: str
    code: str = Field(examples=["unauthorized_destination"])
    message: str
    run_id: int
    failed_at: dt.datetime


class QuarantineRetryCreate(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"source": "mediation-1"}]}
    )

    source: str | None = None


class QuarantineRetryPublic(Public):
    retry_id: int
    source: str | None
    received: int
    accepted: int
    filtered: int
    duplicates: int
    quarantined: int


class RatingRunPublic(Public):
    run_id: int
    batches: int
    rated: int
    errors: int
    costs: dict[str, Amount] = Field(description="per currency")


class RerateCreate(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}]
        },
    )

    start: dt.datetime = Field(description="first instant rated again (with its offset)")
    end: dt.datetime = Field(description="end instant, exclusive")
    account: str | None = Field(None, description="only this account (external id)")


class ReratePublic(Public):
    run_id: int
    records: int
    rated: int
    errors: int
    cost_before: Amount
    cost_after: Amount
    difference: Amount
