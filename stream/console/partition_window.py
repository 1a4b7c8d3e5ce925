"""One partition's offsets for an event-time window, and the keyed records in it (aiokafka).

A partition is in arrival order, and its events' times are nearly sorted: an
event that is not late is at most the allowed lateness older than any event
before it (CONTRACT §3). So a binary search over offsets on the event time of
the record at each probe, widened by that lateness, finds a start at or before
every event of the window and an end after each of them (the proof is in
`window_offsets`). Only late events, which change nothing, can fall outside.
A probe looks at the next few usable records (dead letters have no time). Ends are the
fetch high watermark (BROKER.md: Tansu's ListOffsets answers short).
"""
from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from detectors.parse import DeadLetter, parse_message

PROBE_USABLE = 8          # usable records a probe looks at
PROBE_RECORDS = 64        # records a probe looks at, usable or not
READ_TIMEOUT_S = 15.0


def aiokafka_auth(settings) -> dict:
    """aiokafka's SASL/TLS arguments for the SHIPGUARD_KAFKA_* settings (empty for PLAINTEXT)."""
    from ..kafka_security import check, ssl_context, uses_sasl
    from ..settings import secret

    check(settings)
    protocol = settings.kafka_security_protocol.upper()
    if protocol == "PLAINTEXT":
        return {}
    auth: dict = {"security_protocol": protocol, "ssl_context": ssl_context(settings)}
    if uses_sasl(settings):
        auth.update(sasl_mechanism=settings.kafka_sasl_mechanism.upper(),
                    sasl_plain_username=settings.kafka_sasl_username,
                    sasl_plain_password=secret(settings.kafka_sasl_password))
    return auth


def consumer(bootstrap: str, fetch_bytes: int, auth: dict | None = None) -> AIOKafkaConsumer:
    """No group: reading here can neither commit for nor disturb the live consumer group."""
    return AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                            auto_offset_reset="earliest", fetch_max_wait_ms=5,
                            max_partition_fetch_bytes=fetch_bytes, **(auth or {}))


async def high_watermarks(c: AIOKafkaConsumer, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
    """The true end of each partition, from a fetch started where ListOffsets says the end is."""
    c.assign(tps)
    for tp, answer in (await c.end_offsets(tps)).items():
        c.seek(tp, max(0, answer - 1))
    deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_S
    while any(c.highwater(tp) is None for tp in tps):
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("no fetch high watermark for " + ", ".join(f"{t.topic}/{t.partition}" for t in tps))
        await c.getmany(*tps, timeout_ms=100, max_records=1)
    return {tp: c.highwater(tp) for tp in tps}


async def probe(c: AIOKafkaConsumer, tp: TopicPartition, offset: int, end: int) -> tuple[int, int, int] | None:
    """(last offset looked at, least and greatest event time) of the first PROBE_USABLE usable
    records at or after `offset` and below `end`; None if there is none. Several records, so that
    one late event (its time far below its neighbours') does not steer the search. `tp` must be
    assigned to `c` (assigning again costs 30-60 ms, a seek does not)."""
    c.seek(tp, offset)
    times: list[int] = []
    looked, last = 0, offset - 1
    while looked < PROBE_RECORDS and len(times) < PROBE_USABLE and last + 1 < end:
        batch = (await c.getmany(tp, timeout_ms=int(READ_TIMEOUT_S * 1000))).get(tp, [])
        if not batch:
            raise RuntimeError(f"{tp.topic}/{tp.partition}: nothing read at offset {last + 1} below {end}")
        for record in batch:
            if record.offset >= end:
                return (last, min(times), max(times)) if times else None
            item = parse_message(tp.topic, record.value or b"")
            if not isinstance(item, DeadLetter):
                times.append(item.time)
            last, looked = record.offset, looked + 1
            if looked == PROBE_RECORDS or len(times) == PROBE_USABLE:
                break
    return (last, min(times), max(times)) if times else None


async def window_offsets(c: AIOKafkaConsumer, tp: TopicPartition, end: int, from_ms: int, to_ms: int,
                         disorder_ms: int) -> tuple[int, int]:
    """[lo, hi) holding every event of the partition timed in [from_ms, to_ms] that is not late.

    Start: a probe passes when one of its records is timed >= from_ms - disorder. An event at
    offset k timed >= from_ms makes every later record that is not late pass (t >= t_k - disorder),
    so lo only moves past probes that fail, all below k (unless every record of a probe after k
    is late). End: a probe passes when all its records are timed > to_ms + disorder; then no
    event of the window that is not late comes after it (it would be timed > to_ms), so hi
    never cuts one; a late record only makes the window longer."""
    c.assign([tp])
    first, last = from_ms - disorder_ms, to_ms + disorder_ms
    start = await _first_passing(c, tp, 0, end, first, lambda found: found[2] >= first)
    return start, await _first_passing(c, tp, start, end, last, lambda found: found[1] > last)


async def _first_passing(c, tp, lo: int, hi: int, target_ms: int, passes) -> int:
    """The search of window_offsets. Any probe offset in [lo, hi) keeps it correct, so steps alternate
    between a guess from the times seen at both bounds (a partition's times grow nearly linearly
    with its offsets: a few probes) and the midpoint (never worse than twice a bisection)."""
    t_lo = t_hi = None
    step = 0
    while lo < hi:
        mid = (lo + hi) // 2
        if step % 2 == 0 and t_lo is not None and t_hi is not None and t_hi > t_lo:
            guess = lo + (target_ms - t_lo) * (hi - lo) // (t_hi - t_lo)
            mid = min(max(guess, lo), hi - 1)
        step += 1
        found = await probe(c, tp, mid, hi)
        if found is None or passes(found):
            hi, t_hi = mid, (found[1] if found else t_hi)
        else:
            lo, t_lo = found[0] + 1, found[2]
    return lo


async def read_keyed(c: AIOKafkaConsumer, ranges: dict[TopicPartition, tuple[int, int]], keep) -> list:
    """The records of each [lo, hi) for which keep(record) holds."""
    todo = {tp: span for tp, span in ranges.items() if span[1] > span[0]}
    if not todo:
        return []
    c.assign(list(todo))
    for tp, (lo, _) in todo.items():
        c.seek(tp, lo)
    kept, left = [], set(todo)
    deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_S
    while left:
        batches = await c.getmany(*left, timeout_ms=200)
        if not batches and asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("reading stopped short of " + ", ".join(f"{t.topic}/{t.partition}" for t in left))
        for tp, records in batches.items():
            deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_S
            hi = todo[tp][1]
            kept.extend(r for r in records if r.offset < hi and keep(r))
            if records and records[-1].offset + 1 >= hi:
                left.discard(tp)
                c.pause(tp)
    return kept
