"""One keyed stage on one worker: inputs wait, unacknowledged, until the
stage's watermark passes them, then are taken in the engine's total order.

The stream is read with manual acks: an input is acknowledged only once it has
been taken, so a restarted worker is handed every input not yet taken again,
and the keyed states drop what they already took (event ids, fired sets).
Deadlines are kept in a table, so they survive a restart or a rebalance.
"""
from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Callable

import orjson

from detectors.decisions import Timer

from .codec import decode_doc, encode
from .marks import Frontier

NEVER = -(2 ** 62)
log = logging.getLogger(__name__)


@dataclass
class Partition:
    frontier: Frontier
    through: int = NEVER
    inputs: list = field(default_factory=list)        # heap: (order key, seq, item, faust event)
    timers: list | None = None                        # heap: (sort key, seq, Timer); None until loaded


class Stage:
    """Watermark, buffer and deadlines of one stage; `handler` holds the rules' side."""

    def __init__(self, name: str, handler, timer_table, make_frontier: Callable[[], Frontier],
                 order_key: Callable[[Any], tuple], metrics=None):
        self.name, self.handler, self.timer_table = name, handler, timer_table
        self.make_frontier, self.order_key, self.metrics = make_frontier, order_key, metrics
        self.parts: dict[int, Partition] = {}
        self._seq = count()
        self.late = 0

    def part(self, p: int) -> Partition:
        if p not in self.parts:
            self.parts[p] = Partition(self.make_frontier())
        return self.parts[p]

    async def take(self, stream, event) -> None:
        """One message from the stage's topic: a mark, or an input to buffer."""
        p = event.message.partition
        part = self.part(p)
        doc = orjson.loads(event.value)
        if doc["k"] == "marks":
            for mark in doc["marks"]:
                part.frontier.update(mark)
            await stream.ack(event)
        else:
            item = decode_doc(doc)
            key = self.order_key(item)
            if key[0] <= part.through:                  # behind what is already final
                self.late += 1
                if self.metrics:
                    self.metrics.late(self.name)
                if self.late in (1, 10, 100, 1000) or self.late % 10000 == 0:
                    log.warning("%s stage: %d late inputs so far (partition %d: input at %d, final through %d)",
                                self.name, self.late, p, key[0], part.through)
                await stream.ack(event)
            else:
                heapq.heappush(part.inputs, (key, next(self._seq), item, event, doc))
        await self.advance(stream, p, part)

    async def advance(self, stream, p: int, part: Partition) -> None:
        through = part.frontier.through()
        if through is None or through <= part.through:
            return
        timers = self._timers(p, part)
        inputs = part.inputs
        while True:
            next_input = inputs[0][0] if inputs else None
            next_timer = timers[0][0] if timers else None
            if next_timer is not None and next_timer[0] <= through and (next_input is None or next_timer < next_input):
                _, _, timer = heapq.heappop(timers)
                self.timer_table.pop(_timer_key(p, timer), None)
                await self._absorb(p, part, await self.handler.deadline(timer))
            elif next_input is not None and next_input[0] <= through:
                _, _, item, event, doc = heapq.heappop(inputs)
                await self._absorb(p, part, await self.handler.input(item, doc))
                await stream.ack(event)
            else:
                break
        part.through = through
        if self.metrics:
            seen = part.frontier.max_seen()
            self.metrics.watermark(self.name, through, seen if seen is not None else through)
            self.metrics.buffered(self.name, sum(len(x.inputs) for x in self.parts.values()))

    async def _absorb(self, p: int, part: Partition, timers: list[Timer]) -> None:
        for timer in timers:
            self.timer_table[_timer_key(p, timer)] = encode(timer)
            heapq.heappush(part.timers, (timer.sort_key, next(self._seq), timer))

    def _timers(self, p: int, part: Partition) -> list:
        """Deadlines of this partition, read back from the table after a (re)start."""
        if part.timers is None:
            part.timers = []
            prefix = f"{p}|"
            for key, raw in list(self.timer_table.items()):
                if key.startswith(prefix):
                    timer = decode_doc(orjson.loads(raw))
                    heapq.heappush(part.timers, (timer.sort_key, next(self._seq), timer))
        return part.timers


def _timer_key(p: int, timer: Timer) -> str:
    return f"{p}|{timer.due}|{timer.rule}|{timer.order_id}|{timer.parcel or ''}|{timer.ref}"
