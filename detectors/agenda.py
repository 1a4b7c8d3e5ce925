"""What waits for the watermark: inputs and deadlines, taken in the contract's total order (§3).

The one scheduling core of the offline engine (engine.py) and of each stream stage partition
(stream/service/stage.py), so the two cannot take the same inputs in different orders.

An entry is taken once the watermark reaches its time: sort keys start with the time, and a
deadline's key sorts after every event of its instant (sides' sort keys). At an equal key an
input goes before a deadline (a stage's input may carry the key of the deadline that caused it
on another side), else entries go in the order they were added. A deadline added while the
agenda is being taken is taken in the same pass when it is due by then.

Kept cheap, because every input and deadline passes through here (issue 13):
- heap entries lead with the plain int time, which decides nearly every comparison; the full
  key follows, so the order is exactly the key's;
- the heap holds only entries before a horizon (the end of the latest day taken so far). Later
  ones, mostly retention deadlines a month ahead, wait in per-day lists and join the heap when
  their day can come due, so a pop walks a heap of about a day, not of a month.
"""
from __future__ import annotations

from heapq import heappop, heappush
from itertools import count
from typing import Any, Callable, Iterator

from .decisions import Timer

DAY_MS = 86_400_000


class Agenda:
    __slots__ = ("_heap", "_later", "_days", "_horizon", "_seq", "deadlines")

    def __init__(self) -> None:
        self._heap: list = []          # (time, sort key, 0 input / 1 deadline, seq, entry), time < _horizon
        self._later: dict = {}         # day number -> entries at or after _horizon, unordered
        self._days: list[int] = []     # heap of the days in _later
        self._horizon = -(2 ** 62)     # nothing taken yet: every entry waits in its day's list
        self._seq = count()
        self.deadlines = 0             # how many entries are deadlines (Timer)

    def add(self, entry: Any, key: tuple | None = None) -> None:
        """`key`: the entry's place in the total order; its `sort_key` unless given."""
        if key is None:
            key = entry.sort_key
        deadline = isinstance(entry, Timer)
        self.deadlines += deadline
        at = key[0]
        item = (at, key, deadline, next(self._seq), entry)
        if at < self._horizon:
            heappush(self._heap, item)
            return
        day = at // DAY_MS
        waiting = self._later.get(day)
        if waiting is None:
            self._later[day] = [item]
            heappush(self._days, day)
        else:
            waiting.append(item)

    def due(self, through: float, stop: Callable[[], bool] | None = None) -> Iterator[Any]:
        """Take, in order, every entry whose time is at or before `through`; `stop()` is asked
        before each one, and what it leaves stays."""
        heap, days = self._heap, self._days
        while True:
            if heap and heap[0][0] <= through:
                if stop is not None and stop():
                    return
                _, _, deadline, _, entry = heappop(heap)
                self.deadlines -= deadline
                yield entry
            elif days and days[0] * DAY_MS <= through:
                # Nothing before the horizon is due: the next waiting day joins the heap. Every
                # entry left in the heap is before the horizon, so before all of that day.
                day = heappop(days)
                self._horizon = (day + 1) * DAY_MS
                for item in self._later.pop(day):
                    heappush(heap, item)
            else:
                return

    def __len__(self) -> int:
        return len(self._heap) + sum(map(len, self._later.values()))

    @property
    def inputs(self) -> int:
        """Entries that are not deadlines: the inputs still waiting."""
        return len(self) - self.deadlines
