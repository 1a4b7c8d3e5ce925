"""Load an offline event log (CONTRACT §6) onto the input topics, in log order.

    counts = produce_log("127.0.0.1:9092", read_log(open("events.jsonl", "rb")))

The message value is the log record's raw bytes, unchanged: unusable messages
travel too, and the worker dead-letters them. Keys follow CONTRACT §1. Keys are
partitioned by kafka-python's DefaultPartitioner: murmur2(key bytes) & 0x7fffffff
mod the partition count, the same function and constants as aiokafka's
DefaultPartitioner (what Faust uses), so a key lands where the worker expects it
(checked in tests/integration/test_embedded.py).
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

import orjson

from detectors.events import CARRIER_SCAN, ORDER_PAID, TOPICS, TRACKING_UPLOADED

from .eventlog import LogRecord

SKIPPED = "skipped"        # count of log lines whose topic is not an input topic
TOO_LARGE = "too_large"    # count of messages the producer refused (over max_request_size)
PROGRESS_FROM = 20_000     # auto: a bar on a terminal for inputs this long, or of unknown length


def message_key(record: LogRecord) -> str | None:
    """The log line's key if it is a string, else derived from a JSON-object value (CONTRACT §1)."""
    if record.key is not None:
        return record.key
    value = record.value
    if value is None and record.raw[:1] == b"{":
        try:
            value = orjson.loads(record.raw)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(value, dict):
        return None
    if record.topic in (ORDER_PAID, TRACKING_UPLOADED):
        order_id = value.get("order_id")
        return order_id if isinstance(order_id, str) and order_id else None
    if record.topic == CARRIER_SCAN:
        carrier, waybill = value.get("carrier"), value.get("waybill_no")
        if isinstance(carrier, str) and isinstance(waybill, str) and carrier and waybill:
            return f"{carrier}:{waybill}"
    return None


def make_producer(bootstrap: str, **overrides):
    """SASL/TLS arguments come from the environment (stream/kafka_security.py) unless overridden."""
    from kafka import KafkaProducer

    from .kafka_security import kafka_python_config
    config = dict(bootstrap_servers=bootstrap, client_id="shipguard-produce", acks=1,
                  linger_ms=5, batch_size=128 * 1024, enable_idempotence=False,  # Tansu: no InitProducerId
                  max_request_size=1024 * 1024, **kafka_python_config())
    config.update(overrides)
    return KafkaProducer(**config)


def _progress(records: Iterable[LogRecord], show: bool | None):
    total = len(records) if hasattr(records, "__len__") else None
    from rich.console import Console
    console = Console(stderr=True)  # stdout stays clean for the caller's report
    if show is None:
        show = console.is_terminal and (total is None or total >= PROGRESS_FROM)
    if not show:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    progress = Progress(TextColumn("producing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=console, transient=True)
    return progress, progress.add_task("produce", total=total)


def produce_log(bootstrap: str, records: Iterable[LogRecord], topics: dict[str, str] | None = None,
                progress: bool | None = None) -> dict[str, int]:
    """Send every record to its topic (renamed through `topics`, which defaults to the three
    input topics as themselves) in order; return message counts per destination topic, plus
    `skipped` (lines of another topic) and `too_large` when non-zero."""
    from kafka.errors import MessageSizeTooLargeError
    routes = dict(topics) if topics is not None else {t: t for t in TOPICS}
    counts: Counter[str] = Counter()
    failures: list[BaseException] = []
    bar = _progress(records, progress)
    producer = make_producer(bootstrap)
    try:
        if bar:
            bar[0].start()
        for n, record in enumerate(records, 1):
            destination = routes.get(record.topic)
            if destination is None:
                counts[SKIPPED] += 1
                continue
            key = message_key(record)
            try:
                future = producer.send(destination, value=record.raw,
                                       key=key.encode("utf-8", "surrogatepass") if key is not None else None)
            except MessageSizeTooLargeError:
                counts[TOO_LARGE] += 1
                continue
            if not failures:
                future.add_errback(failures.append)
            counts[destination] += 1
            if bar and n % 1000 == 0:
                bar[0].update(bar[1], completed=n)
        producer.flush()
    finally:
        producer.close()
        if bar:
            bar[0].stop()
    if failures:
        raise RuntimeError(f"producing to {bootstrap} failed: {failures[0]!r}") from failures[0]
    return dict(counts)
