"""What waits for the watermark: inputs and deadlines, taken in the contract's total order (§3).

The one scheduling core of the offline engine (engine.py) and of each stream stage partition
(stream/service/stage.py), so the two cannot take the same inputs in different orders.

An entry is taken once the watermark reaches its time: sort keys start with the time, and a
deadline's key sorts after every event of its instant (sides' sort keys). At an equal key an
input goes before a deadline (a stage's input may carry the key of the deadline that caused it
on another side), else entries go in the order they were added. A deadline added while the
agenda is being taken is taken in the same pass when it is due by then.

Heap entries lead with the plain int time, which decides nearly every comparison: comparing the
nested sort-key tuples first cost ~3 µs a pop with a month of deadlines waiting. The full key
follows, so the order is exactly the key's.
"""
from __future__ import annotations

from heapq import heappop, heappush
from itertools import count
from typing import Any, Callable, Iterator

from .decisions import Timer


class Agenda:
    __slots__ = ("_heap", "_seq", "deadlines")

    def __init__(self) -> None:
        self._heap: list = []          # (time, sort key, 0 input / 1 deadline, seq, entry)
        self._seq = count()
        self.deadlines = 0             # how many entries are deadlines (Timer)

    def add(self, entry: Any, key: tuple | None = None) -> None:
        """`key`: the entry's place in the total order; its `sort_key` unless given."""
        if key is None:
            key = entry.sort_key
        deadline = isinstance(entry, Timer)
        self.deadlines += deadline
        heappush(self._heap, (key[0], key, deadline, next(self._seq), entry))

    def due(self, through: float, stop: Callable[[], bool] | None = None) -> Iterator[Any]:
        """Take, in order, every entry whose time is at or before `through`; `stop()` is asked
        before each one, and what it leaves stays."""
        heap = self._heap
        while heap and heap[0][0] <= through and not (stop is not None and stop()):
            _, _, deadline, _, entry = heappop(heap)
            self.deadlines -= deadline
            yield entry

    def __len__(self) -> int:
        return len(self._heap)

    @property
    def inputs(self) -> int:
        """Entries that are not deadlines: the inputs still waiting."""
        return len(self._heap) - self.deadlines
