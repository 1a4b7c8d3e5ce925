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
It reads with aiokafka (stream/aio_read.py) and decodes each message once, as
it arrives (stream/replay_take.py); the report is built from the engine's
result, with no second pass over the events.
"""
from __future__ import annotations

import asyncio
from importlib.metadata import PackageNotFoundError, version

from detectors.events import TOPICS
from detectors.policy import Policy

from . import aio_read
from .offline import RunResult, collector_paused
from .replay_take import Placed, decide, take


def software_version() -> str:
    try:
        return version("shipguard")
    except PackageNotFoundError:
        return "unknown"


async def offset_for_time(c, tp, ts: int, start: int, end: int) -> int:
    """The first offset in [start, end) whose record timestamp is >= ts (end if none)."""
    lo, hi = start, end
    while lo < hi:
        mid = (lo + hi) // 2
        record = await aio_read.record_at(c, tp, mid)
        if record is None or record.timestamp < ts:
            lo = mid + 1
        else:
            hi = mid
    return lo


async def resolve_range(c, bootstrap: str, auth: dict, from_ts=None, from_offsets=None, to_ts=None, to_offsets=None):
    tps = [tp for topic in TOPICS for tp in await aio_read.partitions(c, topic)]
    high = await aio_read.true_ends(c, bootstrap, auth, tps)
    starts, ends = {}, {}
    for tp in tps:
        named = lambda table: (table or {}).get(tp.topic, {}).get(str(tp.partition))
        start = named(from_offsets)
        if start is None:
            start = await offset_for_time(c, tp, from_ts, 0, high[tp]) if from_ts is not None else 0
        end = named(to_offsets)
        if end is None:
            end = await offset_for_time(c, tp, to_ts + 1, start, high[tp]) if to_ts is not None else high[tp]
        starts[tp], ends[tp] = max(0, min(start, high[tp])), max(0, min(end, high[tp]))
    return starts, ends


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
           keep_events: bool = False, **bounds) -> tuple[dict, list[Placed]]:
    """The report, and the events in order when `keep_events` (explain); else an empty list."""
    with collector_paused():     # as run_offline: the held events made half of a 400 000-message replay's time
        starts, ends, taken = asyncio.run(_read(bootstrap, progress_factory, bounds))
        result = decide(taken, policy, lateness_ms, as_of, keep=keep_events)
    return build_report(result, policy, lateness_ms, starts, ends), taken.events


async def _read(bootstrap: str, progress_factory, bounds: dict):
    from .kafka_security import aiokafka_config

    auth = aiokafka_config()
    c = aio_read.consumer(bootstrap, auth)
    await c.start()
    try:
        starts, ends = await resolve_range(c, bootstrap, auth, **bounds)
        total = sum(ends[tp] - starts[tp] for tp in ends)
        with (progress_factory(total) if progress_factory else _nothing()) as tick:
            taken = await take(c, starts, ends, tick)
    finally:
        await c.stop()
    return starts, ends, taken


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
