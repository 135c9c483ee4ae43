"""`tarifa webhooks endpoints add|list|disable|enable|remove`, `events`, `deliveries`, `log`,
`replay`, `purge` and `deliver` (the worker)."""

from __future__ import annotations

import json
import signal
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from types import FrameType

import typer
from rich.table import Table

from tarifa.cli.output import JsonOption, actor, console, emit
from tarifa.errors import ValidationError
from tarifa.facade import connect
from tarifa.webhooks import EVENT_TYPES, Sent

app = typer.Typer(help="Webhooks: endpoints, events, deliveries, the worker.",
                  no_args_is_help=True)  # fmt: skip
endpoints_app = typer.Typer(help="Where events are sent.", no_args_is_help=True)
app.add_typer(endpoints_app, name="endpoints")

LimitOption = typer.Option(100, min=1, max=10_000, help="At most this many rows.")


@endpoints_app.command("add")
def add(
    url: str = typer.Argument(..., help="The receiver's URL (http or https)."),
    events: str = typer.Option(
        ..., "--events", help=f"Comma-separated event types, or '*': {', '.join(EVENT_TYPES)}."
    ),
    description: str = typer.Option(None, help="What the endpoint is for."),
    as_json: bool = JsonOption,
) -> None:
    """Add an endpoint; its signing secret is shown this once."""
    with connect(actor=actor()) as billing:
        endpoint, secret = billing.webhooks.add_endpoint(
            url, events.split(","), description=description
        )
    emit(
        asdict(endpoint) | {"secret": secret},
        as_json,
        lambda: console.print(
            f"endpoint {endpoint.id} → {endpoint.url} ({', '.join(endpoint.event_types)})\n"
            f"signing secret: {secret}\nstore it now: it is not shown again"
        ),
    )


@endpoints_app.command("list")
def list_(as_json: bool = JsonOption) -> None:
    """Every endpoint (never their secrets)."""
    with connect(actor=actor()) as billing:
        found = billing.webhooks.endpoints()
    table = Table("id", "url", "events", "active", "created")
    for e in found:
        table.add_row(str(e.id), e.url, ", ".join(e.event_types), "yes" if e.active else "no",
                      f"{e.created_at:%Y-%m-%d %H:%M}")  # fmt: skip
    emit([asdict(e) for e in found], as_json, lambda: console.print(table))


