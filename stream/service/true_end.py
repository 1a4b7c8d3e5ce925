"""The true end of partitions, from a fetch response's high watermark.

Tansu answers ListOffsets(LATEST) with the base offset of the newest record batch + 1,
not the end (BROKER.md): a batched changelog looked shorter than it was. A fetch from
that answer carries the partition's real high watermark, on Tansu and on Kafka alike.
The fetch's answer is taken even when ListOffsets said more: after a restart Tansu
answered 1 or 2 for changelogs no fetch returned a record of, and recovery waited for ever.
"""
from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger(__name__)


async def true_ends(answers: dict, bootstrap: list[str], auth: dict, timeout: float = 30.0) -> dict:
    """`answers`: tp -> what ListOffsets said (None: nothing). Returns tp -> the true end."""
    if not answers:
        return dict(answers)
    parts = {TopicPartition(tp.topic, tp.partition): tp for tp in answers}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                fetch_max_wait_ms=50, max_partition_fetch_bytes=64 * 1024, **auth)
    await consumer.start()
    try:
        consumer.assign(list(parts))
        for part, tp in parts.items():
            # From the answer itself: on Kafka it is the end (an empty fetch); on Tansu it lies
            # inside the newest batch. Never before it, which may be below a truncated log's start.
            consumer.seek(part, answers[tp] or 0)
        deadline = asyncio.get_running_loop().time() + timeout
        while any(consumer.highwater(part) is None for part in parts):
            if asyncio.get_running_loop().time() > deadline:
                missing = sorted(f"{p.topic}/{p.partition}" for p in parts if consumer.highwater(p) is None)
                raise RuntimeError(f"no fetch high watermark within {timeout:.0f} s for {', '.join(missing)}")
            await consumer.getmany(timeout_ms=100, max_records=1)
        ends = {tp: consumer.highwater(part) for part, tp in parts.items()}
    finally:
        await consumer.stop()
    past = {tp: (answers[tp], end) for tp, end in ends.items() if (answers[tp] or 0) > end}
    if past:
        log.warning("ListOffsets answered past the fetch high watermark on %d partitions: %s", len(past),
                    ", ".join(f"{tp.topic}/{tp.partition} {a} > {e}" for tp, (a, e) in sorted(past.items())))
    short = {tp: (answers[tp], end) for tp, end in ends.items() if (answers[tp] or 0) < end}
    if short:
        log.info("ListOffsets answered short of the fetch high watermark on %d partitions", len(short))
    return ends
