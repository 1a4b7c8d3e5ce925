"""`shipguard collect`: wait until the worker group has taken every input
message present now and its published violations are final through T, then
write the violations decided at or before T in CONTRACT §6's format.

Final through T: every penalty-stage partition has sent a mark with w >= T,
or, when the input has gone quiet (all marks idle), the input's end -- then T
defaults, as offline, to the largest event time minus the allowed lateness.
"""
from __future__ import annotations

import time
from collections import Counter

import orjson
from kafka import KafkaConsumer

from detectors.events import TOPICS
from detectors.penalties import output_order

from . import kafka_read
from .settings import Settings
from .topics import VIOLATIONS, progress_topic


class CollectTimeout(RuntimeError):
    pass


def collect(settings: Settings, as_of: int | None, timeout: float) -> tuple[list[dict], dict]:
    deadline = time.monotonic() + timeout
    c = kafka_read.consumer(settings.bootstrap)
    try:
        inputs = [tp for t in TOPICS for tp in kafka_read.partitions(c, t)]
        ends = kafka_read.true_ends(c, inputs)
        _wait_committed(settings, ends, deadline)
        T = _wait_final(settings, c, as_of, deadline)
        vtps = kafka_read.partitions(c, VIOLATIONS)
        vends = kafka_read.true_ends(c, vtps)
        published = [orjson.loads(r.value) for r in kafka_read.read_range(c, {}, vends)]
    finally:
        c.close()
    ids = Counter(v["violation_id"] for v in published)
    chosen = sorted((v for v in published if v["decided_at"] <= T), key=output_order)
    return chosen, {"as_of": T, "published": len(published), "duplicates": sum(n - 1 for n in ids.values())}


def _wait_committed(settings: Settings, ends: dict, deadline: float) -> None:
    # A consumer of the group that never joins or commits: it only asks (OffsetFetch).
    group = KafkaConsumer(bootstrap_servers=settings.bootstrap, group_id=settings.app_id, enable_auto_commit=False)
    try:
        while True:
            behind = [tp for tp, end in ends.items() if end and (group.committed(tp) or 0) < end]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise CollectTimeout(f"the group has not consumed the input yet ({len(behind)} partitions behind)")
            time.sleep(0.5)
    finally:
        group.close()


def _wait_final(settings: Settings, c, as_of: int | None, deadline: float) -> int:
    """Read penalty-stage marks sent after now until they cover T (or the input's end)."""
    tps = kafka_read.partitions(c, progress_topic(settings.app_id))
    start = kafka_read.true_ends(c, tps)
    c.assign(tps)
    for tp, offset in start.items():
        c.seek(tp, offset)
    latest: dict[int, dict] = {}
    while time.monotonic() < deadline:
        for records in c.poll(timeout_ms=500).values():
            for record in records:
                for mark in orjson.loads(record.value)["marks"]:
                    latest[mark["p"]] = mark
        if len(latest) < settings.partitions:
            continue
        marks = list(latest.values())
        if as_of is not None and all(m["w"] >= as_of for m in marks):
            return as_of
        if all(m["idle"] for m in marks):
            end = max(m["m"] for m in marks)
            return min(as_of, end) if as_of is not None else end - settings.lateness_ms
    raise CollectTimeout("the violations are not final through the as-of time yet")
