"""Dunning schedules: parsed with every problem named, the steps due by days overdue, the
schedule an account on several plans follows, and the notice each step sends."""

from __future__ import annotations

import pytest

from tarifa.errors import ValidationError
from tarifa.payments.dunning_schedule import (
    DEFAULT,
    Action,
    Step,
    notice_for,
    parse_schedule,
    steps_due,
    strictest,
)


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


def test_a_schedule_may_end_in_a_write_off_and_only_end_in_one() -> None:
    steps = parse_schedule("3:remind,21:suspend,60:write_off")
    assert steps[-1] == Step(60, Action.WRITE_OFF)
    with pytest.raises(ValidationError, match="write_off ends"):
        parse_schedule("3:write_off,21:suspend")


def test_an_account_on_several_plans_follows_the_one_that_suspends_first() -> None:
    lenient = parse_schedule("3:remind,30:suspend")
    strict = parse_schedule("7:remind,14:suspend,60:write_off")
    never = parse_schedule("1:remind")
    chosen = strictest([("a-lenient", lenient), ("b-strict", strict), ("c-never", never)])
    assert chosen == strict
    assert strictest([("c-never", never)]) == never
    assert strictest([]) is None


def test_plans_suspending_the_same_day_are_told_apart_by_write_off_then_first_step() -> None:
    late_write_off = parse_schedule("3:remind,14:suspend,90:write_off")
    early_write_off = parse_schedule("5:remind,14:suspend,60:write_off")
    assert strictest([("x", late_write_off), ("y", early_write_off)]) == early_write_off
    early_start = parse_schedule("1:remind,14:suspend")
    late_start = parse_schedule("2:remind,14:suspend")
    assert strictest([("x", late_start), ("y", early_start)]) == early_start


def test_the_first_reminder_is_the_first_notice_and_every_later_one_the_second() -> None:
    assert notice_for(Action.REMIND, 0) == "reminder_1"
    assert notice_for(Action.REMIND, 1) == "reminder_2"
    assert notice_for(Action.REMIND, 4) == "reminder_2"
    assert notice_for(Action.SUSPEND, 2) == "suspension"
    assert notice_for(Action.WRITE_OFF, 2) == "write_off"
    assert notice_for(Action.RETRY, 0) is None
