"""A dunning schedule: on which day past an invoice's due date to do what (DOMAIN.md
"Payments": a retry and reminder schedule, for example days 3, 7, 14, then suspension).
Pure: parsing and choosing the steps due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tarifa.errors import ValidationError


class Action(StrEnum):
    REMIND = "remind"
    RETRY = "retry"
    SUSPEND = "suspend"


@dataclass(frozen=True, slots=True, order=True)
class Step:
    day: int
    action: Action


#: Remind on day 3, retry the card on day 7, remind again on day 14, suspend on day 21.
DEFAULT = "3:remind,7:retry,14:remind,21:suspend"


def parse_schedule(text: str) -> tuple[Step, ...]:
    """Steps from "DAY:ACTION,..." (days strictly increasing, at least 1)."""
    steps = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        day, _, action = part.partition(":")
        try:
            steps.append(Step(int(day), Action(action.strip())))
        except ValueError:
            raise ValidationError.single(
                "schedule", f"{part!r}: write DAY:remind, DAY:retry or DAY:suspend"
            ) from None
    days = [s.day for s in steps]
    if not steps or days != sorted(set(days)) or days[0] < 1:
        raise ValidationError.single("schedule", "days must be at least 1 and increasing")
    return tuple(steps)


def steps_due(
    schedule: Sequence[Step], days_overdue: int, done: set[int]
) -> tuple[list[Step], Step | None]:
    """The steps reached by `days_overdue` not taken yet (by day), and the one to act on: the
    latest of them (the earlier ones are passed over: a run that comes late does not send
    three reminders at once)."""
    due = [s for s in schedule if s.day <= days_overdue and s.day not in done]
    return due, (due[-1] if due else None)


__all__ = ["DEFAULT", "Action", "Step", "parse_schedule", "steps_due"]
