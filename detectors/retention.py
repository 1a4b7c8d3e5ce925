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

from heapq import heappop, heappush

from .decisions import Timer

EXPIRE = "expire"
SLOT_MS = 3_600_000


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


def ran_out(state, at: int) -> bool:
    """The key's expiry deadline came before an input or deadline at `at` (it ranks after
    everything at its own instant), and nothing had touched the key since: it was forgotten."""
    return state.keep_until is not None and state.keep_until < at


class Expiries:
    """The offline engine's standing expiry deadlines (issue 13: memory). In the agenda each was
    a Timer, its sort key and a heap entry, about 360 bytes a key; here it is the key's name in
    the list of the hour its deadline falls in, 8 bytes. Exact without taking them in the total
    order: forgetting a key matters only to the key's next input or deadline, and the engine asks
    `ran_out` first (a key whose deadline passed unmoved starts afresh, as if dropped then).
    `sweep` drops those states once their hour has passed, so memory stops growing as before;
    `sweep(through, whole=True)` also the current hour, so that a run ends with the same keys."""

    def __init__(self, tables: dict[str, dict]):
        self.tables = tables
        self._hours: dict[int, list] = {}     # hour -> [(side, [key, ...]), ...]
        self._heap: list[int] = []

    def add(self, side: str, key: str, due: int) -> None:
        hour = due // SLOT_MS
        lists = self._hours.get(hour)
        if lists is None:
            lists = self._hours[hour] = {}
            heappush(self._heap, hour)
        keys = lists.get(side)
        if keys is None:
            lists[side] = [key]
        else:
            keys.append(key)

    def sweep(self, through: int, whole: bool = False) -> None:
        """Forget the keys whose retention ran out at or before `through`, hour by hour."""
        heap, again = self._heap, []
        last = through // SLOT_MS if whole else (through + 1) // SLOT_MS - 1   # the last hour wholly passed
        while heap and heap[0] <= last:
            hour = heappop(heap)
            for side, keys in self._hours.pop(hour).items():
                table = self.tables[side]
                for key in keys:
                    state = table.get(key)
                    if state is None or state.expiry_due is None or state.expiry_due // SLOT_MS != hour:
                        continue                      # forgotten already, or standing in another hour
                    if state.keep_until <= through:
                        del table[key]
                    elif state.expiry_due <= through:  # touched since: stands at its new time
                        state.expiry_due = state.keep_until
                        again.append((side, key, state.keep_until))
                    else:                              # later in an hour not wholly passed
                        again.append((side, key, state.expiry_due))
        for side, key, due in again:
            self.add(side, key, due)
