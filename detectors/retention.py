"""Forgetting on event time, so that the keyed states (the 30-day waybill index
above all) stop growing at their window.

A key's state is kept until `retention` (policy, 30 days in seed-v1) has
passed since the later of its last input and its last deadline. One expiry
deadline per key stands for that: when it comes due and the key was touched
since, it moves to the new time; otherwise the state is dropped. Expiry is a
deadline like any other, taken in the one total order (after the rules'
deadlines at the same instant), so an offline run and the stream forget the
same keys at the same event time and cannot disagree.

What forgetting means for the rules: a key quiet for longer than the
retention starts afresh. The policy refuses a retention shorter than any of
its windows, so no rule's own window is ever cut short.
"""
from __future__ import annotations

from .decisions import Timer

EXPIRE = "expire"


def touch(state, side: str, key: str | None, at: int, timers: list[Timer] | tuple, retention_ms: int) -> None:
    """The key was active at `at` and set `timers`: keep it until retention after both. Adds the
    expiry deadline to `timers` when the key has none standing. `key` None: the state's own `key`
    (a parcel's, made only when needed). `timers` may be an empty tuple when the key has an
    expiry deadline standing: nothing is added then."""
    for timer in timers:
        if timer.due > at:
            at = timer.due
    keep = at + retention_ms
    if state.keep_until is None or keep > state.keep_until:
        state.keep_until = keep
    if state.expiry_due is None:
        state.expiry_due = state.keep_until
        timers.append(expiry_timer(side, state.key if key is None else key, state.keep_until))


def on_expiry(state, timer: Timer) -> tuple[bool, Timer | None]:
    """(forget the key?, the deadline that replaces this one)."""
    if state.expiry_due != timer.due:
        return False, None                       # a stale deadline (redelivered): another stands
    if state.keep_until is not None and state.keep_until > timer.due:
        state.expiry_due = state.keep_until
        return False, expiry_timer(timer.side, timer.key, state.keep_until)
    return True, None


def expiry_timer(side: str, key: str, due: int) -> Timer:
    return Timer(due, EXPIRE, side, key, key, None)
