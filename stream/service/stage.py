"""One keyed stage on one worker: inputs wait until the stage's watermark
passes them, then are taken in the engine's total order.

Kafka is the buffer of waiting inputs: an input is acked only once it has been
applied and what it caused is out (persist.py), and Faust commits no offset
past an unacked one (faust_compat fixes the off-by-one that let it). A restarted
or rebalanced worker simply reads the waiting inputs again. Deadlines live in a
table. The keyed states drop what they already took (event ids, fired sets),
so a redelivered input changes nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import orjson

from detectors.agenda import Agenda
from detectors.decisions import Timer

from ..kept_bytes import dumps_kept
from .codec import as_doc, decode_doc, encode
from .marks import INGEST, Frontier

NEVER = -(2 ** 62)

log = logging.getLogger(__name__)


@dataclass
class Partition:
    frontier: Frontier
    through: int = NEVER
    agenda: Agenda = field(default_factory=Agenda)    # Waiting inputs and Timers, the engine's order
    # topic -> offsets below it were read before a restart: behind `through` is no news
    read_before: dict = field(default_factory=dict)
    read_to: dict = field(default_factory=dict)       # topic -> the next offset after the last read
    held: list = field(default_factory=list)          # marks of our own platform partition not read to yet


@dataclass(slots=True)
class Waiting:
    """An input read but not yet final: acked once applied."""
    item: Any
    raw: bytes
    ack: Callable[[], Awaitable]


@dataclass
class Tables:
    timers: Any       # "p|due|rule|order|parcel|ref" -> timer
    progress: Any     # "p" -> {"w": last watermark, "m": largest time known, "r": {topic: next offset read}}


class Stage:
    """Watermark, waiting inputs and deadlines of one stage; `handler` holds the rules' side.
    `direct`: the platform topics it reads itself; `position(topic, p)`: how far this worker has
    read such a partition (IngestTracker.position); `checkpoint(acks)` closes a batch (persist.py)."""

    def __init__(self, name: str, handler, tables: Tables, make_frontier: Callable[[], Frontier],
                 order_key: Callable[[Any], tuple], checkpoint: Callable[[list], None], metrics=None,
                 stopping: Callable[[], bool] = lambda: False, direct: tuple[str, ...] = (),
                 position: Callable[[str, int], int | None] = lambda t, p: None):
        self.name, self.handler, self.tables = name, handler, tables
        self.stopping = stopping
        self.make_frontier, self.order_key, self.metrics = make_frontier, order_key, metrics
        self.direct = frozenset(direct)
        self.local = {f"{INGEST}{t}": t for t in direct}
        self.position = position
        self.checkpoint = checkpoint
        self.parts: dict[int, Partition] = {}
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
            read = saved.get("r", -1)
            # Before platform topics were read directly, "r" was the stage topic's offset alone.
            part.read_before = read if isinstance(read, dict) else {"": read}
        prefix = f"{p}|"
        for key, raw in list(self.tables.timers.items()):
            if key.startswith(prefix):
                part.agenda.add(decode_doc(as_doc(raw)))
        return part

    async def take_message(self, p: int, topic: str, offset: int, raw: bytes, ack: Callable[[], Awaitable]) -> None:
        """One message of the stage's own topic: a mark, or an input keyed here by another stage.
        `ack` (async) is called once the message needs keeping no more: an input once applied."""
        doc = orjson.loads(raw)
        if doc["k"] != "marks":
            await self.take_input(p, topic, offset, decode_doc(doc), raw, ack)
            return
        part = self.part(p)
        part.read_to[topic] = offset + 1
        known = part.frontier.max_seen()
        for mark in doc["marks"]:
            if mark["src"] in self.local and mark["p"] == p:
                part.held.append(mark)            # applied once we have read as far ourselves
            else:
                part.frontier.update(mark)
        self._release_held(p, part)
        if await self.advance(p, part, ack):
            return                                # acked with the batch it closed
        if part.frontier.max_seen() != known:
            # Kept before the mark is acked: a worker restarted once the input was all read
            # re-reads none of it, and must still close the lateness window on this time.
            self._save(p, part)
            self.checkpoint([ack])
        else:
            await ack()

    def _release_held(self, p: int, part: Partition) -> None:
        """A mark of a platform partition this stage reads itself arrives on another topic, so it
        may overtake the records it covers (seen: a former owner's mark read before the records
        it had read). It counts once this worker has read up to its offset `o`."""
        if part.held:
            keep = []
            for mark in part.held:
                read = self.position(self.local[mark["src"]], p)
                if read is not None and read >= mark["o"]:
                    part.frontier.update(mark)
                else:
                    keep.append(mark)
            part.held = keep

    async def take_input(self, p: int, topic: str, offset: int, item, raw: bytes,
                         ack: Callable[[], Awaitable]) -> None:
        """An input, decoded: kept until the watermark passes it, then applied and acked."""
        part = self.part(p)
        part.read_to[topic] = offset + 1
        key = self.order_key(item)
        if key[0] <= part.through:                      # behind what is already final
            legacy = -1 if topic in self.direct else part.read_before.get("", -1)   # "": the stage topic's
            if offset >= part.read_before.get(topic, legacy):
                self._late(p, key[0], part.through)     # not a re-read of what was taken before a restart
            await ack()
        else:
            part.agenda.add(Waiting(item, raw, ack), key)
        if part.held:
            self._release_held(p, part)
            await self.advance(p, part)

    def _late(self, p: int, at: int, through: int) -> None:
        self.late += 1
        if self.metrics:
            self.metrics.late(self.name)
        if self.late in (1, 10, 100, 1000) or self.late % 10000 == 0:
            log.warning("%s stage: %d late inputs so far (partition %d: input at %d, final through %d)",
                        self.name, self.late, p, at, through)

    async def advance(self, p: int, part: Partition, *acks) -> bool:
        """Take what the watermark passed, as one batch closed with `acks` too. Returns whether
        there was one (else `acks` are the caller's)."""
        through = part.frontier.through()
        if through is None or through <= part.through:
            return False
        applied = list(acks)
        # Shutting down (`stopping`): what is left waits in Kafka, the watermark stays.
        for entry in part.agenda.due(through, self.stopping):
            if isinstance(entry, Timer):
                self.tables.timers.pop(_timer_key(p, entry), None)
                self._keep(p, part, await self.handler.deadline(entry))
            else:
                self._keep(p, part, await self.handler.input(entry.item, entry.raw, p))
                applied.append(entry.ack)
        self.handler.flush()                  # each changed key written once for the whole batch
        if not self.stopping():
            await self.handler.taken_through(p, through)     # the penalty stage closes escalation days here
            part.through = through
            self._save(p, part)
        self.checkpoint(applied)
        if self.metrics:
            seen = part.frontier.max_seen()
            self.metrics.watermark(self.name, part.through, seen if seen is not None else part.through)
            self.metrics.buffered(self.name, sum(x.agenda.inputs for x in self.parts.values()))
        return True

    def _save(self, p: int, part: Partition) -> None:
        self.tables.progress[str(p)] = dumps_kept({"w": part.through, "m": part.frontier.max_seen(),
                                                  "r": {**part.read_before, **part.read_to}})

    def _keep(self, p: int, part: Partition, timers: list[Timer]) -> None:
        for timer in timers:
            self.tables.timers[_timer_key(p, timer)] = encode(timer)
            part.agenda.add(timer)


def _timer_key(p: int, timer: Timer) -> str:
    return f"{p}|{timer.due}|{timer.rule}|{timer.order_id}|{timer.parcel or ''}|{timer.ref}"

