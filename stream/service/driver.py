"""The stage graph in memory, Kafka Streams' TopologyTestDriver style: no broker, no Faust.
    d = Driver(policy); d.pipe("order-paid", "o1", raw); d.run_until_idle(); d.violations()
Topics are lists per partition, read by one consumer group; tables are dicts whose writes reach
a changelog as persist.py sends them. What is produced is delivered as a Kafka client does: in
order within a partition, seeded: in no order across them, and a kill -9 loses what was not
delivered. Stages, handlers, ingest and marks are the worker's own (wiring.py); only the
scheduling is the driver's. No wall clock: a call says when the input is idle."""
from __future__ import annotations

import asyncio
import functools
import math
import random
import zlib

import orjson

from detectors.escalation import output_order as escalation_order
from detectors.penalties import output_order

from .ingest import IngestTracker
from .topology import INPUT_TOPICS, PENALTY, READER, UPSTREAM, progress_topic, stage_topic, topic_specs
from .mark_plan import PROGRESS, MarkFilter, mark_plan
from .driver_client import Client, LoggedTable
from .persist import Persist
from .wiring import build, final_through, table_names, take


DRIVER_APP = "driver"          # topic names only matter for the partition counts they carry


def partition_of(key: str | bytes | None, partitions: int) -> int:
    return zlib.crc32(key.encode() if isinstance(key, str) else key or b"") % partitions


class NotFinal(RuntimeError):
    """What `collect` would still wait for: the penalty stage is not final through T."""


