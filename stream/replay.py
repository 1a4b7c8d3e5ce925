"""Audit replay: the input topics over a fixed range, through the offline engine.

The range is fixed when the replay starts: ends come from the fetch high
watermark (BROKER.md), timestamps are resolved by reading record timestamps
(Tansu's offsets_for_times uses arrival time and answers 0 past the end). It
reads with no consumer group at all, so it can neither commit for nor disturb
the live group. The replay holds the whole range, so it takes events in the
contract's total order (event time, topic, event_id): no event is late, and for
any input whose disorder stayed within the allowed lateness this is exactly
what the live stream decided. (Record timestamps are no guide to arrival order:
a batch shares one.) Dead letters keep their topic, partition and offset.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from kafka import TopicPartition

from detectors.events import TOPICS
from detectors.parse import DeadLetter
from detectors.policy import Policy

from . import kafka_read
from .eventlog import LogRecord
from .offline import RunResult, decode, run_offline


def software_version() -> str:
    try:
        return version("shipguard")
    except PackageNotFoundError:
        return "unknown"


def offset_for_time(c, tp: TopicPartition, ts: int, start: int, end: int) -> int:
    """The first offset in [start, end) whose record timestamp is >= ts (end if none)."""
    lo, hi = start, end
    while lo < hi:
        mid = (lo + hi) // 2
        record = next(kafka_read.read_range(c, {tp: mid}, {tp: mid + 1}), None)
        if record is None or record.timestamp < ts:
            lo = mid + 1
        else:
            hi = mid
    return lo


def resolve_range(c, from_ts=None, from_offsets=None, to_ts=None, to_offsets=None):
    tps = [tp for topic in TOPICS for tp in kafka_read.partitions(c, topic)]
    high = kafka_read.true_ends(c, tps)
    starts, ends = {}, {}
    for tp in tps:
        named = lambda table: (table or {}).get(tp.topic, {}).get(str(tp.partition))
        start = named(from_offsets)
        if start is None:
            start = offset_for_time(c, tp, from_ts, 0, high[tp]) if from_ts is not None else 0
        end = named(to_offsets)
        if end is None:
            end = offset_for_time(c, tp, to_ts + 1, start, high[tp]) if to_ts is not None else high[tp]
        starts[tp], ends[tp] = max(0, min(start, high[tp])), max(0, min(end, high[tp]))
    return starts, ends


def read_records(c, starts, ends, progress=None) -> list[LogRecord]:
    records = []
    for record in kafka_read.read_range(c, starts, ends):
        records.append(record)
        if progress:
            progress()
    logged = [LogRecord(r.offset, r.topic, r.key.decode("utf-8", "replace") if r.key else None, r.value or b"",
                        partition=r.partition) for r in records]
    return sorted(logged, key=_event_order)


def _event_order(record: LogRecord) -> tuple:
    item = decode(record)
    where = (record.topic, record.partition, record.line)
    return (0, item.sort_key, where) if not isinstance(item, DeadLetter) else (1, (), where)


def range_doc(starts, ends) -> dict:
    doc: dict = {}
    for tp in sorted(ends, key=lambda t: (t.topic, t.partition)):
        doc.setdefault(tp.topic, {})[str(tp.partition)] = [starts[tp], ends[tp]]
    return doc


def build_report(result: RunResult, policy: Policy, lateness_ms: int, starts, ends) -> dict:
    counts = {rule: 0 for rule in sorted({v["rule"] for v in result.violations})}
    for v in result.violations:
        counts[v["rule"]] += 1
    # Shop and product escalations, for a policy that has them (a seed-v1 report is unchanged).
    escalations = {"escalations": result.escalations} if policy.escalations else {}
    return {
        "shipguard_version": software_version(),
        "policy_version": policy.version,
        "as_of": result.as_of,
        "lateness_ms": lateness_ms,
        "range": range_doc(starts, ends),
        "events": {k[3:]: n for k, n in sorted(result.counts.items()) if k.startswith("in:")},
        "late": result.counts["late"],
        "counts": counts,
        "dead_letters": result.dead_letters,
        "violations": result.violations,
        **escalations,
    }


def replay(bootstrap: str, policy: Policy, lateness_ms: int, as_of: int | None, progress_factory=None,
           **bounds) -> tuple[dict, list[LogRecord]]:
    c = kafka_read.consumer(bootstrap)
    try:
        starts, ends = resolve_range(c, **bounds)
        total = sum(ends[tp] - starts[tp] for tp in ends)
        with (progress_factory(total) if progress_factory else _nothing()) as tick:
            records = read_records(c, starts, ends, tick)
    finally:
        c.close()
    result = run_offline(records, policy, lateness_ms, as_of)
    return build_report(result, policy, lateness_ms, starts, ends), records


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
