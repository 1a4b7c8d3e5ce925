"""Reading topics with kafka-python, bounded by what is really there.

Tansu's ListOffsets answers the first offset of the last batch + 1 (BROKER.md),
so ends come from the high watermark of a real fetch, never end_offsets alone.
"""
from __future__ import annotations

import time
from typing import Iterator

from kafka import KafkaConsumer, TopicPartition


def consumer(bootstrap: str, security: dict | None = None) -> KafkaConsumer:
    """security: kafka-python SASL/TLS arguments; by default the environment's (stream/kafka_security.py)."""
    from .kafka_security import kafka_python_config
    return KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                         auto_offset_reset="earliest", consumer_timeout_ms=500, fetch_max_wait_ms=100,
                         **(security if security is not None else kafka_python_config()))


def partitions(c: KafkaConsumer, topic: str) -> list[TopicPartition]:
    deadline = time.monotonic() + 10
    while True:
        found = c.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        if time.monotonic() > deadline:
            return []
        time.sleep(0.1)


def true_ends(c: KafkaConsumer, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
    """The fetch high watermark of each partition, as of now."""
    if not tps:
        return {}
    c.assign(tps)
    for tp, end in c.end_offsets(tps).items():
        c.seek(tp, max(0, end - 1))
    ends: dict[TopicPartition, int] = {}
    deadline = time.monotonic() + 15
    while len(ends) < len(tps) and time.monotonic() < deadline:
        c.poll(timeout_ms=200, max_records=1)
        for tp in tps:
            hw = c.highwater(tp)
            if hw is not None:
                ends[tp] = hw
    missing = [tp for tp in tps if tp not in ends]
    if missing:
        raise RuntimeError(f"no high watermark for {missing}")
    return ends


def read_range(c: KafkaConsumer, starts: dict[TopicPartition, int], ends: dict[TopicPartition, int]) -> Iterator:
    """Every record from start (inclusive) to end (exclusive) per partition."""
    todo = [tp for tp in ends if ends[tp] > starts.get(tp, 0)]
    if not todo:
        return
    c.assign(todo)
    for tp in todo:
        c.seek(tp, starts.get(tp, 0))
    remaining = set(todo)
    while remaining:
        batch = c.poll(timeout_ms=500)
        for tp, records in batch.items():
            for record in records:
                if record.offset < ends[tp]:
                    yield record
            if c.position(tp) >= ends[tp]:
                remaining.discard(tp)
                c.pause(tp)
