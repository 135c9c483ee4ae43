"""A subscription's history as a timeline: what was subscribed, how many, and in what state,
on every local date (DOMAIN.md, "Subscriptions and billing cycles").

A subscription is an append-only list of :class:`Change` records, each effective from a local
date in the account's time zone: created, plan changed, quantity changed, suspended, resumed,
cancelled. :func:`timeline` checks the list and turns it into :class:`Segment` s: half-open
ranges of dates ``[start, end)`` of constant plan, quantity and state, the last one open
(``end`` None) unless the subscription is cancelled. A trial is the first ``trial_days``
days, its own state, free of recurring fees.

Changes that take effect at a period end (a downgrade, a cancellation at the end of the
paid period) are recorded with that date as their effective date: the timeline does not know
billing periods; the service that records a change works the date out from the cycle.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from tarifa.billing.cycles import Period
from tarifa.errors import FieldError, ValidationError


class ChangeKind(StrEnum):
    CREATED = "created"
    PLAN_CHANGED = "plan_changed"
    QUANTITY_CHANGED = "quantity_changed"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    CANCELLED = "cancelled"


class State(StrEnum):
    TRIAL = "trial"
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One entry of a subscription's history. `plan` for created and plan_changed (a plan
    code), `quantity` for created and quantity_changed (seats, lines: at least 1),
    `trial_days` for created."""

    kind: ChangeKind
    effective: dt.date
    plan: str | None = None
    quantity: int | None = None
    trial_days: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    start: dt.date
    end: dt.date | None
    plan: str
    quantity: int
    state: State

    def clipped(self, period: Period) -> Segment | None:
        """The part of this segment inside `period`, or None."""
        start = max(self.start, period.start)
        end = period.end if self.end is None else min(self.end, period.end)
        return replace(self, start=start, end=end) if start < end else None


@dataclass(frozen=True, slots=True)
class Timeline:
    start: dt.date
    #: Empty for a subscription cancelled on the day it was to start.
    segments: tuple[Segment, ...]
    #: The first day it no longer runs (None while it runs on).
    cancelled_from: dt.date | None

    def on(self, day: dt.date) -> Segment | None:
        """The segment of `day` (None before the start or from the cancellation on)."""
        return next(
            (s for s in self.segments if s.start <= day and (s.end is None or day < s.end)), None
        )

    def plan_since(self, day: dt.date) -> dt.date:
        """Since when the plan in force on `day` has been the subscription's plan without a
        break: the catalog version of that date is the one it is billed on (a subscription
        stays on the version it took until it is moved to another plan)."""
        since = self.start
        plan = None
        for segment in self.segments:
            if segment.start > day:
                break
            if segment.plan != plan:
                plan, since = segment.plan, segment.start
        return since

    def within(self, period: Period) -> tuple[Segment, ...]:
        """The segments inside `period`, clipped to it, in order."""
        clipped = (s.clipped(period) for s in self.segments)
        return tuple(s for s in clipped if s is not None)


def timeline(changes: Sequence[Change]) -> Timeline:
    """The timeline of a history; ValidationError (with the index of the change at fault)
    for a history that cannot have happened."""
    problems: list[FieldError] = []
    if not changes or changes[0].kind is not ChangeKind.CREATED:
        raise ValidationError.single("changes[0]", "a subscription starts with created")
    first = changes[0]
    plan, quantity = first.plan, first.quantity
    if not plan:
        problems.append(FieldError("changes[0].plan", "is required"))
    if quantity is None or quantity < 1:
        problems.append(FieldError("changes[0].quantity", "must be at least 1"))
    if first.trial_days < 0:
        problems.append(FieldError("changes[0].trial_days", "must not be negative"))
    if problems:
        raise ValidationError(problems)
    assert plan is not None
    assert quantity is not None
    segments: list[Segment] = []
    state = State.TRIAL if first.trial_days else State.ACTIVE
    since = first.effective
    trial_ends = first.effective + dt.timedelta(days=first.trial_days)
    cancelled: dt.date | None = None
    # The history is in the order it was recorded; no change takes effect before one
    # recorded earlier (a change "as of last week" is a correction, not history).
    latest = first.effective
    for i, recorded in enumerate(changes[1:], start=1):
        if recorded.effective < latest:
            problems.append(FieldError(f"changes[{i}].effective", "is before an earlier change"))
        latest = max(latest, recorded.effective)
    if problems:
        raise ValidationError(problems)
    # A trial's end is a change of state like any other: interleave it with the history.
    moments: list[tuple[dt.date, int, Change | None]] = [
        (c.effective, i, c) for i, c in enumerate(changes) if i > 0
    ]
    if first.trial_days:
        moments.append((trial_ends, -1, None))
    moments.sort(key=lambda m: (m[0], m[1] if m[1] >= 0 else -1))
    for effective, index, change in moments:
        where = f"changes[{index}]"
        if cancelled is not None:
            if change is not None:
                problems.append(FieldError(where, "comes after the cancellation"))
            continue
        new_plan, new_quantity, new_state = plan, quantity, state
        if change is None:
            if state is State.TRIAL:
                new_state = State.ACTIVE
        elif change.kind is ChangeKind.CREATED:
            problems.append(FieldError(where, "a subscription is created once"))
            continue
        elif change.kind is ChangeKind.PLAN_CHANGED:
            if not change.plan:
                problems.append(FieldError(f"{where}.plan", "is required"))
                continue
            new_plan = change.plan
        elif change.kind is ChangeKind.QUANTITY_CHANGED:
            if change.quantity is None or change.quantity < 1:
                problems.append(FieldError(f"{where}.quantity", "must be at least 1"))
                continue
            new_quantity = change.quantity
        elif change.kind is ChangeKind.SUSPENDED:
            if state is State.SUSPENDED:
                problems.append(FieldError(where, "is suspended already"))
                continue
            new_state = State.SUSPENDED
        elif change.kind is ChangeKind.RESUMED:
            if state is not State.SUSPENDED:
                problems.append(FieldError(where, "is not suspended"))
                continue
            new_state = State.TRIAL if effective < trial_ends else State.ACTIVE
        elif change.kind is ChangeKind.CANCELLED:
            cancelled = effective
        if effective > since:
            segment = Segment(start=since, end=effective, plan=plan, quantity=quantity, state=state)
            segments.append(segment)
            since = effective
        plan, quantity, state = new_plan, new_quantity, new_state
    if problems:
        raise ValidationError(problems)
    if cancelled is None:
        segments.append(Segment(start=since, end=None, plan=plan, quantity=quantity, state=state))
    return Timeline(first.effective, tuple(_merged(segments)), cancelled)


def _merged(segments: list[Segment]) -> list[Segment]:
    """Neighbours that do not differ (a suspension resumed the same day) become one."""
    merged: list[Segment] = []
    for segment in segments:
        last = merged[-1] if merged else None
        if last is not None and (last.plan, last.quantity, last.state) == (
            segment.plan,
            segment.quantity,
            segment.state,
        ):
            merged[-1] = replace(last, end=segment.end)
        else:
            merged.append(segment)
    return merged


__all__ = ["Change", "ChangeKind", "Segment", "State", "Timeline", "timeline"]