class Driver:
    def __init__(self, policy, partitions: int = 4, lateness_ms: int = 300_000, seed=None):
        self.policy, self.n, self.lateness_ms = policy, partitions, lateness_ms
        self.rng = random.Random(seed) if seed is not None else None    # seeded: random interleavings
        self.changelog = {name: {} for name in table_names(policy)}   # what a restarted worker recovers
        self.client = Client(self.rng)                                 # what was produced and not yet delivered
        self.queues = [(t, p) for t in (*INPUT_TOPICS, *UPSTREAM) for p in range(partitions)]
        self.topics = {tp: [] for tp in [*self.queues, (PROGRESS, 0)]}
        # A target's partition count as the topology declares it (the progress topic has one).
        specs = {spec.name: spec.partitions for spec in topic_specs(DRIVER_APP, partitions)}
        self.partitions_of = {PROGRESS: specs[progress_topic(DRIVER_APP)],
                              **{s: specs[stage_topic(DRIVER_APP, s)] for s in UPSTREAM}}
        self.committed = dict.fromkeys(self.queues, 0)                 # the group's offsets
        self.high = dict.fromkeys(self.queues, 0)                      # below it: a redelivery
        self.published, self.escalated, self.dlq = [], [], []
        self.redelivered = 0
        self._start()

    def _start(self) -> None:
        """A worker starting: nothing in memory; topics, offsets and changelogs are what survives."""
        self.current = 0                                    # the partition of the message being taken
        self.tables = {name: LoggedTable(log, lambda: self.current, functools.partial(self._log, name))
                       for name, log in self.changelog.items()}
        self.persist = Persist(self.tables, self._flush)
        self.read = dict(self.committed)
        self.acks = {tp: set() for tp in self.queues}       # acked offsets not committed yet
        published = {orjson.loads(v)["violation_id"] for v in self.published}    # as published.py reads
        escalated = {orjson.loads(e)["escalation_id"] for e in self.escalated}
        self.tracker = IngestTracker(self.lateness_ms, math.inf)
        self.stages = build(self.policy, self.n, self.tables, self._send, self._appender("violations", self.published),
                            self._appender("escalations", self.escalated), published_before=lambda: published,
                            escalated_before=lambda: escalated, position=self.tracker.position,
                            persist=self.persist)
        self.marks_sent = MarkFilter(refresh=None)

    def pipe(self, topic: str, key: str | bytes | None, value: bytes, partition: int | None = None) -> None:
        """A message keyed `key`; `partition` places it elsewhere, as a producer with its own partitioner may."""
        self.topics[(topic, partition_of(key, self.n) if partition is None else partition)].append(value)

    def advance(self, steps: int | None = None, close: bool = False) -> int:
        """Take at most `steps` messages; returns how many. With close, an input partition read to
        its end is idle (as after SHIPGUARD_IDLE_SECONDS of quiet); once all are, the lateness
        window closes. Nothing is committed."""
        return asyncio.run(self._run(math.inf if steps is None else steps, close))

    def run_until_idle(self, close: bool = True) -> int:
        taken = self.advance(None, close)
        self.commit()                          # quiet: Faust's commit timer catches up
        return taken

    def commit(self) -> None:
        """Every offset acked so far, after a flush of the producer (as Faust commits)."""
        self.client.deliver()
        for tp, acks in self.acks.items():          # up to the first offset not acked
            while self.committed[tp] in acks:
                acks.discard(self.committed[tp])
                self.committed[tp] += 1

    def restart(self, lose_unflushed: bool = False) -> None:
        """The worker stops and starts again: what it read after the last commit is read again.
        A stop sends every closed batch and flushes first; lose_unflushed (kill -9) loses what was
        not delivered yet (seeded: each partition keeps some first part of it)."""
        if lose_unflushed:
            self.client.kill()
        else:
            asyncio.run(self._settle())
        self._start()

    def rebalance(self, partitions) -> None:
        """These partitions of every topic are revoked and assigned back (agents.wait_for_seek)."""
        asyncio.run(self._settle())              # the revocation waits for every closed batch
        gone = set(partitions)
        for tp in [tp for tp in self.queues if tp[1] in gone]:
            self.read[tp] = self.committed[tp]
            self.acks[tp].clear()
        for stage in self.stages.values():
            for p in gone:
                stage.parts.pop(p, None)
        self.tracker.forget({tp for tp in self.tracker.sources if tp[1] not in gone})
        self.marks_sent.forget()

    def violations(self, as_of: int | None = None) -> list[dict]:
        T = self._final(as_of)
        return sorted((v for v in map(orjson.loads, self.published) if v["decided_at"] <= T), key=output_order)

    def escalations(self, as_of: int | None = None) -> list[dict]:
        T = self._final(as_of)
        chosen = [e for e in map(orjson.loads, self.escalated)
                  if e["policy_version"] == self.policy.version and e["window_end"] - 1 <= T]
        return sorted(chosen, key=lambda e: escalation_order(e, self.policy))

    def dead_letters(self) -> list[dict]:
        return [orjson.loads(d) for d in self.dlq]

    async def _send(self, stage: str, key: str, value: bytes) -> None:
        tp = (stage, partition_of(key, self.n))
        self.client.produce(tp, functools.partial(self.topics[tp].append, value))

    def _appender(self, topic: str, out: list):
        async def append(doc: dict) -> None:        # an output topic: what a reader would get back
            self.client.produce((topic, 0), functools.partial(out.append, orjson.dumps(doc)))
        return append

    def _log(self, name: str, records) -> None:
        changelog = self.changelog[name]
        for p, key, value in records:
            write = functools.partial(changelog.__setitem__, key, value) if value is not None else \
                functools.partial(changelog.pop, key, None)
            self.client.produce((name, p), write)

    async def _flush(self) -> None:
        self.client.deliver()

    async def _settle(self) -> None:
        while await self.persist.step():
            pass
        self.client.deliver()

    async def _run(self, limit: float, idle: bool) -> int:
        """Rounds: one message from each input partition, what each stage partition holds (seeded:
        a random share of either), then the marks, as the worker's timer would send them."""
        self.tracker.idle_seconds = 0 if idle else math.inf     # the tracker's test: quiet this long
        taken = 0
        while taken < limit:
            ready = [tp for tp in self.queues if self.read[tp] < len(self.topics[tp])]
            if self.rng:
                self.rng.shuffle(ready)
            for tp in ready:
                held = len(self.topics[tp]) - self.read[tp]
                k = 1 if tp[0] in INPUT_TOPICS else held
                for _ in range(int(min(self.rng.randint(1, 2 * k) if self.rng else k, held, limit - taken))):
                    await self._take(tp)
                    taken += 1
            if not await self._marks() and not ready:
                if not (self.client.unsent or self.persist.queue):
                    break
                await self._settle()               # quiet: the client and persist.py catch up
            elif self.rng is None:
                self.client.deliver()
        return taken

    async def _take(self, tp: tuple[str, int]) -> None:
        (topic, p), offset = tp, self.read[tp]
        raw = self.topics[tp][offset]
        self.read[tp] = offset + 1
        self.redelivered += offset < self.high[tp]
        self.high[tp] = max(self.high[tp], offset + 1)
        acks = self.acks[tp]

        async def ack() -> None:              # a stage acks an input once applied; committed by commit()
            acks.add(offset)
        stage = self.stages[READER.get(topic, topic)]
        self.current = p
        await take(stage, topic, p, offset, raw, ack, tracker=self.tracker, dead=self._appender("dlq", self.dlq),
                   placement=lambda key: partition_of(key, self.n), forward=self._send)
        if self.rng is None:
            await self._settle()
        else:                                     # the client and persist.py at work, some of the time
            self.client.deliver(some=True)
            if self.rng.random() < 0.5:
                await self.persist.step()

    async def _marks(self) -> bool:
        """What agents._send_marks sends, less what a target already heard; whether any was new."""
        owned = [(t, p) for t in INPUT_TOPICS for p in range(self.n)]
        ingest = self.tracker.marks(owned, lambda t: self.n,
                                    lambda t, p: (len(self.topics[(t, p)]), self.committed[(t, p)]))
        sent = False
        for target, marks in mark_plan(ingest, self.stages, self.n).items():
            new = self.marks_sent.new(target, marks)
            for p in range(self.partitions_of[target]) if new else ():
                value = orjson.dumps({"k": "marks", "marks": new})
                self.client.produce((target, p), functools.partial(self.topics[(target, p)].append, value))
            sent = sent or bool(new)
        return sent

    def _final(self, as_of: int | None) -> int:
        latest = {m["p"]: m for raw in self.topics[(PROGRESS, 0)] for m in orjson.loads(raw)["marks"]
                  if m["src"] == f"stage:{PENALTY}"}
        T = final_through(list(latest.values()), self.n, as_of, self.lateness_ms)
        if T is None:
            raise NotFinal(f"penalty stage marks: {sorted(latest.items())}")
        return T

