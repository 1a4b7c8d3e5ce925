"""The partitions a case reads, by time windows: offsets found side by side, then read by key."""
from __future__ import annotations

import asyncio

from aiokafka import TopicPartition

from detectors.events import TOPICS
from detectors.parse import DeadLetter, parse_message

from ..service.ingest import kafka_partitioner
from .partition_window import consumer, high_watermarks, read_keyed, window_offsets


class CaseReader:
    """Reads windows of partitions for one case; `reads` lists each window read, with the partition's end."""

    def __init__(self, bootstrap: str, auth: dict | None, disorder_ms: int):
        self.bootstrap, self.auth, self.disorder_ms = bootstrap, auth, disorder_ms
        self.read = consumer(bootstrap, 1024 * 1024, auth)
        self.ends: dict[TopicPartition, int] = {}
        self.reads: list[dict] = []
        self.counts: dict[str, int] = {}

    async def __aenter__(self):
        await self.read.start()
        await self.read.topics()           # metadata of every topic: later fetches narrow it to the assigned
        self.counts = {t: len(self.read.partitions_for_topic(t) or ()) for t in TOPICS}
        return self

    async def __aexit__(self, *exc):
        await self.read.stop()

    def partition(self, topic: str, key: str) -> TopicPartition:
        count = self.counts[topic]
        if not count:
            raise ValueError(f"topic {topic} not found on the broker")
        return TopicPartition(topic, kafka_partitioner(count)(key))

    async def _offsets(self, tp: TopicPartition, windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Offset ranges of the time windows in one partition, merged; one probing consumer each,
        so that partitions are searched side by side."""
        probe = consumer(self.bootstrap, 16 * 1024, self.auth)
        await probe.start()
        try:
            if tp not in self.ends:
                self.ends.update(await high_watermarks(probe, [tp]))
            spans = sorted([await window_offsets(probe, tp, self.ends[tp], a, b, self.disorder_ms)
                            for a, b in windows])
        finally:
            await probe.stop()
        merged: list[tuple[int, int]] = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            elif hi > lo:
                merged.append((lo, hi))
        return merged

    async def events(self, tps: set[TopicPartition], windows: list[tuple[int, int]], wanted, keep) -> list[tuple]:
        """(record, event) of the windows' records that wanted(record) picks (before parsing: most
        are not) and that parse to an event keep(event) accepts."""
        order = sorted(tps)
        found = await asyncio.gather(*(self._offsets(tp, windows) for tp in order))
        kept = []
        for tp, spans in zip(order, found):
            for lo, hi in spans:
                self.reads.append({"topic": tp.topic, "partition": tp.partition, "from": lo, "to": hi,
                                   "end": self.ends[tp]})
                for record in await read_keyed(self.read, {tp: (lo, hi)}, wanted):
                    item = parse_message(record.topic, record.value or b"")
                    if not isinstance(item, DeadLetter) and keep(item):
                        kept.append((record, item))
        return kept
