"""Consumer lag of the input topics, sampled every second into shipguard_consumer_lag_messages.

Lag of a partition = its fetch high watermark minus the group's committed offset
(the next offset to read), as `agents._send_marks` reads them. Tansu's
ListOffsets is wrong (BROKER.md), so the high watermark comes from the fetch
responses; a partition not fetched yet, or with nothing committed yet, is left
out rather than guessed. The ingest acks each message once forwarded, so its
committed offset follows what the worker has taken. Each worker reports its own
partitions: sum over workers for the group's lag.
"""
from __future__ import annotations

from faust.types import TP

from . import faust_compat
from .topology import INPUT_TOPICS

SAMPLE_INTERVAL = 1.0


def input_lag(consumer, topics=INPUT_TOPICS) -> dict[str, int]:
    """Messages behind, per topic, over this consumer's assigned partitions (0 when it has none)."""
    lag = {topic: 0 for topic in topics}
    for tp in consumer.assignment():
        if tp.topic not in lag:
            continue
        try:
            end = consumer.highwater(TP(tp.topic, tp.partition))
        except Exception:          # not fetched yet
            end = None
        done = faust_compat.committed_offset(consumer, tp)
        if end is not None and done is not None:
            lag[tp.topic] += max(0, end - done)
    return lag


def install(app, metrics) -> None:
    @app.timer(SAMPLE_INTERVAL)
    async def sample_consumer_lag():
        try:
            lag = input_lag(app.consumer)
        except Exception:          # mid-rebalance or shutting down: a gauge must never stop the worker
            return
        for topic, messages in lag.items():
            metrics.consumer_lag(topic, messages)
