"""Each agent takes every offset of its partitions once, in order (stream/service/continuity.py)."""
from __future__ import annotations

import asyncio
from collections import namedtuple

from stream.service.continuity import Continuity

TP = namedtuple("TP", "topic partition")
Msg = namedtuple("Msg", "tp offset")
P0 = TP("carrier-scan", 0)


class Gaps:
    def __init__(self):
        self.chopped = []

    def chop(self, begin, end):
        self.chopped.append((begin, end))


class FakeAioKafka:
    def __init__(self, sought):
        self.sought = sought

    def seek(self, tp, offset):
        self.sought.append((tp, offset))

    async def beginning_offsets(self, tps):
        return {tp: 0 for tp in tps}


class FakeThread:
    """The consumer thread: runs a coroutine function there."""

    def __init__(self, sought):
        self.aiokafka = FakeAioKafka(sought)

    def _ensure_consumer(self):
        return self.aiokafka

    async def call_thread(self, fun, *args):
        return await fun(*args)


class FakeConsumer:
    """Faust's consumer as Continuity sees it: committed offsets, gap bookkeeping, read offsets, thread."""

    def __init__(self, committed):
        self._committed_offset = dict(committed)
        self._gap = {P0: Gaps()}
        self._read_offset = {}
        self.sought = []
        self._thread = FakeThread(self.sought)
        self._buffered_partitions, self._paused_partitions, self.active = set(), set(), set()
        self.assignment = lambda: set(committed)

    def _get_active_partitions(self):
        return self.active


class Clock:
    """Monotonic seconds the test sets; `at` returns True so it reads inside an assert."""

    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def at(self, t: float) -> bool:
        self.t = t
        return True


def watchdog(committed, high, assigned=None):
    """A consumer at `committed` whose fetches reached `high` (None: not fetched since its assignment),
    the clock the test sets, and the watchdog over them."""
    consumer = FakeConsumer(committed)
    if assigned is not None:
        consumer.assignment = lambda: assigned
    consumer.highwater = lambda tp: high
    clock = Clock()
    return consumer, clock, Continuity("test", frozenset({"carrier-scan"}), clock)


def run(consumer, offsets, c=None):
    c = c or Continuity("test")

    async def go():
        taken = []
        for o in offsets:
            if await c.admit(consumer, Msg(P0, o)):
                taken.append(o)
            await asyncio.sleep(0)            # let a scheduled seek run, as the consumer would
        return taken
    return asyncio.run(go()), c


def test_a_hole_is_read_again_and_taken_out_of_the_commit_bookkeeping():
    consumer = FakeConsumer({P0: 100})
    # records fetched before Faust's seek arrive first (125, 126), then the re-read from 100
    taken, c = run(consumer, [125, 126, *range(100, 128)])
    assert consumer.sought == [(P0, 100), (P0, 100)]        # once for each record past the hole
    assert consumer._gap[P0].chopped == [(100, 2 ** 62)] * 2
    assert taken == list(range(100, 128)) and c.holes == 1
    # a later jump is a hole too
    taken, c = run(consumer, [130, *range(128, 132)], c)
    assert consumer.sought[-1] == (P0, 128) and taken == [128, 129, 130, 131] and c.holes == 2


def test_in_order_input_is_taken_as_it_comes_and_duplicates_are_skipped():
    consumer = FakeConsumer({P0: 7})
    taken, c = run(consumer, [7, 8, 9, 8, 9, 10])
    assert taken == [7, 8, 9, 10] and consumer.sought == [] and c.holes == 0


def test_a_partition_never_committed_starts_at_its_first_offset():
    consumer = FakeConsumer({})
    taken, _ = run(consumer, [0, 1, 2])
    assert taken == [0, 1, 2] and consumer.sought == []
    late_start = FakeConsumer({})
    taken, _ = run(late_start, [5, 6, 0, 1, 2, 3, 4, 5, 6])    # records 0..4 were dropped before the seek
    assert late_start.sought[0] == (P0, 0) and taken == [0, 1, 2, 3, 4, 5, 6]


def test_after_a_revocation_the_committed_offset_decides_again():
    consumer = FakeConsumer({P0: 10})
    taken, c = run(consumer, [10, 11, 12])
    c.reset()
    consumer._committed_offset[P0] = 11           # the new owner committed 11 before handing back
    again, _ = run(consumer, [11, 12, 13], c)
    assert again == [11, 12, 13]


def test_a_hole_whose_re_read_was_dropped_is_sought_again_with_a_backoff():
    consumer, clock, c = watchdog({P0: 100}, 126)

    async def go():
        assert not await c.admit(consumer, Msg(P0, 125))     # stale: the hole 100..124, one seek
        await asyncio.sleep(0)
        assert consumer.sought == [(P0, 100)]
        # Faust dropped the re-read: nothing comes. Not yet due, then due, then backing off.
        start = c.heard[P0]                                  # the seek landed
        assert clock.at(start + 0.5) and c.retry_quiet(consumer) == 0
        assert clock.at(start + 1.0) and c.retry_quiet(consumer) == 1
        await asyncio.sleep(0)
        again = c.heard[P0]
        assert clock.at(again + 1.5) and c.retry_quiet(consumer) == 0        # the second waits 2 s
        assert clock.at(again + 2.0) and c.retry_quiet(consumer) == 1
        await asyncio.sleep(0)
        assert consumer.sought == [(P0, 100)] * 3
        # the hole is read again, through the end: nothing more to retry
        for offset in range(100, 126):
            assert await c.admit(consumer, Msg(P0, offset))
        assert clock.at(again + 100) and c.retry_quiet(consumer) == 0
        assert consumer.sought == [(P0, 100)] * 3
    asyncio.run(go())


