"""Dunning schedules: parsed with every problem named, and the steps due by days overdue."""

from __future__ import annotations

import pytest

from tarifa.errors import ValidationError
from tarifa.payments.dunning_schedule import DEFAULT, Action, Step, parse_schedule, steps_due


def test_the_default_schedule_reminds_retries_and_suspends() -> None:
    assert parse_schedule(DEFAULT) == (
        Step(3, Action.REMIND),
        Step(7, Action.RETRY),
        Step(14, Action.REMIND),
        Step(21, Action.SUSPEND),
    )


@pytest.mark.parametrize("bad", ["3:shout", "7:retry,3:remind", "0:remind", "", "x:remind"])
def test_a_bad_schedule_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        parse_schedule(bad)


def test_a_late_run_acts_on_the_latest_step_and_passes_over_the_others() -> None:
    steps = parse_schedule(DEFAULT)
    due, act = steps_due(steps, 15, done=set())
    assert [s.day for s in due] == [3, 7, 14]
    assert act == Step(14, Action.REMIND)
    assert steps_due(steps, 15, done={3, 7, 14}) == ([], None)
    assert steps_due(steps, 2, done=set()) == ([], None)
