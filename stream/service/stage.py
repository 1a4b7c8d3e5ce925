"""One keyed stage on one worker: inputs wait until the stage's watermark
passes them, then are taken in the engine's total order.

Kafka is the buffer of waiting inputs: an input is acked only once it has been
applied, and Faust commits no offset past an unacked one (faust_compat fixes
the off-by-one that let it), after flushing what the input caused. A restarted
or rebalanced worker simply reads the waiting inputs again. Deadlines live in a
table. The keyed states drop what they already took (event ids, fired sets),
so a redelivered input changes nothing.
"""
from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Awaitable, Callable

import orjson

from detectors.decisions import Timer

from .codec import as_doc, decode_doc, encode
from .marks import Frontier

NEVER = -(2 ** 62)

log = logging.getLogger(__name__)


@dataclass
class Partition:
    frontier: Frontier
    through: int = NEVER
    inputs: list = field(default_factory=list)        # heap: (order key, seq, item, raw, ack)
    timers: list = field(default_factory=list)        # heap: (sort key, seq, Timer)
    read_before: int = -1      # offsets below it were read before a restart: behind `through` is no news


@dataclass
class Tables:
    timers: Any       # "p|due|rule|order|parcel|ref" -> timer
    progress: Any     # "p" -> {"w": last watermark, "m": largest time known, "r": next offset read}


class Stage:
    """Watermark, waiting inputs and deadlines of one stage; `handler` holds the rules' side."""

    def __init__(self, name: str, handler, tables: Tables, make_frontier: Callable[[], Frontier],
                 order_key: Callable[[Any], tuple], metrics=None, stopping: Callable[[], bool] = lambda: False):
        self.name, self.handler, self.tables = name, handler, tables
        self.stopping = stopping
        self.make_frontier, self.order_key, self.metrics = make_frontier, order_key, metrics
        self.parts: dict[int, Partition] = {}
        self.read_to: dict[int, int] = {}             # partition -> the next offset after the last read
        self._seq = count()
        self.late = 0

    def part(self, p: int) -> Partition:
        if p not in self.parts:
            self.parts[p] = self._restore(p)
        return self.parts[p]

    def _restore(self, p: int) -> Partition:
        """A partition as this worker finds it: after a start, a restart or a rebalance."""
        part = Partition(self.make_frontier())
        self.handler.restored(p)
        saved = self.tables.progress.get(str(p))
        if saved is not None:
            saved = as_doc(saved)
            part.through, part.frontier.floor_m = saved["w"], saved["m"]
            part.read_before = saved.get("r", -1)
        prefix = f"{p}|"
        for key, raw in list(self.tables.timers.items()):
            if key.startswith(prefix):
                timer = decode_doc(as_doc(raw))
                heapq.heappush(part.timers, (timer.sort_key, next(self._seq), timer))
        return part

    async def take(self, event, ack: Callable[[], Awaitable]) -> None:
        """One message from the stage's topic: a mark, or an input to keep until its time.
        `ack` (async) is called once the message needs keeping no more: an input once applied."""
        p, offset = event.message.partition, event.message.offset
        part = self.part(p)
        self.read_to[p] = offset + 1
        doc = orjson.loads(event.value)
        if doc["k"] == "marks":
            known = part.frontier.max_seen()
            for mark in doc["marks"]:
                part.frontier.update(mark)
            if part.frontier.max_seen() != known:
                # Kept before the mark is acked: a worker restarted once the input was all read
                # re-reads none of it, and must still close the lateness window on this time.
                self._save(p, part)
            await ack()
        else:
            item = decode_doc(doc)
            key = self.order_key(item)
            if key[0] <= part.through:                  # behind what is already final
                if offset >= part.read_before:          # not a re-read of what was taken before a restart
                    self._late(p, key[0], part.through)
                await ack()
            else:
                heapq.heappush(part.inputs, (key, next(self._seq), item, event.value, ack))
        await self.advance(p, part)

    def _late(self, p: int, at: int, through: int) -> None:
        self.late += 1
        if self.metrics:
            self.metrics.late(self.name)
        if self.late in (1, 10, 100, 1000) or self.late % 10000 == 0:
            log.warning("%s stage: %d late inputs so far (partition %d: input at %d, final through %d)",
                        self.name, self.late, p, at, through)

    async def advance(self, p: int, part: Partition) -> None:
        through = part.frontier.through()
        if through is None or through <= part.through:
            return
        inputs, timers = part.inputs, part.timers
        while True:
            if self.stopping():       # shutting down: what is left waits in the tables, the watermark stays
                return
            next_input = inputs[0][0] if inputs else None
            next_timer = timers[0][0] if timers else None
            if next_timer is not None and next_timer[0] <= through and (next_input is None or next_timer < next_input):
                _, _, timer = heapq.heappop(timers)
                self.tables.timers.pop(_timer_key(p, timer), None)
                self._keep(p, part, await self.handler.deadline(timer))
            elif next_input is not None and next_input[0] <= through:
                _, _, item, raw, ack = heapq.heappop(inputs)
                self._keep(p, part, await self.handler.input(item, as_doc(raw), p))
                await ack()
            else:
                break
        await self.handler.taken_through(p, through)     # the penalty stage closes escalation days here
        part.through = through
        self._save(p, part)
        if self.metrics:
            seen = part.frontier.max_seen()
            self.metrics.watermark(self.name, through, seen if seen is not None else through)
            self.metrics.buffered(self.name, sum(len(x.inputs) for x in self.parts.values()))

    def _save(self, p: int, part: Partition) -> None:
        self.tables.progress[str(p)] = orjson.dumps({"w": part.through, "m": part.frontier.max_seen(),
                                                     "r": self.read_to.get(p, -1)})

    def _keep(self, p: int, part: Partition, timers: list[Timer]) -> None:
        for timer in timers:
            self.tables.timers[_timer_key(p, timer)] = encode(timer)
            heapq.heappush(part.timers, (timer.sort_key, next(self._seq), timer))


def _timer_key(p: int, timer: Timer) -> str:
    return f"{p}|{timer.due}|{timer.rule}|{timer.order_id}|{timer.parcel or ''}|{timer.ref}"