def test_a_partition_with_messages_waiting_but_none_coming_is_sought_to_its_next_offset():
    consumer, clock, c = watchdog({P0: 100}, 130, {P0, TP("other-topic", 0)})

    async def go():
        assert await c.admit(consumer, Msg(P0, 100))
        assert await c.admit(consumer, Msg(P0, 101))             # then Faust drops 102.. silently
        heard = c.heard[P0]
        assert clock.at(heard + 1) and c.retry_quiet(consumer) == 0      # not yet: 5 s of silence first
        assert clock.at(heard + 5) and c.retry_quiet(consumer) == 1
        await asyncio.sleep(0)
        assert consumer.sought == [(P0, 102)]                     # the next offset to take, never another topic
        assert clock.at(heard + 12) and c.retry_quiet(consumer) == 0     # stuck at the same offset: 10 s now
        assert clock.at(heard + 15) and c.retry_quiet(consumer) == 1
        await asyncio.sleep(0)
        assert await c.admit(consumer, Msg(P0, 102))              # it moves, then sticks again: 5 s, no backoff
        moved = c.heard[P0]
        assert clock.at(moved + 4) and c.retry_quiet(consumer) == 0
        assert clock.at(moved + 5) and c.retry_quiet(consumer) == 1
        await asyncio.sleep(0)
        assert consumer.sought[-1] == (P0, 103)
        assert await c.admit(consumer, Msg(P0, 103))
        consumer.highwater = lambda tp: 104                       # everything there is taken
        assert clock.at(heard + 1000) and c.retry_quiet(consumer) == 0
    asyncio.run(go())


def test_a_partition_caught_up_is_never_starved():
    consumer, clock, c = watchdog({P0: 5}, 5)

    async def go():
        assert clock.at(10_000) and c.retry_quiet(consumer) == 0 and consumer.sought == []
    asyncio.run(go())


def test_a_partition_never_fetched_since_its_assignment_is_sought_and_fetched_again():
    """Seen once after a rebalance: a platform partition with 81 messages waiting was never fetched
    again (Faust had taken it out of its fetches), and nothing said so for 5 minutes."""
    consumer, clock, c = watchdog({P0: 300}, None)        # never fetched since it was assigned
    consumer._buffered_partitions.add(P0)                 # Faust's flow control left it out

    async def go():
        assert clock.at(1000) and c.retry_quiet(consumer) == 0
        assert clock.at(1004) and c.retry_quiet(consumer) == 0      # 5 s first, as for any stall
        assert clock.at(1005) and c.retry_quiet(consumer) == 1
        await asyncio.sleep(0)
        assert consumer.sought == [(P0, 300)]
        assert P0 in consumer.active and P0 not in consumer._buffered_partitions
    asyncio.run(go())


def test_a_partition_that_got_no_message_since_its_assignment_is_sought_too():
    """Quiet counts from when the watchdog first looked, not only from a message that came."""
    consumer, clock, c = watchdog({P0: 300}, 381)

    async def go():
        assert clock.at(1000) and c.retry_quiet(consumer) == 0
        assert clock.at(1005) and c.retry_quiet(consumer) == 1
        await asyncio.sleep(0)
        assert consumer.sought == [(P0, 300)]
    asyncio.run(go())


def test_the_quiet_of_a_broker_that_is_away_is_excused_and_counts_again_once_it_is_back():
    consumer, clock, c = watchdog({P0: 100}, 130)

    async def go():
        assert await c.admit(consumer, Msg(P0, 100))
        heard = c.heard[P0]
        for t in range(1, 16):                                    # a 15 s outage, excused every 0.5 s or so
            clock.at(heard + t)
            c.excuse_quiet()
        back = heard + 15
        assert clock.at(back + 4) and c.retry_quiet(consumer) == 0        # quiet counts from the broker's return
        assert clock.at(back + 5) and c.retry_quiet(consumer) == 1
    asyncio.run(go())


def test_records_fetched_but_never_taken_in_a_partition_with_nothing_committed_are_read_from_the_start():
    # Nothing committed (a new group); fetched to the end, and no message came.
    consumer, clock, c = watchdog({}, 2, {P0})

    async def go():
        assert c.retry_quiet(consumer) == 0                       # quiet counts from the first look
        assert clock.at(clock.t + 5) and c.retry_quiet(consumer) == 1
        await asyncio.sleep(0)
        assert consumer.sought == [(P0, 0)]
    asyncio.run(go())
