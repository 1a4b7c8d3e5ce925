"""A lost broker is tried again 1 s, 2 s ... 30 s apart, one line per try (issue 12: ~110 lines/s)."""
from __future__ import annotations

import asyncio
import logging

from stream.service import reconnect
from stream.service.reconnect import Brokers, QuietWhileDown

ADDRESS = "127.0.0.1:9092"


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def brokers(clock, lines, jitter=0.0):
    return Brokers(first=1.0, most=30.0, jitter=jitter, clock=clock, rand=lambda: 1.0,
                   say=lambda fmt, *args: lines.append(fmt % args))


def test_tries_are_spaced_one_two_four_up_to_thirty_seconds_with_one_line_each():
    clock, lines = Clock(), []
    b = brokers(clock, lines)
    assert b.attempt(ADDRESS) is False                    # not known to be down: aiokafka connects
    b.failed(ADDRESS, False, "[Errno 111] Connect call failed")
    tries = []
    for _ in range(560):                                  # 70 s of aiokafka asking every 125 ms (exact in binary)
        clock.now += 0.125
        retry = b.attempt(ADDRESS)
        if retry is not None:
            tries.append(round(clock.now - 100.0, 1))
            b.failed(ADDRESS, retry, "[Errno 111] Connect call failed")
    assert [round(b - a) for a, b in zip([0.0] + tries, tries)] == [1, 2, 4, 8, 16, 30]
    assert len(lines) == 1 + len(tries)
    assert lines[0] == (f"broker {ADDRESS} unreachable ([Errno 111] Connect call failed); trying again in 1 s, "
                        f"then less often (at most every 30 s)")
    assert lines[-1] == (f"broker {ADDRESS} unreachable for 61 s (7 attempts) ([Errno 111] Connect call failed); "
                         f"next try in 30 s")


def test_a_failed_first_try_that_raced_another_adds_no_line_and_no_interval():
    clock, lines = Clock(), []
    b = brokers(clock, lines)
    first, second = b.attempt(ADDRESS), b.attempt(ADDRESS)     # the fetcher and the producer, at once
    b.failed(ADDRESS, first)
    b.failed(ADDRESS, second)
    assert len(lines) == 1 and b.down[ADDRESS].delay == 1.0 and b.down[ADDRESS].attempts == 2
    clock.now += 0.5
    assert b.attempt(ADDRESS) is None


def test_one_try_per_interval_for_the_whole_process():
    clock, lines = Clock(), []
    b = brokers(clock, lines)
    b.failed(ADDRESS, False)
    clock.now += 1.0
    assert b.attempt(ADDRESS) is True
    assert b.attempt(ADDRESS) is None                     # the consumer's client waits for the producer's try


def test_back_again_says_how_long_it_was_gone_and_connects_at_once_after():
    clock, lines = Clock(), []
    b = brokers(clock, lines)
    b.failed(ADDRESS, False)
    clock.now += 1.0
    b.failed(ADDRESS, b.attempt(ADDRESS))
    clock.now += 2.0
    assert b.attempt(ADDRESS) is True
    b.connected(ADDRESS)
    assert lines[-1] == f"broker {ADDRESS} reachable again after 3 s (2 failed attempts)"
    assert b.attempt(ADDRESS) is False and not b.down
    b.connected(ADDRESS)                                  # a connection while nothing was down: no line
    assert len(lines) == 3


def test_jitter_spreads_the_tries_but_never_past_the_cap():
    clock, lines = Clock(), []
    b = Brokers(first=1.0, most=30.0, jitter=0.2, clock=clock, rand=lambda: 1.0, say=lambda *a: lines.append(a))
    b.failed(ADDRESS, False)
    assert b.down[ADDRESS].next_try == clock.now + 1.2
    b.down[ADDRESS].delay = 30.0
    clock.now = b.down[ADDRESS].next_try
    b.failed(ADDRESS, b.attempt(ADDRESS))
    assert b.down[ADDRESS].next_try == clock.now + 30.0


def record(name, msg, *args, level=logging.ERROR):
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_the_filter_drops_aiokafkas_repeats_only_while_a_broker_is_down():
    clock, lines = Clock(), []
    b = brokers(clock, lines)
    flt = QuietWhileDown(b)
    not_ready = record("aiokafka.consumer.fetcher", "Failed fetch messages from %s: %s", 1,
                       "NodeNotReadyError: Attempt to send a request to node which is not ready (node id 1).")
    other = record("aiokafka.consumer.group_coordinator", "OffsetCommit failed for group %s: %s", "g", "boom")
    assert flt.filter(not_ready)                          # nothing down yet: the first sign goes through
    b.failed(ADDRESS, False)
    assert not flt.filter(not_ready)
    assert not flt.filter(record("aiokafka", "Unable to update metadata from %s", [1]))
    assert not flt.filter(record("aiokafka.consumer.group_coordinator",
                                 "Marking the coordinator dead (node %s)for group %s.", 1, "g", level=logging.WARNING))
    assert flt.filter(other)
    assert flt.dropped == 3


def test_a_connect_that_fails_is_one_line_with_aiokafkas_reason():
    clock, lines = Clock(), []
    b = brokers(clock, lines)
    logger = logging.getLogger("aiokafka")
    flt = QuietWhileDown(b)
    reconnect.quiet_aiokafka(flt)
    seen = []

    class Keep(logging.Handler):
        def emit(self, rec):
            seen.append(rec.getMessage())
    keep = Keep()
    logger.addHandler(keep)
    calls = []

    async def get_conn():                                 # as aiokafka's _get_conn after a refused connect
        calls.append(1)
        logger.error("Unable connect to node with id %s: %s", 1, OSError("[Errno 111] Connect call failed"))
        return None

    async def twice():
        assert await reconnect.connect(b, ADDRESS, get_conn) is None
        assert await reconnect.connect(b, ADDRESS, get_conn) is None     # within the second: not tried
    try:
        asyncio.run(twice())
    finally:
        logger.removeHandler(keep)
        for name in reconnect.NOISY:
            logging.getLogger(name).removeFilter(flt)
    assert calls == [1] and seen == []
    assert lines == [f"broker {ADDRESS} unreachable ([Errno 111] Connect call failed); trying again in 1 s, "
                     f"then less often (at most every 30 s)"]