@endpoints_app.command("disable")
def disable(endpoint_id: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Stop sending to an endpoint (its queued deliveries wait until it is enabled)."""
    with connect(actor=actor()) as billing:
        endpoint = billing.webhooks.disable(endpoint_id)
    emit(asdict(endpoint), as_json, lambda: console.print(f"endpoint {endpoint.id} disabled"))


@endpoints_app.command("enable")
def enable(endpoint_id: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Send to an endpoint again, queued deliveries first."""
    with connect(actor=actor()) as billing:
        endpoint = billing.webhooks.enable(endpoint_id)
    emit(asdict(endpoint), as_json, lambda: console.print(f"endpoint {endpoint.id} enabled"))


@endpoints_app.command("remove")
def remove(endpoint_id: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Delete an endpoint with its deliveries and their log (the events stay)."""
    with connect(actor=actor()) as billing:
        endpoint = billing.webhooks.remove(endpoint_id)
    emit(asdict(endpoint), as_json, lambda: console.print(f"endpoint {endpoint.id} removed"))


@app.command("events")
def events(
    type_: str = typer.Option(None, "--type", help="Only events of this type."),
    since: str = typer.Option(None, help="Written at or after this ISO 8601 time (with offset)."),
    after: int = typer.Option(0, help="After this position (seq), to page."),
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """The outbox, oldest first."""
    with connect(actor=actor()) as billing:
        found = billing.webhooks.events(since=_instant(since), type=type_, after=after, limit=limit)
    table = Table("seq", "id", "type", "created", "payload")
    for e in found:
        table.add_row(str(e.seq), e.id, e.type, f"{e.created_at:%Y-%m-%d %H:%M:%S}",
                      json.dumps(e.payload)[:80])  # fmt: skip
    emit([asdict(e) for e in found], as_json, lambda: console.print(table))


@app.command("deliveries")
def deliveries(
    event: str = typer.Option(None, help="Of this event id (msg_…)."),
    endpoint: int = typer.Option(None, help="To this endpoint."),
    status: str = typer.Option(None, help="pending, delivered or failed."),
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """Deliveries, newest first."""
    with connect(actor=actor()) as billing:
        found = billing.webhooks.deliveries(
            event_id=event, endpoint=endpoint, status=status, limit=limit
        )
    table = Table("id", "event", "type", "endpoint", "status", "attempts", "next", "last")
    for d in found:
        last = d.last_error or (str(d.last_status_code) if d.last_status_code else "")
        table.add_row(
            str(d.id), d.event_id, d.event_type, str(d.endpoint_id),
            d.status + (" (replay)" if d.replay else ""), str(d.attempts),
            f"{d.next_attempt_at:%Y-%m-%d %H:%M:%S}" if d.next_attempt_at else "", last,
        )  # fmt: skip
    emit([asdict(d) for d in found], as_json, lambda: console.print(table))


@app.command("log")
def log(
    event: str = typer.Option(None, help="Of this event id (msg_…)."),
    endpoint: int = typer.Option(None, help="To this endpoint."),
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """The delivery log: every attempt, newest first."""
    with connect(actor=actor()) as billing:
        found = billing.webhooks.log(event_id=event, endpoint=endpoint, limit=limit)
    table = Table("at", "event", "type", "endpoint", "attempt", "answer", "ms", "error")
    for a in found:
        answer = str(a.status_code) if a.status_code else ("" if a.finished_at else "cut off")
        table.add_row(
            f"{a.started_at:%Y-%m-%d %H:%M:%S}", a.event_id, a.event_type, str(a.endpoint_id),
            str(a.attempt), answer, str(a.duration_ms or ""), a.error or "",
        )  # fmt: skip
    emit([asdict(a) for a in found], as_json, lambda: console.print(table))


@app.command("replay")
def replay(
    event_id: str = typer.Argument(..., help="The event (msg_…)."),
    endpoint: int = typer.Option(
        None, help="Only to this endpoint (default: every active one subscribed to its type)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Send a past event again (a new delivery, same webhook-id), due now."""
    with connect(actor=actor()) as billing:
        made = billing.webhooks.replay(event_id, endpoint=endpoint)
    emit(
        [asdict(d) for d in made],
        as_json,
        lambda: console.print(
            f"{event_id}: {len(made)} new deliveries"
            + "".join(f"\n  #{d.id} → {d.url}" for d in made)
        ),
    )


@app.command("purge")
def purge(
    older_than: int = typer.Option(
        ..., "--older-than", min=1, help="Days: remove what was written before this many days ago."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Remove events done with (every delivery delivered or failed) older than --older-than
    days, with their deliveries and log. Events still being delivered stay."""
    before = datetime.now(UTC) - timedelta(days=older_than)
    with connect(actor=actor()) as billing:
        report = billing.webhooks.purge(before=before)
    emit(
        asdict(report) | {"before": before.isoformat()},
        as_json,
        lambda: console.print(
            f"removed {report.events} events, {report.deliveries} deliveries and "
            f"{report.attempts} attempts written before {before:%Y-%m-%d %H:%M} UTC"
        ),
    )


@app.command("deliver")
def deliver(
    once: bool = typer.Option(False, "--once", help="Deliver what is due, then exit."),
    batch: int = typer.Option(10, min=1, max=1000, help="Deliveries claimed and sent at once."),
    timeout: float = typer.Option(10.0, min=0.1, help="Seconds to connect, send and answer."),
    poll: float = typer.Option(1.0, min=0.0, help="Seconds between looks when idle."),
    as_json: bool = JsonOption,
) -> None:
    """Run the delivery worker: POST due events, signed; retry failures with backoff.
    Several may run at once; SIGTERM stops it after the batch in flight."""
    stopping = [False]

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping[0] = True

    signal.signal(signal.SIGTERM, _stop)

    def _print(sent: Sent) -> None:
        if as_json:
            sys.stdout.write(json.dumps(asdict(sent)) + "\n")
            sys.stdout.flush()
        else:
            answer = sent.status_code or sent.error
            console.print(
                f"{sent.event_id} {sent.event_type} → {sent.url}: {answer} "
                f"({sent.duration_ms} ms, attempt {sent.attempt}, {sent.outcome})"
            )

    with connect(actor=actor()) as billing:
        report = billing.webhooks.deliver(
            once=once, batch=batch, timeout=timeout, poll_seconds=poll, on_sent=_print,
            stop=lambda: stopping[0],
        )  # fmt: skip
    if as_json:  # JSON lines: one per attempt, then the totals
        sys.stdout.write(json.dumps({"report": asdict(report)}) + "\n")
    else:
        console.print(
            f"{report.attempted} attempts: {report.delivered} delivered, "
            f"{report.retrying} to retry, {report.failed} failed"
        )


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError.single("--since", "must be an ISO 8601 time") from None
    if value.tzinfo is None:
        raise ValidationError.single("--since", "must carry an offset (e.g. +00:00 or Z)")
    return value
