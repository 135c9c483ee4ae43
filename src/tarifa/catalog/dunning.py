"""A dunning schedule: on which day past an invoice's due date to do what (DOMAIN.md
"Payments": a retry and reminder schedule per plan, for example days 3, 7, 14, then
suspension). A plan of the catalog may carry one (`dunning:` in the catalog file); the
installation has a default (TARIFA_DUNNING_SCHEDULE). Pure: the values, parsing and checking.

Steps are taken on days after the due date, at least 1, strictly increasing:

- ``remind``: a reminder e-mail (the first one, then the second for every later one);
- ``retry``: the invoice is charged again to the account's card;
- ``suspend``: the account's running subscriptions are suspended;
- ``write_off``: what is left of the invoice is written off (bad debt). It ends the invoice's
  dunning, so it can only be the last step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tarifa.errors import FieldError, ValidationError


class Action(StrEnum):
    REMIND = "remind"
    RETRY = "retry"
    SUSPEND = "suspend"
    WRITE_OFF = "write_off"


@dataclass(frozen=True, slots=True, order=True)
class Step:
    day: int
    action: Action


#: Remind on day 3, retry the card on day 7, remind again on day 14, suspend on day 21.
DEFAULT = "3:remind,7:retry,14:remind,21:suspend"

_WRITE = "write DAY:remind, DAY:retry, DAY:suspend or DAY:write_off"


def parse_schedule(text: str, *, field: str = "schedule") -> tuple[Step, ...]:
    """Steps from "DAY:ACTION,..." (days strictly increasing, at least 1)."""
    steps = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        day, _, action = part.partition(":")
        try:
            steps.append(Step(int(day), Action(action.strip())))
        except ValueError:
            raise ValidationError.single(field, f"{part!r}: {_WRITE}") from None
    problems = schedule_problems(steps, field)
    if problems:
        raise ValidationError(problems)
    return tuple(steps)


def schedule_problems(steps: Sequence[Step], field: str) -> list[FieldError]:
    """What is wrong with a schedule, each problem naming `field`."""
    days = [s.day for s in steps]
    problems = []
    if not steps or days != sorted(set(days)) or days[0] < 1:
        problems.append(FieldError(field, "days must be at least 1 and increasing"))
    if any(s.action is Action.WRITE_OFF for s in steps[:-1]):
        problems.append(
            FieldError(field, "write_off ends an invoice's dunning: it can only be the last step")
        )
    return problems


def format_schedule(steps: Sequence[Step]) -> str:
    """The "DAY:ACTION,..." text of a schedule (how it is stored)."""
    return ",".join(f"{s.day}:{s.action.value}" for s in steps)


__all__ = [
    "DEFAULT",
    "Action",
    "Step",
    "format_schedule",
    "parse_schedule",
    "schedule_problems",
]
