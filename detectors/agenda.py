"""What waits for the watermark: inputs and deadlines, taken in the contract's total order (§3).

The one scheduling core of the offline engine (engine.py) and of each stream stage partition
(stream/service/stage.py), so the two cannot take the same inputs in different orders.

An entry is taken once the watermark reaches its time: sort keys start with the time, and a
deadline's key sorts after every event of its instant (sides' sort keys). At an equal key an
input goes before a deadline (a stage's input may carry the key of the deadline that caused it
on another side), else entries go in the order they were added. A deadline added while the
agenda is being taken is taken in the same pass when it is due by then.

Why buckets: a heap of full entries compares nested tuples on every step (3 µs a pop with a
month of deadlines waiting). Here the heap holds plain int times, one per instant, and an
instant's few entries are sorted by their full key only when it is taken: the same order as
popping the smallest entry each time.
"""
from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any, Callable, Iterator

from .decisions import Timer


class Agenda:
    __slots__ = ("_times", "_at", "_seq", "_size", "deadlines")

    def __init__(self) -> None:
        self._times: list[int] = []    # heap: the instants that have entries
        self._at: dict = {}            # instant -> [(sort key, 0 input / 1 deadline, seq, entry)]
        self._seq = 0
        self._size = 0
        self.deadlines = 0             # how many entries are deadlines (Timer)

    def add(self, entry: Any, key: tuple | None = None) -> None:
        """`key`: the entry's place in the total order; its `sort_key` unless given."""
        if key is None:
            key = entry.sort_key
        deadline = isinstance(entry, Timer)
        self.deadlines += deadline
        self._size += 1
        self._seq = seq = self._seq + 1
        at = key[0]
        bucket = self._at.get(at)
        if bucket is None:
            self._at[at] = [(key, deadline, seq, entry)]
            heappush(self._times, at)
        else:
            bucket.append((key, deadline, seq, entry))

    def due(self, through: float, stop: Callable[[], bool] | None = None) -> Iterator[Any]:
        """Take, in order, every entry whose time is at or before `through`; `stop()` is asked
        before each one, and what it leaves stays."""
        times, at = self._times, self._at
        while times and times[0] <= through:
            t = times[0]
            bucket = at[t]
            bucket.sort(reverse=True)             # the smallest last: taken with pop()
            while bucket:
                if stop is not None and stop():
                    return
                _, deadline, _, entry = bucket.pop()
                self._size -= 1
                self.deadlines -= deadline
                left = len(bucket)
                yield entry
                if len(bucket) != left:           # added to this instant while taking it
                    bucket.sort(reverse=True)
                if times[0] != t:                 # added before this instant: that goes first
                    break
            if not bucket:
                del at[t]
                if times[0] == t:
                    heappop(times)
                else:
                    times.remove(t)
                    heapify(times)

    def __len__(self) -> int:
        return self._size

    @property
    def inputs(self) -> int:
        """Entries that are not deadlines: the inputs still waiting."""
        return self._size - self.deadlines
