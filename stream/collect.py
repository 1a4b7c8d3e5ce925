"""`shipguard collect`: wait until the worker group has taken every input
message present now and its published violations are final through T, then
write the violations decided at or before T in CONTRACT §6's format.

"Taken every input message": the ingest's marks on the progress topic say how
far each input partition is read (the group's committed offsets are no guide:
faust-streaming may leave the last message of a quiet partition uncommitted).
Final through T: every penalty-stage partition has sent a mark with w >= T,
or, when the input has gone quiet (all marks idle), the input's end -- then T
defaults, as offline, to the largest event time minus the allowed lateness.

`collect_escalations`, called after that wait, reads `shop-escalations`: the
penalty stage publishes a day's escalations before the mark that covers the
day's end, so every day closed at or before T is there.
"""
from __future__ import annotations

import time
from collections import Counter

import orjson

from detectors.escalation import output_order as escalation_order
from detectors.events import TOPICS
from detectors.penalties import output_order

from . import kafka_read
from .settings import Settings
from .service.topology import ESCALATIONS, VIOLATIONS, progress_topic
from .service.wiring import final_through


class CollectTimeout(RuntimeError):
    pass


def collect(settings: Settings, as_of: int | None, timeout: float) -> tuple[list[dict], dict]:
    deadline = time.monotonic() + timeout
    c = kafka_read.consumer(settings.bootstrap)
    try:
        _wait_for_topics(settings, c, deadline)
        inputs = [tp for t in TOPICS for tp in kafka_read.partitions(c, t)]
        ends = {(tp.topic, tp.partition): end for tp, end in kafka_read.true_ends(c, inputs).items()}
        T = _wait_final(settings, c, ends, as_of, deadline)
        vtps = kafka_read.partitions(c, VIOLATIONS)
        vends = kafka_read.true_ends(c, vtps)
        published = [orjson.loads(r.value) for r in kafka_read.read_range(c, {}, vends)]
    finally:
        c.close()
    ids = Counter(v["violation_id"] for v in published)
    chosen = sorted((v for v in published if v["decided_at"] <= T), key=output_order)
    return chosen, {"as_of": T, "published": len(published), "duplicates": sum(n - 1 for n in ids.values())}


def collect_escalations(settings: Settings, T: int, policy) -> tuple[list[dict], dict]:
    """The policy's escalations whose day closed at or before T, in `run --escalations` order."""
    c = kafka_read.consumer(settings.bootstrap)
    try:
        published = [orjson.loads(r.value) for r in
                     kafka_read.read_range(c, {}, kafka_read.true_ends(c, kafka_read.partitions(c, ESCALATIONS)))]
    finally:
        c.close()
    ids = Counter(e["escalation_id"] for e in published)
    chosen = [e for e in published if e["policy_version"] == policy.version and e["window_end"] - 1 <= T]
    counts = {"published": len(published), "duplicates": sum(n - 1 for n in ids.values())}
    return sorted(chosen, key=lambda e: escalation_order(e, policy)), counts


def _wait_for_topics(settings: Settings, c, deadline: float) -> None:
    """Seen: against a broker without the topics, collect --timeout 5 waited 41 s (10 s a missing
    topic) and then said only "the input has not all been read yet:"."""
    wanted = {*TOPICS, progress_topic(settings.app_id), VIOLATIONS}
    while missing := sorted(wanted - set(c.topics())):
        if time.monotonic() >= deadline:
            raise CollectTimeout(f"no topic {', '.join(missing)} on {settings.bootstrap}: create them with "
                                 f"`shipguard topics` and run the workers of SHIPGUARD_APP_ID={settings.app_id}")
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def _wait_final(settings: Settings, c, ends: dict, as_of: int | None, deadline: float) -> int:
    """Read the progress topic from now on. First the ingest's marks must show every
    input message present at the start read (o >= end); then the penalty stage's
    marks sent after that must cover T, or be idle (the input's end)."""
    tps = kafka_read.partitions(c, progress_topic(settings.app_id))
    start = kafka_read.true_ends(c, tps)
    c.assign(tps)
    for tp, offset in start.items():
        c.seek(tp, offset)
    read: dict[tuple[str, int], int] = {}
    latest: dict[int, dict] = {}
    input_read = False
    while time.monotonic() < deadline:
        for records in c.poll(timeout_ms=500).values():
            for record in records:
                for mark in orjson.loads(record.value)["marks"]:
                    if mark["src"].startswith("ingest:"):
                        key = (mark["src"][len("ingest:"):], mark["p"])
                        read[key] = max(read.get(key, 0), mark.get("o", 0))
                    elif input_read:
                        latest[mark["p"]] = mark
                input_read = input_read or all(read.get(key, 0) >= end for key, end in ends.items() if end)
        if not input_read:
            continue
        T = final_through(list(latest.values()), settings.partitions, as_of, settings.lateness_ms)
        if T is not None:
            return T
    if not input_read:
        behind = [f"{t}/{p} read to {read.get((t, p), 'nothing')} of {end}"
                  for (t, p), end in sorted(ends.items()) if end and read.get((t, p), 0) < end]
        raise CollectTimeout("the input has not all been read yet: " + ", ".join(behind[:8]))
    raise CollectTimeout("the violations are not final through the as-of time yet: penalty stage at "
                         + ", ".join(f"{p}: w={m['w']}{' idle' if m['idle'] else ''}" for p, m in sorted(latest.items())))
