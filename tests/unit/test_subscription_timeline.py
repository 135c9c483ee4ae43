"""A subscription's history becomes segments of constant plan, quantity and state; a history
that cannot have happened is refused with the change at fault."""

from __future__ import annotations

import datetime as dt

import pytest

from tarifa.billing import Period
from tarifa.errors import ValidationError
from tarifa.subscriptions import Change, ChangeKind, Segment, State, timeline

D = dt.date
K = ChangeKind


def created(day: dt.date, plan: str = "mobile-s", quantity: int = 1, trial: int = 0) -> Change:
    return Change(kind=K.CREATED, effective=day, plan=plan, quantity=quantity, trial_days=trial)


def test_a_plain_subscription_is_one_open_active_segment() -> None:
    found = timeline([created(D(2026, 3, 15))])
    assert found.segments == (
        Segment(start=D(2026, 3, 15), end=None, plan="mobile-s", quantity=1, state=State.ACTIVE),
    )
    assert found.on(D(2026, 3, 14)) is None
    assert found.on(D(2030, 1, 1)) == found.segments[0]


def test_a_trial_then_an_upgrade_then_more_seats_then_a_cancellation() -> None:
    history = [
        created(D(2026, 3, 1), trial=14),
        Change(kind=K.PLAN_CHANGED, effective=D(2026, 3, 20), plan="mobile-l"),
        Change(kind=K.QUANTITY_CHANGED, effective=D(2026, 4, 1), quantity=3),
        Change(kind=K.CANCELLED, effective=D(2026, 5, 10)),
    ]
    found = timeline(history)
    assert [(s.start, s.end, s.plan, s.quantity, s.state) for s in found.segments] == [
        (D(2026, 3, 1), D(2026, 3, 15), "mobile-s", 1, State.TRIAL),
        (D(2026, 3, 15), D(2026, 3, 20), "mobile-s", 1, State.ACTIVE),
        (D(2026, 3, 20), D(2026, 4, 1), "mobile-l", 1, State.ACTIVE),
        (D(2026, 4, 1), D(2026, 5, 10), "mobile-l", 3, State.ACTIVE),
    ]
    assert found.cancelled_from == D(2026, 5, 10)
    assert found.on(D(2026, 5, 10)) is None


def test_a_suspension_stops_the_active_days_and_resuming_restores_them() -> None:
    found = timeline(
        [
            created(D(2026, 1, 1)),
            Change(kind=K.SUSPENDED, effective=D(2026, 3, 10)),
            Change(kind=K.RESUMED, effective=D(2026, 3, 25)),
        ]
    )
    march = found.within(Period(D(2026, 3, 1), D(2026, 4, 1)))
    assert [(s.start, s.end, s.state) for s in march] == [
        (D(2026, 3, 1), D(2026, 3, 10), State.ACTIVE),
        (D(2026, 3, 10), D(2026, 3, 25), State.SUSPENDED),
        (D(2026, 3, 25), D(2026, 4, 1), State.ACTIVE),
    ]
    # 9 + 7 active days in March, 15 suspended (no recurring fee for those: DOMAIN.md).
    assert sum((s.end - s.start).days for s in march if s.state is State.ACTIVE) == 16


def test_a_suspension_over_the_end_of_a_trial_resumes_as_paid() -> None:
    found = timeline(
        [
            created(D(2026, 3, 1), trial=10),
            Change(kind=K.SUSPENDED, effective=D(2026, 3, 5)),
            Change(kind=K.RESUMED, effective=D(2026, 3, 20)),
        ]
    )
    assert [(s.start, s.state) for s in found.segments] == [
        (D(2026, 3, 1), State.TRIAL),
        (D(2026, 3, 5), State.SUSPENDED),
        (D(2026, 3, 20), State.ACTIVE),
    ]


def test_changes_that_undo_each_other_the_same_day_leave_one_segment() -> None:
    found = timeline(
        [
            created(D(2026, 3, 1)),
            Change(kind=K.SUSPENDED, effective=D(2026, 3, 5)),
            Change(kind=K.RESUMED, effective=D(2026, 3, 5)),
        ]
    )
    assert len(found.segments) == 1


def test_a_subscription_cancelled_the_day_it_starts_has_no_days() -> None:
    found = timeline([created(D(2026, 3, 1)), Change(kind=K.CANCELLED, effective=D(2026, 3, 1))])
    assert (found.segments, found.start, found.cancelled_from) == ((), D(2026, 3, 1), D(2026, 3, 1))


@pytest.mark.parametrize(
    ("history", "field"),
    [
        ([Change(kind=K.SUSPENDED, effective=D(2026, 3, 1))], "changes[0]"),
        ([created(D(2026, 3, 1), quantity=0)], "changes[0].quantity"),
        (
            [created(D(2026, 3, 1)), Change(kind=K.RESUMED, effective=D(2026, 3, 2))],
            "changes[1]",
        ),
        (
            [
                created(D(2026, 3, 1)),
                Change(kind=K.CANCELLED, effective=D(2026, 3, 5)),
                Change(kind=K.PLAN_CHANGED, effective=D(2026, 3, 9), plan="mobile-l"),
            ],
            "changes[2]",
        ),
        (
            [
                created(D(2026, 3, 1)),
                Change(kind=K.QUANTITY_CHANGED, effective=D(2026, 3, 9), quantity=2),
                Change(kind=K.QUANTITY_CHANGED, effective=D(2026, 3, 5), quantity=3),
            ],
            "changes[2].effective",
        ),
        (
            [created(D(2026, 3, 1)), Change(kind=K.PLAN_CHANGED, effective=D(2026, 3, 9))],
            "changes[1].plan",
        ),
    ],
)
def test_a_history_that_cannot_have_happened_names_the_change_at_fault(
    history: list[Change], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        timeline(history)
    assert [e.field for e in raised.value.errors] == [field]
