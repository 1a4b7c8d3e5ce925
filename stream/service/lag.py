"""Consumer lag of the input topics, sampled every second into shipguard_consumer_lag_messages.

Lag of a partition = its fetch high watermark minus the next offset this worker
reads there (IngestTracker.position), else the group's committed offset. Not the
committed offset alone: inputs wait unacked in Kafka until the watermark passes
them, so that one trails by the allowed lateness of traffic (about a million
messages at 3 500/s and 5 minutes) and would say nothing about falling behind.
Tansu's ListOffsets is wrong (BROKER.md), so the high watermark comes from the
fetch responses; a partition not fetched yet, or with nothing read or committed
yet, is left out rather than guessed. Each worker reports its own partitions: sum
over workers for the group's lag.
"""
from __future__ import annotations

from faust.types import TP

from . import faust_compat
from .topology import INPUT_TOPICS

SAMPLE_INTERVAL = 1.0


def input_lag(consumer, topics=INPUT_TOPICS, position=lambda topic, p: None) -> dict[str, int]:
    """Messages behind, per topic, over this consumer's assigned partitions (0 when it has none)."""
    lag = {topic: 0 for topic in topics}
    for tp in consumer.assignment():
        if tp.topic not in lag:
            continue
        end = faust_compat.highwater(consumer, TP(tp.topic, tp.partition))
        done = position(tp.topic, tp.partition)
        if done is None:
            done = faust_compat.committed_offset(consumer, tp)
        if end is not None and done is not None:
            lag[tp.topic] += max(0, end - done)
    return lag


def install(app, metrics, position=lambda topic, p: None) -> None:
    @app.timer(SAMPLE_INTERVAL)
    async def sample_consumer_lag():
        try:
            lag = input_lag(app.consumer, position=position)
        except Exception:          # mid-rebalance or shutting down: a gauge must never stop the worker
            return
        for topic, messages in lag.items():
            metrics.consumer_lag(topic, messages)
