"""Reading topics with aiokafka (`getmany`), bounded by what is really there.

kafka-python reads about 22 000 messages/s from Tansu, aiokafka's getmany about
350 000 (BROKER.md), so the audit replay reads here. Ends come from the fetch
high watermark (stream/service/true_end.py), never from ListOffsets alone: Tansu
answers the first offset of the newest batch + 1. No consumer group is used, so
nothing is ever committed.
"""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

from aiokafka import AIOKafkaConsumer, TopicPartition

from .service.true_end import true_ends as fetched_ends

BATCH = 50_000            # records a getmany may return at once
STALL_SECONDS = 30.0      # no record and no progress for this long: the read fails


def consumer(bootstrap: str, auth: dict | None = None) -> AIOKafkaConsumer:
    """auth: aiokafka SASL/TLS arguments; by default the environment's (stream/kafka_security.py)."""
    from .kafka_security import aiokafka_config
    return AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                            auto_offset_reset="earliest", fetch_max_wait_ms=100,
                            max_partition_fetch_bytes=4 * 2 ** 20,
                            **(auth if auth is not None else aiokafka_config()))


async def partitions(c: AIOKafkaConsumer, topic: str, wait: float = 10.0) -> list[TopicPartition]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        await c.topics()                              # refreshes the metadata
        found = c.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        if loop.time() > deadline:
            return []
        await asyncio.sleep(0.1)


async def true_ends(c: AIOKafkaConsumer, bootstrap: str, auth: dict, tps: list[TopicPartition]) -> dict:
    """The fetch high watermark of each partition, as of now."""
    if not tps:
        return {}
    answers = await c.end_offsets(tps)
    return await fetched_ends(answers, bootstrap, auth)


async def read_range(c: AIOKafkaConsumer, starts: dict, ends: dict) -> AsyncIterator[tuple[TopicPartition, list]]:
    """(partition, records) batches: every record from start (inclusive) to end (exclusive)."""
    todo = [tp for tp in ends if ends[tp] > starts.get(tp, 0)]
    if not todo:
        return
    c.assign(todo)
    for tp in todo:
        c.seek(tp, starts.get(tp, 0))
    remaining = set(todo)
    loop = asyncio.get_running_loop()
    last_progress = loop.time()
    while remaining:
        batches = await c.getmany(*remaining, timeout_ms=500, max_records=BATCH)
        for tp, records in batches.items():
            low, high = starts.get(tp, 0), ends[tp]
            inside = [r for r in records if low <= r.offset < high]
            if inside:
                yield tp, inside
        for tp in list(remaining):
            if await c.position(tp) >= ends[tp]:
                remaining.discard(tp)
                c.pause(tp)
        if batches:
            last_progress = loop.time()
        elif loop.time() - last_progress > STALL_SECONDS:
            stuck = ", ".join(sorted(f"{tp.topic}/{tp.partition}" for tp in remaining))
            raise RuntimeError(f"no record for {STALL_SECONDS:.0f} s before the end of {stuck}")


async def record_at(c: AIOKafkaConsumer, tp: TopicPartition, offset: int):
    """The record at `offset`, or None."""
    found = None
    async for _, records in read_range(c, {tp: offset}, {tp: offset + 1}):
        found = records[0]
    return found
