"""The case page's figure (issue 14: a case page in <= 1 s with 1 M messages on the topics): p50 and
p95 of GET /case/{order_id} through the console's HTTP app, over a sample of orders, with the
timelines of a whole generated log in the serving view. The `case` part of `shipguard bench`.

The timelines are written by the worker's own writer (stream/timeline.TimelineWriter through a
ServingView), not by a broker and worker: one event after another, as the stages read them. The
coordinates are faithful, not read back from a broker: each record's partition is where
`shipguard produce` places it (murmur2 of its key over `partitions`), its offset its position
among that partition's records in log order (dead letters included, as on the topic). The
decisions are the offline engine's over the same log (the stream's are byte-identical), written
as the penalty stage writes them. The sample: up to `per_rule` decided orders of each rule, the
rest orders drawn at random.
"""
from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from urllib.parse import quote

from detectors.events import TOPICS as INPUT_TOPICS

from ..eventlog import read_log
from ..offline import run_offline
from ..policies import load_policy
from ..produce import message_key
from ..serving import ServingView, connect
from ..serving_read import ServingReader
from ..service.ingest import kafka_partitioner, route
from ..timeline import TimelineWriter
from .bench_console import console_connection, drop, quantiles_ms, timed_get


def fill_timelines(url: str, prefix: str, records: list, retention_ms: int, partitions: int = 4) -> dict:
    """Every platform record's timeline entry, through the worker's writer. Raises if Redis failed."""
    client = connect(url)
    view = ServingView(client, prefix=prefix, retry_interval=0)
    writer = TimelineWriter(view, retention_ms)
    place, offsets, events = kafka_partitioner(partitions), Counter(), 0
    before, started = ServingReader(client, prefix).memory_bytes(), time.monotonic()
    for record in records:
        if record.topic not in INPUT_TOPICS:
            continue                        # `produce` skips it: no offset
        key = message_key(record)
        p = place(key) if key is not None else record.line % partitions
        offset = offsets[(record.topic, p)]
        offsets[(record.topic, p)] += 1
        kind, item, _ = route(record.topic, p, offset, record.raw)
        if kind == "event":
            writer.add(record.topic, p, offset, item)
            events += 1
    writer.flush()
    seconds = time.monotonic() - started
    if view.pending:
        raise RuntimeError(f"{view.pending} timeline writes still queued: Redis failed")
    after = ServingReader(client, prefix).memory_bytes()
    client.close()
    return {"events": events, "fill_seconds": round(seconds, 1), "fill_events_per_s": round(events / seconds),
            "bytes_per_event": round((after - before) / max(1, events), 1)}


def sample_orders(records: list, violations: list[dict], size: int, per_rule: int, seed: int = 1) -> list[str]:
    by_rule: dict[str, list[str]] = {}
    for v in violations:
        if v["order_id"] not in by_rule.setdefault(v["rule"], []):
            by_rule[v["rule"]].append(v["order_id"])
    picked = list(dict.fromkeys(o for orders in by_rule.values() for o in orders[:per_rule]))[:size]
    paid = sorted({r.key for r in records if r.topic == "order-paid" and r.key})
    rng = random.Random(seed)
    while len(picked) < min(size, len(paid)):
        order = rng.choice(paid)
        if order not in picked:
            picked.append(order)
    return picked


def run(url: str, lines: list[bytes], cases: int = 200, per_rule: int = 10, partitions: int = 4) -> dict:
    prefix = f"bench-case-{uuid.uuid4().hex[:8]}"
    policy = load_policy("seed-v1")
    records = list(read_log(iter(lines)))
    try:
        figures = {"messages": len(records), **fill_timelines(url, prefix, records, policy.retention_ms, partitions)}
        violations = run_offline(records, policy, 300_000).violations
        client = connect(url)
        ServingView(client, prefix=prefix).record_all(violations)
        client.close()
        orders = sample_orders(records, violations, cases, per_rule)
        with console_connection(url, prefix) as connection:
            timed_get(connection, "/case/" + quote(orders[0], safe=""), "case")      # warm the app
            times = [timed_get(connection, "/case/" + quote(o, safe=""), "case") for o in orders]
        figures.update(violations=len(violations), cases=len(orders), **quantiles_ms(times),
                       max_ms=round(max(times), 1))
    finally:
        drop(url, prefix)
    return figures
