"""Choosing dunning steps (DOMAIN.md "Payments"). The schedule itself is a catalog value
(:mod:`tarifa.catalog.dunning`: a plan may carry one); this module decides which schedule an
account follows, which steps are due, and which notice a step sends. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tarifa.catalog.dunning import DEFAULT, Action, Step, format_schedule, parse_schedule

#: The e-mail a step sends (templates of the same name, :mod:`tarifa.payments.notices`).
FIRST_REMINDER = "reminder_1"
SECOND_REMINDER = "reminder_2"
SUSPENSION = "suspension"
WRITE_OFF = "write_off"
NOTICES = (FIRST_REMINDER, SECOND_REMINDER, SUSPENSION, WRITE_OFF)


def steps_due(
    schedule: Sequence[Step], days_overdue: int, done: set[int]
) -> tuple[list[Step], Step | None]:
    """The steps reached by `days_overdue` not taken yet (by day), and the one to act on: the
    latest of them (the earlier ones are passed over: a run that comes late does not send
    three reminders at once)."""
    due = [s for s in schedule if s.day <= days_overdue and s.day not in done]
    return due, (due[-1] if due else None)


def strictest(schedules: Sequence[tuple[str, tuple[Step, ...]]]) -> tuple[Step, ...] | None:
    """The schedule an account with several plans follows: of its plans' schedules (plan
    code, steps), the one that suspends first, then writes off first, then starts first, then
    the first plan code; None when none of its plans has one. Dunning acts on the account (a
    suspension stops all of its subscriptions), so it follows one schedule, and a lenient
    plan must not shield the debt of a strict one."""

    def key(item: tuple[str, tuple[Step, ...]]) -> tuple[float, float, float, str]:
        code, steps = item
        return (
            _first_day(steps, Action.SUSPEND),
            _first_day(steps, Action.WRITE_OFF),
            steps[0].day if steps else math.inf,
            code,
        )

    found = sorted((s for s in schedules if s[1]), key=key)
    return found[0][1] if found else None


def _first_day(steps: Sequence[Step], action: Action) -> float:
    return next((s.day for s in steps if s.action is action), math.inf)


def notice_for(action: Action, reminders_sent: int) -> str | None:
    """The notice a step taken sends: the first reminder, the second (for every reminder
    after the first), the suspension or write-off notice; a retry sends none."""
    if action is Action.REMIND:
        return FIRST_REMINDER if reminders_sent == 0 else SECOND_REMINDER
    if action is Action.SUSPEND:
        return SUSPENSION
    if action is Action.WRITE_OFF:
        return WRITE_OFF
    return None


__all__ = [
    "DEFAULT",
    "NOTICES",
    "Action",
    "Step",
    "format_schedule",
    "notice_for",
    "parse_schedule",
    "steps_due",
    "strictest",
]
