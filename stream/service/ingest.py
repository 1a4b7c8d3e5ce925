"""Platform messages as the stages that read them take them: events or dead letters,
where each event's state lives, and the marks that tell every stage how far each
platform partition is final."""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from aiokafka.partitioner import murmur2

from detectors.parse import DeadLetter, parse_message

from .marks import mark_doc
from ..offline import dead_letter_record
from .stage import NEVER


@dataclass
class SourceState:
    last_wall: float                  # when it last read news (clock seconds)
    max_seen: int = NEVER
    last_offset: int = -1
    start: int | None = None          # where the group started it (committed offset), once known


class IngestTracker:
    """What this worker has read of each platform partition it owns."""

    def __init__(self, lateness_ms: int, idle_seconds: float, clock=time.monotonic):
        self.lateness_ms, self.idle_seconds, self.clock = lateness_ms, idle_seconds, clock
        self.sources: dict[tuple[str, int], SourceState] = {}
        self.max_seen = NEVER

    def _source(self, topic: str, partition: int) -> SourceState:
        src = self.sources.get((topic, partition))
        if src is None:
            src = self.sources[(topic, partition)] = SourceState(self.clock())
        return src

    def seen(self, topic: str, partition: int, offset: int, event_time: int | None) -> None:
        src = self._source(topic, partition)
        src.last_offset = offset
        # Only news wakes an idle source: a dead letter, or an event behind the partition's own
        # watermark (late, or a redelivery), changes no decision. Counted as activity, one made
        # the source busy again with its old watermark, and every stage waited the whole
        # idle_seconds behind it (paced bench: decisions published 1.2-2.0 s late, not 0.3 s).
        if event_time is None or event_time <= self._watermark(src):
            return
        src.last_wall = self.clock()
        if event_time > src.max_seen:
            src.max_seen = event_time
            self.max_seen = max(self.max_seen, event_time)

    def marks(self, assigned: list[tuple[str, int]], partitions_of, offsets) -> list[dict]:
        """One mark per owned platform partition. Idle: quiet for idle_seconds and
        caught up -- the high watermark known and nothing below it left to read --
        so the lateness window may close. `offsets(topic, p)` gives the fetch high
        watermark and the offset the group started this partition from."""
        now, docs = self.clock(), []
        for topic, p in assigned:
            src = self._source(topic, p)
            hw, start = offsets(topic, p)
            src.start = start if start is not None else src.start
            next_offset = self.position(topic, p) or 0
            caught_up = hw is not None and next_offset >= hw
            idle = caught_up and now - src.last_wall >= self.idle_seconds
            w = self._watermark(src)
            # o: the next offset to read here, so `collect` can tell when the input is all read
            docs.append(mark_doc(f"ingest:{topic}", p, partitions_of(topic), w, self.max_seen, idle, o=next_offset))
        return docs

    def _watermark(self, src: SourceState) -> int:
        """Every event at or before it has come, within the lateness."""
        return src.max_seen - self.lateness_ms - 1 if src.max_seen > NEVER else NEVER

    def position(self, topic: str, partition: int) -> int | None:
        """The next offset this worker reads of a platform partition, None while unknown."""
        src = self.sources.get((topic, partition))
        if src is None:
            return None
        return src.last_offset + 1 if src.last_offset >= 0 else src.start

    def forget(self, keep: set[tuple[str, int]]) -> None:
        for tp in [tp for tp in self.sources if tp not in keep]:
            del self.sources[tp]


def route(topic: str, partition: int, offset: int, raw: bytes):
    """A platform message: ("event", event) or ("dead", dead-letter record)."""
    item = parse_message(topic, raw or b"")          # a null value (tombstone) is unusable too
    if isinstance(item, DeadLetter):
        return "dead", dead_letter_record(item, partition, offset), item.reason
    return "event", item, None


def kafka_partitioner(partitions: int):
    """key -> partition as the producers place it (murmur2, Kafka's default partitioner).
    Cached: a parcel's key comes back with each of its scans."""
    @lru_cache(maxsize=1 << 16)
    def partition_for(key: str) -> int:
        return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions
    return partition_for
