"""The webhooks service (`tarifa.connect().webhooks`, `tarifa webhooks`): endpoints, the
outbox of events, deliveries and their log, replay, and the delivery worker.

Events are not written here: triggers write them in the transaction of each change
(`sql/functions/webhooks.sql`), with one delivery per subscribed active endpoint. An
endpoint's changes are in the audit log (never its secret).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from tarifa.audit import record
from tarifa.db import queries
from tarifa.db.connection import Connection, Database
from tarifa.errors import NotFoundError, ValidationError
from tarifa.webhooks.model import (
    DEFAULT_SCHEDULE,
    Attempt,
    Delivery,
    DeliveryReport,
    Endpoint,
    Event,
    PurgeReport,
    RetrySchedule,
    Sent,
    check_endpoint,
)
from tarifa.webhooks.signing import generate_secret

if TYPE_CHECKING:
    import httpx

_SQL = queries.load("webhooks")
DEFAULT_LIMIT = 100


class Webhooks:
    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor

    # -- endpoints -----------------------------------------------------------------------------

    def add_endpoint(
        self, url: str, event_types: Sequence[str], *, description: str | None = None
    ) -> tuple[Endpoint, str]:
        """A new active endpoint for `event_types` ('*': all) and its signing secret, shown
        this once (tarifa keeps it to sign, but never shows it again)."""
        types = tuple(dict.fromkeys(t.strip() for t in event_types if t.strip()))
        check_endpoint(url, types)
        secret = generate_secret()
        with self.db.transaction() as conn:
            row = queries.one(
                conn,
                _SQL["insert_endpoint"],
                {"url": url, "secret": secret, "event_types": list(types),
                 "description": description, "actor": self.actor},
            )  # fmt: skip
            _audit(conn, self.actor, "webhook_endpoint.created", row)
        return _endpoint(row), secret

    def endpoints(self) -> list[Endpoint]:
        with self.db.transaction() as conn:
            return [_endpoint(r) for r in queries.rows(conn, _SQL["endpoints"])]

    def endpoint(self, endpoint_id: int) -> Endpoint:
        with self.db.transaction() as conn:
            return _endpoint(_found(conn, "endpoint", endpoint_id))

    def disable(self, endpoint_id: int) -> Endpoint:
        """Stop sending to an endpoint. New events are no longer queued for it; deliveries
        already queued wait (pending) until it is enabled again."""
        return self._set_active(endpoint_id, active=False)

    def enable(self, endpoint_id: int) -> Endpoint:
        return self._set_active(endpoint_id, active=True)

    def remove(self, endpoint_id: int) -> Endpoint:
        """Delete an endpoint with its deliveries and their log (the events stay)."""
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["delete_endpoint"], {"id": endpoint_id}).fetchone()
            if row is None:
                raise NotFoundError(f"no webhook endpoint {endpoint_id}")
            _audit(conn, self.actor, "webhook_endpoint.removed", row)
            return _endpoint(row)

    def _set_active(self, endpoint_id: int, *, active: bool) -> Endpoint:
        with self.db.transaction() as conn:
            row = conn.execute(_SQL["set_active"], {"id": endpoint_id, "active": active})
            found = row.fetchone()
            if found is None:
                raise NotFoundError(f"no webhook endpoint {endpoint_id}")
            action = "enabled" if active else "disabled"
            _audit(conn, self.actor, f"webhook_endpoint.{action}", found)
            return _endpoint(found)

    # -- the outbox and the log ----------------------------------------------------------------

    def events(
        self,
        *,
        since: dt.datetime | None = None,
        type: str | None = None,
        after: int = 0,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Event]:
        """Events oldest first: written at or after `since`, of `type`, after the position
        `after` (an event's `seq`: page with the last one seen)."""
        if since is not None and since.tzinfo is None:
            raise ValidationError.single("since", "must carry a time zone")
        with self.db.transaction() as conn:
            params = {"since": since, "type": type, "after": after, "limit": limit}
            return [_event(r) for r in queries.rows(conn, _SQL["events"], params)]

    def event(self, event_id: str) -> Event:
        with self.db.transaction() as conn:
            return _event(_found(conn, "event", event_id))

    def deliveries(
        self,
        *,
        event_id: str | None = None,
        endpoint: int | None = None,
        status: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Delivery]:
        """Deliveries, newest first, of an event and/or an endpoint, in a status."""
        with self.db.transaction() as conn:
            params = {"event_id": event_id, "endpoint_id": endpoint, "status": status,
                      "limit": limit}  # fmt: skip
            return [_delivery(r) for r in queries.rows(conn, _SQL["deliveries"], params)]

    def log(
        self,
        *,
        event_id: str | None = None,
        endpoint: int | None = None,
        delivery_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Attempt]:
        """The delivery log: every attempt, newest first."""
        with self.db.transaction() as conn:
            params = {"event_id": event_id, "endpoint_id": endpoint,
                      "delivery_id": delivery_id, "limit": limit}  # fmt: skip
            return [_attempt(r) for r in queries.rows(conn, _SQL["attempts"], params)]

    def replay(self, event_id: str, *, endpoint: int | None = None) -> list[Delivery]:
        """Send a past event again: a new delivery (same `webhook-id`, due now) to
        `endpoint`, or to every active endpoint subscribed to its type now."""
        with self.db.transaction() as conn:
            _found(conn, "event", event_id)
            if endpoint is not None:
                _found(conn, "endpoint", endpoint)
            made = queries.rows(
                conn, _SQL["replay"], {"event_id": event_id, "endpoint_id": endpoint}
            )
            ids = [int(str(r["id"])) for r in made]
            record(conn, actor=self.actor, action="webhook_event.replayed",
                   entity_type="webhook_event", entity_id=event_id,
                   data={"endpoint_id": endpoint, "deliveries": ids})  # fmt: skip
            return [_delivery(r) for r in queries.rows(conn, _SQL["deliveries_by_ids"],
                                                       {"ids": ids})]  # fmt: skip

    def purge(self, *, before: dt.datetime) -> PurgeReport:
        """Remove the events written before `before` that are done with (every delivery
        delivered or failed for good), their deliveries and their log; an event still being
        delivered stays. The outbox and the log otherwise grow forever."""
        if before.tzinfo is None:
            raise ValidationError.single("before", "must carry a time zone")
        with self.db.transaction() as conn:
            row = queries.one(conn, _SQL["purge"], {"before": before})
            report = PurgeReport(events=int(row["events"]), deliveries=int(row["deliveries"]),
                                 attempts=int(row["attempts"]))  # fmt: skip
            record(conn, actor=self.actor, action="webhook_events.purged",
                   entity_type="webhook_outbox", entity_id=before.isoformat(),
                   data={"before": before.isoformat(), **asdict(report)})  # fmt: skip
            return report

    # -- the worker ----------------------------------------------------------------------------

    def deliver(
        self,
        *,
        once: bool = True,
        batch: int = 10,
        timeout: float = 10.0,
        schedule: RetrySchedule = DEFAULT_SCHEDULE,
        poll_seconds: float = 1.0,
        client: httpx.Client | None = None,
        on_sent: Callable[[Sent], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> DeliveryReport:
        """Send what is due (:mod:`tarifa.webhooks.delivery`): with `once` until
        nothing is due, else polling until `stop()`."""
        # Imported here: the HTTP client is only loaded by the processes that deliver.
        from tarifa.webhooks import delivery

        return delivery.run(
            self.db,
            once=once,
            batch=batch,
            timeout=timeout,
            schedule=schedule,
            poll_seconds=poll_seconds,
            client=client,
            on_sent=on_sent,
            stop=stop,
        )


def _found(conn: Connection, what: str, key: int | str) -> dict[str, Any]:
    row: dict[str, Any] | None = conn.execute(_SQL[what], {"id": key}).fetchone()
    if row is None:
        raise NotFoundError(f"no webhook {what} {key}")
    return row


def _audit(conn: Connection, actor: str, action: str, row: dict[str, Any]) -> None:
    record(conn, actor=actor, action=action, entity_type="webhook_endpoint",
           entity_id=int(row["id"]),
           data={"url": row["url"], "event_types": list(row["event_types"])})  # fmt: skip


def _endpoint(row: dict[str, Any]) -> Endpoint:
    return Endpoint(
        id=int(row["id"]),
        url=str(row["url"]),
        event_types=tuple(row["event_types"]),
        description=row["description"],
        active=bool(row["active"]),
        created_at=row["created_at"],
    )


def _event(row: dict[str, Any]) -> Event:
    return Event(**{f: row[f] for f in Event.__dataclass_fields__})


def _delivery(row: dict[str, Any]) -> Delivery:
    return Delivery(**{f: row[f] for f in Delivery.__dataclass_fields__})


def _attempt(row: dict[str, Any]) -> Attempt:
    return Attempt(**{f: row[f] for f in Attempt.__dataclass_fields__})


__all__ = ["Webhooks"]
