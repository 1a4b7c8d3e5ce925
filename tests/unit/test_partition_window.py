"""The event-time window search over a partition's offsets (stream/console/partition_window.py),
on a fake consumer: no event that is not late falls outside the window it finds."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import orjson
from hypothesis import given, settings, strategies as st

from aiokafka import TopicPartition

from stream.console.partition_window import PROBE_USABLE, read_keyed, window_offsets

TP = TopicPartition("carrier-scan", 0)
LATENESS = 300_000


@dataclass
class Record:
    offset: int
    key: bytes
    value: bytes
    topic: str = TP.topic


class FakeConsumer:
    """A partition in memory, handed out a few records per getmany like a fetch."""

    def __init__(self, values: list[bytes], per_fetch: int = 5):
        self.records = [Record(n, b"ZTO:1", v) for n, v in enumerate(values)]
        self.per_fetch, self.pos, self.fetches = per_fetch, {}, 0

    def assign(self, tps):
        self.pos = {tp: 0 for tp in tps}

    def seek(self, tp, offset):
        self.pos[tp] = offset

    def pause(self, tp):
        self.pos.pop(tp, None)

    async def getmany(self, *tps, timeout_ms=0, max_records=None):
        self.fetches += 1
        out = {}
        for tp in tps or list(self.pos):
            if tp in self.pos:
                got = self.records[self.pos[tp]:self.pos[tp] + self.per_fetch]
                self.pos[tp] += len(got)
                if got:
                    out[tp] = got
        return out


def scan(ms: int) -> bytes:
    return orjson.dumps({"event_id": f"e{ms}", "carrier": "ZTO", "waybill_no": "1", "scanned_at": ms,
                         "status": "in_transit", "description": "x"})


def not_late(times: list[int | None]) -> list[bool]:
    seen, flags = None, []
    for t in times:
        flags.append(t is not None and (seen is None or t >= seen - LATENESS))
        if t is not None and flags[-1]:
            seen = t if seen is None else max(seen, t)
    return flags


# each step: ("scan", advance, lag) an event up to the lateness older than the newest, ("dead",) a
# dead letter, ("late", how late) an isolated late event
steps = st.lists(st.one_of(
    st.tuples(st.just("scan"), st.integers(0, 600_000), st.integers(0, LATENESS)),
    st.tuples(st.just("dead")),
    st.tuples(st.just("late"), st.integers(LATENESS + 1, 10 * LATENESS))), min_size=1, max_size=300)


def build(plan) -> list[int | None]:
    times, newest, last_late = [], 1_800_000_000_000, False
    for step in plan:
        if step[0] == "scan":
            newest += step[1]
            times.append(newest - step[2])
        elif step[0] == "late" and not last_late:
            times.append(newest - step[1])
        else:
            times.append(None)
        last_late = step[0] == "late"
    return times + [newest]      # a probe of late records only could mislead it: none ends the partition


@settings(max_examples=150, deadline=None)
@given(plan=steps, a=st.integers(0, 200_000_000), span=st.integers(0, 100_000_000))
def test_no_event_that_is_not_late_falls_outside_the_window(plan, a, span):
    times = build(plan)
    c = FakeConsumer([scan(t) if t is not None else b"not json" for t in times])
    from_ms = 1_800_000_000_000 + a - 50_000_000
    lo, hi = asyncio.run(window_offsets(c, TP, len(times), from_ms, from_ms + span, LATENESS))
    assert 0 <= lo <= hi <= len(times)
    for k, (t, ok) in enumerate(zip(times, not_late(times))):
        if ok and from_ms <= t <= from_ms + span:
            assert lo <= k < hi, (k, t, lo, hi)


def test_the_search_reads_a_small_part_of_a_long_partition():
    times = [1_800_000_000_000 + n * 1000 for n in range(100_000)]
    c = FakeConsumer([scan(t) for t in times])
    lo, hi = asyncio.run(window_offsets(c, TP, len(times), times[50_000], times[50_100], LATENESS))
    assert lo <= 50_000 and hi > 50_100 and hi - lo <= 101 + 2 * (300 + PROBE_USABLE)   # lateness and a probe's records on each side
    assert c.fetches < 200


def test_read_keyed_keeps_what_is_asked_within_the_range():
    c = FakeConsumer([scan(n) for n in range(50)], per_fetch=7)
    kept = asyncio.run(read_keyed(c, {TP: (10, 33)}, lambda r: r.offset % 2 == 0))
    assert [r.offset for r in kept] == list(range(10, 33, 2))
    assert asyncio.run(read_keyed(c, {TP: (5, 5)}, lambda r: True)) == []


def test_an_event_followed_by_older_ones_within_the_lateness_is_kept_at_both_ends():
    """The window opens on an event whose successors are up to the lateness older, and closes on
    one whose predecessors are up to the lateness newer: the margins keep both."""
    base = 1_800_000_000_000
    jump = base + 10_000_000
    times = ([base + n * 1000 for n in range(50)] + [jump] + [jump - LATENESS + 1] * 40     # 50: the first
             + [jump + 2 * LATENESS - 1] * 40 + [jump + LATENESS]                           # 131: the last
             + [jump + 2 * LATENESS + n * 1000 for n in range(1, 100)])
    assert all(not_late(times))
    c = FakeConsumer([scan(t) for t in times])
    lo, hi = asyncio.run(window_offsets(c, TP, len(times), jump, jump + LATENESS, LATENESS))
    assert lo <= 50 and hi > 131, (lo, hi)
