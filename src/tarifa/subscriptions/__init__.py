"""Subscriptions: what an account subscribed to, how many, in what state, over time."""

from tarifa.subscriptions.timeline import Change, ChangeKind, Segment, State, Timeline, timeline

__all__ = ["Change", "ChangeKind", "Segment", "State", "Timeline", "timeline"]
