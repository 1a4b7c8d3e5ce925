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
- the heap holds only entries before a horizon (the end of the latest hour taken so far). Later
  ones, mostly retention deadlines a month ahead, wait in per-hour lists and join the heap when
  their hour can come due, so a pop walks a heap of about an hour, not of a month, and stays in
  the processor's caches.
"""
from __future__ import annotations

from heapq import heappop, heappush
from itertools import count
from typing import Any, Callable, Iterator

from .decisions import Timer

SLOT_MS = 3_600_000     # an hour: measured faster than a day on a 400 000-message log (12-13 vs 14 µs a message)


class Agenda:
    __slots__ = ("_heap", "_later", "_slots", "_waiting", "_horizon", "_seq", "deadlines")

    def __init__(self) -> None:
        self._heap: list = []          # (time, sort key, 0 input / 1 deadline, seq, entry), time < _horizon
        self._later: dict = {}         # slot (hour) number -> entries at or after _horizon, unordered
        self._slots: list[int] = []    # heap of the slots in _later
        self._waiting = 0              # entries in _later: a stage asks its length for every batch's metrics
        self._horizon = -(2 ** 62)     # nothing taken yet: every entry waits in its slot's list
        self._seq = count()
        self.deadlines = 0             # how many entries are deadlines (Timer)

    def add(self, entry: Any, key: tuple | None = None) -> None:
        """`key`: the entry's place in the total order; its `sort_key` unless given."""
        deadline = isinstance(entry, Timer)
        if key is None:
            if deadline:
                self.add_deadline(entry)
                return
            key = entry.sort_key
        self.deadlines += deadline
        at = key[0]
        item = (at, key, deadline, next(self._seq), entry)
        if at < self._horizon:
            heappush(self._heap, item)
            return
        self._wait(at, item)

    def add_input(self, entry: Any, key: tuple) -> None:
        """`add` for an entry known not to be a deadline (the offline engine's every event)."""
        at = key[0]
        item = (at, key, False, next(self._seq), entry)
        if at < self._horizon:
            heappush(self._heap, item)
            return
        self._wait(at, item)

    def add_deadline(self, timer: Timer) -> None:
        """`add` for a deadline: its own sort key, made once it can come due."""
        self.deadlines += 1
        at = timer.due                          # its sort key's first field
        if at < self._horizon:
            heappush(self._heap, (at, timer.sort_key, True, next(self._seq), timer))
            return
        # Waits beyond the horizon as itself; its heap entry (sort key, number) is made if its
        # hour ever joins the heap, in the order the hour's list keeps: most deadlines wait for
        # days, and ~210 bytes less each.
        self._wait(at, timer)

    def _wait(self, at: int, item: Any) -> None:
        self._waiting += 1
        slot = at // SLOT_MS
        waiting = self._later.get(slot)
        if waiting is None:
            self._later[slot] = [item]
            heappush(self._slots, slot)
        else:
            waiting.append(item)

    def due(self, through: float, stop: Callable[[], bool] | None = None) -> Iterator[Any]:
        """Take, in order, every entry whose time is at or before `through`; `stop()` is asked
        before each one, and what it leaves stays."""
        heap, slots = self._heap, self._slots
        while True:
            if heap and heap[0][0] <= through:
                if stop is not None and stop():
                    return
                _, _, deadline, _, entry = heappop(heap)
                self.deadlines -= deadline
                yield entry
            elif slots and slots[0] * SLOT_MS <= through:
                # Nothing before the horizon is due: the next waiting slot joins the heap. Every
                # entry left in the heap is before the horizon, so before all of that slot.
                slot = heappop(slots)
                self._horizon = (slot + 1) * SLOT_MS
                joining = self._later.pop(slot)
                self._waiting -= len(joining)
                seq = self._seq
                for item in joining:
                    if type(item) is not tuple:          # a deadline waiting as itself
                        item = (item.due, item.sort_key, True, next(seq), item)
                    heappush(heap, item)
            else:
                return

    def __len__(self) -> int:
        return len(self._heap) + self._waiting

    @property
    def inputs(self) -> int:
        """Entries that are not deadlines: the inputs still waiting."""
        return len(self) - self.deadlines
