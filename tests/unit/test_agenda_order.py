"""The agenda's heap with per-hour lists beyond its horizon (issue 13) takes entries exactly as one
heap of (sort key, input/deadline, arrival) would: checked against that model on random adds and
takes, deadlines weeks ahead, entries added behind what was already taken, and adds while taking."""
from __future__ import annotations

import heapq
import random
from itertools import count

import pytest

from detectors.agenda import Agenda
from detectors.decisions import Timer

HOUR, DAY = 3_600_000, 86_400_000


class Model:
    """The agenda before issue 13: one heap of full keys."""

    def __init__(self):
        self.heap, self.seq = [], count()

    def add(self, entry, key=None):
        key = entry.sort_key if key is None else key
        heapq.heappush(self.heap, (key, isinstance(entry, Timer), next(self.seq), entry))

    def due(self, through):
        while self.heap and self.heap[0][0][0] <= through:
            yield heapq.heappop(self.heap)[3]


@pytest.mark.parametrize("typed", [False, True], ids=["add", "add_input/add_deadline"])
@pytest.mark.parametrize("seed", range(20))
def test_takes_what_one_heap_of_full_keys_takes(seed, typed):
    rnd = random.Random(seed)
    agenda, model = Agenda(), Model()

    def put(item, key=None):   # the engine's typed adds (a deadline's key made late) or the generic one
        if not typed:
            agenda.add(item, key)
        elif isinstance(item, Timer):
            agenda.add_deadline(item)
        else:
            agenda.add_input(item, key)
    now, made = 10 * DAY, count()

    def entry():
        n = next(made)
        if rnd.random() < 0.5:
            due = now + rnd.choice([0, 1, HOUR, DAY, 15 * DAY, 30 * DAY]) + rnd.randrange(-HOUR, HOUR)
            return Timer(due, rnd.choice(["expire", "ship_timeout", "not_received"]), "order", f"k{n % 7}",
                         f"o{n % 5}", None), None
        at = now + rnd.randrange(-10 * 60_000, 5 * 60_000)      # inputs near the watermark, some behind it
        return f"input{n}", (at, rnd.randrange(3), f"e{n % 11}")

    for _ in range(300):
        for _ in range(rnd.randrange(5)):
            item, key = entry()
            put(item, key)
            model.add(item, key)
        now += rnd.choice([0, 1000, 60_000, HOUR, DAY])
        taken, expected = [], []
        theirs = model.due(now)
        for got in agenda.due(now):                # in lockstep: adds while taking reach both
            taken.append(got)
            expected.append(next(theirs, "model has nothing due"))
            if rnd.random() < 0.2:                 # a deadline set while taking, due at once or later
                item = Timer(now - rnd.choice([0, HOUR]) + rnd.choice([0, 5, 2 * DAY]), "expire", "parcel",
                             f"p{len(taken)}", "", None)
                put(item)
                model.add(item)
        expected.extend(theirs)
        assert taken == expected
        assert len(agenda) == len(model.heap)
